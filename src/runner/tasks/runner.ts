import { isAbsolute, relative, resolve, sep } from 'node:path';
import { createClassifier, type Classification, type Classifier } from '../../engine/classify';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../engine/clock';
import {
  CancelledError,
  ConfigurationError,
  ExecutionError,
  RecoveryError,
  RollbackError,
  ValidationError,
  isLockError,
  isReboundError,
  isCancelledError,
  isCategory,
  isCircuitOpenError,
} from '../../engine/errors';
import type { Disposable } from '../../engine/event';
import { ProblemScanner } from '../../engine/problems';
import {
  failureInfo,
  registerRetryHandler,
  retryPolicyFromConfig,
  type AttemptRecord,
  type DeadLetter,
} from '../../engine/resilience';
import {
  OK_RUN_STATES,
  checkJournal,
  completedSteps,
  firstUnfinishedStep,
  planRecovery,
  type JournalCheck,
  type Problem,
  type RecoveryAction,
  type RecoveryPlan,
  type RecoveryStrategy,
  type RunState,
  type StepState,
  type TaskDefinition,
} from '../../engine/tasks';
import { AttemptRepository } from '../../store/attempts';
import { BreakerRepository } from '../../store/breakers';
import { DeadLetterRepository } from '../../store/deadLetters';
import type { ErrorStore } from '../../store/errorStore';
import { RunRepository, type Liveness, type RunOwner, type StoredJournalEntry, type StoredRecovery, type StoredRun } from '../../store/runs';
import { randomId } from '../migrations/identity';
import { runShell, type ShellRunResult } from '../process';
import { BreakerPool } from './breakerPool';
import { RunLease } from './lease';
import { RUN_ID_ENV, currentRunOwner, isOwnerAlive, stopRunProcesses } from './owner';

/** A problem from the output, its file absolute, with the Rebound code its diagnostic links to. */
export interface TaskProblem extends Omit<Problem, 'matcher'> {
  code: string;
  matcher: string;
}

/** What happens while a run goes, for a terminal or a progress view. */
export type TaskProgress =
  | { kind: 'run-start'; task: string; runId: string; steps: number; from: number }
  | { kind: 'step-start'; task: string; runId: string; index: number; step: string; attempt: number }
  | { kind: 'step-done'; task: string; runId: string; index: number; step: string }
  | { kind: 'step-skipped'; task: string; runId: string; index: number; step: string }
  | { kind: 'attempt-failed'; task: string; runId: string; index: number; step: string; attempt: number; code: string; category: string; message: string }
  | { kind: 'retry-wait'; task: string; runId: string; index: number; step: string; attempt: number; delayMs: number }
  | { kind: 'undo'; task: string; runId: string; index: number; step: string; ok: boolean }
  | { kind: 'fallback'; task: string; runId: string; fallback: string }
  | { kind: 'stopped-leftovers'; runId: string; pids: number[] };

export interface TaskRunIo {
  signal?: AbortSignal;
  onOutput?(text: string): void;
  onProgress?(event: TaskProgress): void;
  /** Undo the finished steps when the run is cancelled too (default: no, a cancelled run can be resumed). */
  undoOnCancel?: boolean;
}

/** How a run ended. Structurally a `TaskRunResult` of the extension's facade, with more detail. */
export interface TaskRunOutcome {
  /** The work succeeded (or, when it failed, its fallback did: then `degraded`). */
  ok: boolean;
  runId: string;
  task: string;
  state: RunState;
  cancelled: boolean;
  /** The task failed but its fallback succeeded. */
  degraded: boolean;
  /** The classified failure, when a step failed (or, with state still `running`, RB-RECOVER-001: another process took the run over). */
  error?: { code: string; message: string; category: string };
  issueId?: number;
  /** The most attempts one step needed in this execution (1 when nothing was retried). */
  attempts: number;
  problems: TaskProblem[];
  evidence?: string;
  /**
   * The dead letter parked for this failure while the work is still undone. When the fallback
   * did the work (`degraded`), the entry was resolved naming the fallback run and this is unset.
   */
  deadLetterId?: number;
  /** The step that failed. */
  failedStep?: { index: number; name: string };
  /** Steps whose undo command ran, in the order they ran, with how it went. */
  undone: Array<{ index: number; name: string; ok: boolean }>;
  fallback?: TaskRunOutcome;
}

export interface TaskSummary {
  name: string;
  detail: string;
  steps: number;
  last?: { ok: boolean; at: number; runId: string; code?: string; state: string };
  /** Whether this runner is running it. */
  running: boolean;
  /** A live run of another process (the CLI, another window) that holds the task now. */
  elsewhere?: { runId: string; pid: number; host: string; startedAt: number };
}

export interface InterruptedRun {
  id: string;
  name: string;
  startedAt: number;
  completedSteps: number;
  totalSteps: number;
  reason: 'owner-gone' | 'pid-reused' | 'heartbeat-expired';
  owner: RunOwner;
  heartbeat: number;
}

export interface RecoveryOutcome {
  ok: boolean;
  message: string;
  runId: string;
  action: RecoveryAction;
  strategy: RecoveryStrategy;
  plan: RecoveryPlan;
  recovery: StoredRecovery;
  /** The execution, for resume. */
  result?: TaskRunOutcome;
  /** Processes left over from the dead run that were stopped first. */
  stoppedProcesses: number[];
}

export interface RunDetails {
  run: StoredRun;
  journal: StoredJournalEntry[];
  recoveries: StoredRecovery[];
  consistency: JournalCheck;
  /** The plan each action would follow now. */
  plans: Record<RecoveryAction, RecoveryPlan>;
  interrupted: boolean;
}

export interface TaskRunnerOptions {
  /** The workspace folder: task cwds are relative to it. */
  root: string;
  store: ErrorStore;
  /** The current task definitions (read on every call, so config edits apply to the next run). */
  tasks: () => Map<string, TaskDefinition>;
  clock?: Clock;
  random?: RandomSource;
  /** Who this runner is (default: this process, with its start time). */
  identity?: RunOwner;
  /** Whether a run owner of this host is still alive (default: pid and start time). */
  isAlive?: (owner: RunOwner) => boolean;
  /** How often a running run's heartbeat is written (default 5 s). */
  heartbeatMs?: number;
  /** A running run whose heartbeat is older than this, and whose owner is not proven alive, is interrupted (default 60 s). */
  staleAfterMs?: number;
  /** Output kept per attempt for classification (default 64 KiB). */
  tailBytes?: number;
  /** Between SIGTERM and SIGKILL when a step is stopped (default 2 s). */
  killGraceMs?: number;
}

interface ExecOptions {
  deadLetter: boolean;
  fallback: boolean;
  /** The run was interrupted and is being recovered: it ends `recovered`. */
  recovered: boolean;
  /** Task names of the fallback chain so far (cycle guard). */
  chain: string[];
}

interface UndoResult {
  undone: Array<{ index: number; name: string; ok: boolean }>;
  /** An undo was cancelled, or the rest were not started because of a cancellation. */
  cancelled: boolean;
}

interface StepFailure {
  error: unknown;
  classification?: Classification;
  issueId?: number;
  exitCode: number | null;
}

const MATCHER_CODES: Record<string, string> = {
  tsc: 'RB-BUILD-TS',
  eslint: 'RB-BUILD-LINT',
  'eslint-unix': 'RB-BUILD-LINT',
  pytest: 'RB-TEST-FAIL',
};

const RESUMABLE: readonly RunState[] = ['failed', 'cancelled'];

/** The task called `name`, or a ConfigurationError listing the configured ones. */
export function requireTask(tasks: ReadonlyMap<string, TaskDefinition>, name: string): TaskDefinition {
  const def = tasks.get(name);
  if (def) return def;
  const names = [...tasks.keys()];
  throw new ConfigurationError(
    names.length === 0 ? `Unknown task "${name}": .rebound/config.json defines no tasks` : `Unknown task "${name}" (configured: ${names.sort().join(', ')})`,
    { context: { task: name } },
  );
}

/**
 * Runs the workspace's tasks: each step through the user's shell, its failures classified,
 * recorded and retried per the task's policy behind its circuit breaker; on giving up, the
 * finished steps are undone in reverse order, the fallback task runs and the run is parked in the
 * dead-letter queue. Every step is a checkpoint in the store (runs, run_steps, journal), so a run
 * that failed or whose process died is resumed from its first unfinished step.
 */
export class TaskRunner {
  readonly runs: RunRepository;
  readonly attempts: AttemptRepository;
  readonly deadLetters: DeadLetterRepository;
  readonly breakers: BreakerRepository;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly owner: RunOwner;
  private readonly isAlive: (owner: RunOwner) => boolean;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly classifiers = new WeakMap<object, Classifier>();
  /** Runs this runner is executing now, by task name. */
  private readonly active = new Map<string, number>();
  /** One breaker per key for every run of this runner, kept in step with the store. */
  private readonly breakerPool: BreakerPool;

  constructor(private readonly options: TaskRunnerOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    const now = () => this.clock.now();
    const db = options.store.db;
    this.runs = new RunRepository(db, { now });
    this.attempts = new AttemptRepository(db);
    this.deadLetters = new DeadLetterRepository(db, { now });
    this.breakers = new BreakerRepository(db, { now });
    this.owner = options.identity ?? currentRunOwner();
    this.isAlive = options.isAlive ?? isOwnerAlive;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.breakerPool = new BreakerPool(this.breakers, { clock: this.clock, random: this.random });
  }

  /** The tasks with their last run. */
  tasks(): TaskSummary[] {
    const last = this.runs.lastPerName('task');
    const live = new Map(this.runs.live({ ...this.liveness(), kind: 'task' }).map((r) => [r.name, r]));
    return [...this.options.tasks().values()].map((t) => {
      const single = t.steps.length === 1 && t.steps[0].name === t.name;
      const run = last.get(t.name);
      const s: TaskSummary = {
        name: t.name,
        detail: single ? t.steps[0].command : t.steps.map((x) => x.name).join(' → '),
        steps: t.steps.length,
        running: (this.active.get(t.name) ?? 0) > 0,
      };
      if (run) {
        s.last = { ok: OK_RUN_STATES.includes(run.state), at: run.endedAt ?? run.heartbeat, runId: run.id, state: run.state };
        if (run.errorCode) s.last.code = run.errorCode;
      }
      const other = live.get(t.name);
      if (other && !s.running) s.elsewhere = { runId: other.id, pid: other.owner.pid, host: other.owner.host, startedAt: other.startedAt };
      return s;
    });
  }

  /** The task, or a ConfigurationError naming the configured tasks. */
  definition(name: string): TaskDefinition {
    return requireTask(this.options.tasks(), name);
  }

  /** Runs a task from its first step. */
  run(name: string, io: TaskRunIo = {}): Promise<TaskRunOutcome> {
    return this.runTask(this.definition(name), io, { deadLetter: true, fallback: true, recovered: false, chain: [name] });
  }

  /**
   * Continues a failed, cancelled or interrupted run from its first unfinished step; finished
   * steps are not run again. The run keeps its id.
   */
  async resume(runId: string, io: TaskRunIo = {}): Promise<TaskRunOutcome> {
    const run = this.runs.require(runId);
    const interrupted = run.state === 'running' && this.interruptedReason(run) !== undefined;
    return this.resumeRun(run, io, { deadLetter: true, fallback: true, recovered: interrupted, chain: [run.name] });
  }

  /** Runs that say `running` but whose owner is gone (see RunRepository.interrupted). */
  interrupted(): InterruptedRun[] {
    return this.runs.interrupted({ ...this.liveness(), kind: 'task' }).map(({ run, reason }) => ({
      id: run.id,
      name: run.name,
      startedAt: run.startedAt,
      completedSteps: completedSteps(run.steps.map((s) => s.state)),
      totalSteps: run.steps.length,
      reason,
      owner: run.owner,
      heartbeat: run.heartbeat,
    }));
  }

  /** A run with its journal, recoveries, the journal check and the plan of each recovery action. */
  details(runId: string): RunDetails {
    const run = this.runs.require(runId);
    const journal = this.runs.journal(runId);
    const def = this.definitionOf(run);
    const input = {
      id: run.id,
      name: run.name,
      steps: run.steps.map((s) => ({ index: s.index, name: s.name, state: s.state, command: def?.steps[s.index]?.command, undo: def?.steps[s.index]?.undo })),
    };
    return {
      run,
      journal,
      recoveries: this.runs.recoveries(runId),
      consistency: checkJournal(run, journal),
      plans: { resume: planRecovery(input, 'resume'), rollback: planRecovery(input, 'rollback'), abandon: planRecovery(input, 'abandon') },
      interrupted: run.state === 'running' && this.interruptedReason(run) !== undefined,
    };
  }

  /**
   * Recovers an interrupted (or failed, or cancelled) run: the plan is recorded with the strategy,
   * leftover processes of the run are stopped, the action is carried out (resume, rollback,
   * abandon) and its outcome recorded. Strategy `manual` records the plan and closes the run
   * (abandoned) for a person to finish by hand; `skip` records the decision and changes nothing.
   */
  async recover(runId: string, action: RecoveryAction, io: TaskRunIo = {}, strategy: RecoveryStrategy = 'guided'): Promise<RecoveryOutcome> {
    const run = this.runs.require(runId);
    const reason = run.state === 'running' ? this.interruptedReason(run) : undefined;
    if (run.state === 'running' && reason === undefined) {
      throw new RecoveryError(`Run ${runId} of "${run.name}" is still running (pid ${run.owner.pid} on ${run.owner.host}); it cannot be recovered`, {
        context: { task: run.name, runId },
      });
    }
    if (run.state !== 'running' && !RESUMABLE.includes(run.state)) {
      throw new RecoveryError(`Run ${runId} of "${run.name}" is ${run.state}; there is nothing to recover`, { context: { task: run.name, runId } });
    }
    const details = this.details(runId);
    const plan = details.plans[action];
    const recovery = this.runs.addRecovery(runId, strategy, action, plan);
    const base = { runId, action, strategy, plan, stoppedProcesses: [] as number[] };
    if (strategy === 'skip') {
      const done = this.runs.endRecovery(recovery.id, 'succeeded', 'Skipped: the run is left as it is and offered again next time');
      return { ...base, ok: true, message: `Recovery of run ${runId} skipped; it stays interrupted.`, recovery: done };
    }
    try {
      // Claim the run before anything else: a second recovery of the same run fails here, before
      // it could stop the processes of the first one.
      // Abandoning runs no step, so another live run of the task does not stand in its way.
      const runsSteps = strategy !== 'manual' && action !== 'abandon';
      base.stoppedProcesses = this.claim(run, { reason: 'recovery', recoveryId: recovery.id }, io, runsSteps);
      if (strategy !== 'manual' && action === 'resume') {
        const result = await this.continueClaimed(run, io, { deadLetter: true, fallback: true, recovered: run.state === 'running', chain: [run.name] });
        const message = result.ok
          ? `Run ${runId} of "${run.name}" resumed from step ${(plan.resumeFrom ?? run.steps.length - 1) + 1} and finished.`
          : result.cancelled
            ? `Resuming run ${runId} was cancelled.`
            : `Resuming run ${runId} failed${result.error ? `: [${result.error.code}] ${result.error.message}` : ''}.`;
        const done = this.runs.endRecovery(recovery.id, result.ok ? 'succeeded' : 'failed', message);
        return { ...base, ok: result.ok, message, recovery: done, result };
      }
      const lease = this.lease(runId, io.signal);
      try {
        if (strategy === 'manual' || action === 'abandon') {
          for (const s of this.runs.require(runId).steps) {
            if (s.state === 'pending' || s.state === 'failed' || s.state === 'undone') this.runs.transition(runId, s.index, { to: 'skipped', data: { reason: strategy === 'manual' ? 'manual' : 'abandoned' } });
          }
          this.runs.finish(runId, 'abandoned', { data: { recoveryId: recovery.id } });
          const detail = strategy === 'manual' ? `Left to be done by hand: ${plan.summary}` : 'Abandoned: nothing was run';
          const done = this.runs.endRecovery(recovery.id, 'succeeded', detail);
          return { ...base, ok: true, message: strategy === 'manual' ? `Run ${runId} closed; the plan is recorded for you to carry out by hand.` : `Run ${runId} abandoned.`, recovery: done };
        }
        const def = this.definitionOf(this.runs.require(runId)) ?? this.definition(run.name);
        const { undone, cancelled } = await this.undoFinished(this.runs.require(runId), def, io, lease, lease.signal);
        if (lease.lost) {
          // Another process owns the run now: its state is theirs to write.
          const message = `Rolling back run ${runId} stopped: ${(lease.lostSignal.reason as Error).message}`;
          return { ...base, ok: false, message, recovery: this.runs.endRecovery(recovery.id, 'failed', message) };
        }
        const ok = !cancelled && undone.every((u) => u.ok);
        const state: RunState = ok ? 'rolled-back' : cancelled ? 'cancelled' : 'failed';
        this.runs.finish(runId, state, { errorCode: ok ? null : cancelled ? 'RB-CANCEL-001' : 'RB-ROLLBACK-001', data: { recoveryId: recovery.id } });
        const message = ok
          ? `Run ${runId} rolled back (${undone.length} step(s) undone).`
          : cancelled
            ? `Rolling back run ${runId} was cancelled; run the rollback again to finish it.`
            : `Rolling back run ${runId} failed: ${undone.filter((u) => !u.ok).map((u) => u.name).join(', ')} could not be undone.`;
        const done = this.runs.endRecovery(recovery.id, ok ? 'succeeded' : 'failed', message);
        return { ...base, ok, message, recovery: done };
      } finally {
        lease.dispose();
      }
    } catch (err) {
      this.runs.endRecovery(recovery.id, 'failed', (err as Error)?.message ?? String(err));
      throw err;
    }
  }

  /**
   * Re-runs a dead letter of kind `task` (the queue's retry handler): resumes its run when that
   * run can still be resumed, else runs the task again. Resolves when it succeeded; throws the
   * classified failure otherwise. Adds no dead letter and runs no fallback (the queue keeps the entry).
   */
  async retryDeadLetter(entry: DeadLetter, signal?: AbortSignal): Promise<TaskRunOutcome> {
    const input = (entry.input ?? {}) as { task?: unknown; runId?: unknown };
    const task = typeof input.task === 'string' ? input.task : entry.operation;
    const runId = typeof input.runId === 'string' ? input.runId : entry.runId;
    const run = runId ? this.runs.get(runId) : undefined;
    const opts: ExecOptions = { deadLetter: false, fallback: false, recovered: false, chain: [task] };
    const result =
      run && RESUMABLE.includes(run.state) ? await this.resumeRun(run, { signal }, opts) : await this.runTask(this.definition(task), { signal }, opts);
    if (result.ok) return result;
    if (result.cancelled) throw new CancelledError(`Re-running task "${task}" was cancelled`);
    const e = result.error;
    throw new ExecutionError(e?.message ?? `Task "${task}" failed again`, {
      code: e?.code,
      category: isCategory(e?.category) ? e.category : undefined,
      context: { task, runId: result.runId, component: 'tasks' },
    });
  }

  // ---- execution -------------------------------------------------------------------------

  private async runTask(def: TaskDefinition, io: TaskRunIo, opts: ExecOptions, standsInFor?: string): Promise<TaskRunOutcome> {
    const run = this.runs.start({
      id: randomId(8),
      kind: 'task',
      name: def.name,
      owner: this.owner,
      definition: def,
      steps: def.steps.map((s) => s.name),
      resumedFrom: standsInFor,
    }, this.liveness());
    return this.execute(run, def, io, opts);
  }

  private async resumeRun(run: StoredRun, io: TaskRunIo, opts: ExecOptions): Promise<TaskRunOutcome> {
    if (run.state === 'running') {
      if (this.interruptedReason(run) === undefined) {
        throw new ValidationError(`Run ${run.id} of "${run.name}" is still running (pid ${run.owner.pid} on ${run.owner.host})`, { context: { task: run.name, runId: run.id } });
      }
    } else if (!RESUMABLE.includes(run.state)) {
      throw new ValidationError(`Run ${run.id} of "${run.name}" is ${run.state}; only a failed, cancelled or interrupted run can be resumed`, {
        context: { task: run.name, runId: run.id },
      });
    }
    this.claim(run, { reason: 'resume' }, io);
    return this.continueClaimed(run, io, opts);
  }

  /**
   * Takes the run over (or throws when someone else changed it first), then stops what is left of
   * its processes, then marks the steps a dead owner left running or undoing. In that order: a
   * process that loses the claim stops nothing. Returns the pids stopped.
   */
  private claim(run: StoredRun, data: Record<string, unknown>, io: TaskRunIo, exclusive = true): number[] {
    this.take(run, data, exclusive);
    const pids = stopRunProcesses(run.id);
    if (pids.length) {
      try {
        io.onProgress?.({ kind: 'stopped-leftovers', runId: run.id, pids });
      } catch {
        // A failing listener does not stop the recovery.
      }
    }
    this.markInterrupted(run.id);
    return pids;
  }

  /** Executes a run this runner has claimed, from its first unfinished step. */
  private continueClaimed(run: StoredRun, io: TaskRunIo, opts: ExecOptions): Promise<TaskRunOutcome> {
    const def = this.definitionOf(run) ?? this.definition(run.name);
    return this.execute(this.runs.require(run.id), def, io, opts);
  }

  /** Starts the heartbeat of a run this runner owns. */
  private lease(runId: string, parent: AbortSignal | undefined): RunLease {
    return new RunLease({ runs: this.runs, runId, owner: this.owner, clock: this.clock, intervalMs: this.heartbeatMs, parent });
  }

  /**
   * Claims the run for this runner, or throws when someone else changed it first (or, when
   * `exclusive`, with a LockError when another live run of the task holds it).
   */
  private take(run: StoredRun, data: Record<string, unknown>, exclusive: boolean): void {
    if (!this.runs.claim(run.id, this.owner, run, data, exclusive ? this.liveness() : undefined)) {
      throw new RecoveryError(`Run ${run.id} of "${run.name}" was taken over by another process meanwhile`, { context: { task: run.name, runId: run.id } });
    }
  }

  /** Steps left running or undoing by a dead owner become failed / undo-failed (journaled). */
  private markInterrupted(runId: string): void {
    for (const s of this.runs.require(runId).steps) {
      if (s.state === 'running') this.runs.transition(runId, s.index, { from: 'running', to: 'failed', data: { reason: 'interrupted' } });
      else if (s.state === 'undoing') this.runs.transition(runId, s.index, { from: 'undoing', to: 'undo-failed', data: { reason: 'interrupted' } });
    }
  }

  /** The definition to continue a run with: the current one when its steps are the same, else the one the run started with. */
  private definitionOf(run: StoredRun): TaskDefinition | undefined {
    const current = this.options.tasks().get(run.name);
    const names = run.steps.map((s) => s.name);
    if (current && current.steps.length === names.length && current.steps.every((s, i) => s.name === names[i])) return current;
    const stored = run.definition as TaskDefinition | null;
    if (stored && Array.isArray(stored.steps) && stored.steps.length === names.length) return stored;
    return undefined;
  }

  private interruptedReason(run: StoredRun): string | undefined {
    const found = this.runs.interrupted({ ...this.liveness(), kind: run.kind, name: run.name });
    return found.find((f) => f.run.id === run.id)?.reason;
  }

  /** How this runner tells live run owners from gone ones; also what keeps one task to one run at a time. */
  private liveness(): Liveness {
    return { host: this.owner.host, isAlive: this.isAlive, staleAfterMs: this.staleAfterMs };
  }

  private classifierFor(def: TaskDefinition): Classifier {
    let c = this.classifiers.get(def.rules);
    if (!c) {
      c = createClassifier(def.rules);
      this.classifiers.set(def.rules, c);
    }
    return c;
  }

  private cwdOf(def: TaskDefinition): string {
    return isAbsolute(def.cwd) ? def.cwd : resolve(this.options.root, def.cwd || '.');
  }

  private async execute(run: StoredRun, def: TaskDefinition, io: TaskRunIo, opts: ExecOptions): Promise<TaskRunOutcome> {
    const runId = run.id;
    const task = def.name;
    const cwd = this.cwdOf(def);
    const scanner = def.problems.length ? new ProblemScanner(def.problems) : undefined;
    const output = (text: string) => {
      io.onOutput?.(text);
      scanner?.push(text);
    };
    const progress = (e: TaskProgress) => {
      try {
        io.onProgress?.(e);
      } catch {
        // A failing listener does not stop the run.
      }
    };
    const outcome: TaskRunOutcome = { ok: false, runId, task, state: 'running', cancelled: false, degraded: false, attempts: 0, problems: [], undone: [] };
    this.active.set(task, (this.active.get(task) ?? 0) + 1);
    // The work stops when the caller cancels or when another process takes the run over.
    const lease = this.lease(runId, io.signal);
    const work: TaskRunIo = { ...io, signal: lease.signal };
    let failure: (StepFailure & { index: number }) | undefined;
    try {
      const states = run.steps.map((s) => s.state);
      progress({ kind: 'run-start', task, runId, steps: def.steps.length, from: firstUnfinishedStep(states) ?? def.steps.length });
      for (let index = 0; index < def.steps.length; index++) {
        const step = def.steps[index];
        if (states[index] === 'done') {
          progress({ kind: 'step-skipped', task, runId, index, step: step.name });
          continue;
        }
        const r = await this.runStep(run, def, index, cwd, work, lease, output, progress);
        if (r === 'lost') return this.lostOutcome(outcome, lease);
        outcome.attempts = Math.max(outcome.attempts, r.attempts.length);
        if (r.ok) continue;
        failure = { ...r.failure, index };
        break;
      }
      if (!failure) {
        const state: RunState = opts.recovered ? 'recovered' : 'succeeded';
        this.runs.finish(runId, state);
        outcome.ok = true;
        outcome.state = state;
        return outcome;
      }
      // A failed step.
      const step = def.steps[failure.index];
      outcome.failedStep = { index: failure.index, name: step.name };
      const info = failureInfo(failure.error);
      outcome.error = { code: failure.classification?.code ?? info.code, message: info.message, category: failure.classification?.category ?? info.category };
      outcome.issueId = failure.issueId;
      outcome.evidence = failure.classification?.evidence;
      const cancelledByCaller = () => io.signal?.aborted === true;
      if (isCancelledError(failure.error) || cancelledByCaller()) {
        // Undo on cancel goes on after the cancellation; only a lost run stops it.
        if (io.undoOnCancel) outcome.undone = (await this.undoFinished(this.runs.require(runId), def, io, lease, lease.lostSignal)).undone;
        if (lease.lost) return this.lostOutcome(outcome, lease);
        return this.endCancelled(outcome, lease);
      }
      // The undos can be cancelled too: the run then ends cancelled (resumable, or rolled back later).
      const undo = await this.undoFinished(this.runs.require(runId), def, io, lease, lease.signal);
      outcome.undone = undo.undone;
      if (lease.lost) return this.lostOutcome(outcome, lease);
      if (undo.cancelled || cancelledByCaller()) return this.endCancelled(outcome, lease);
      // The failure and its dead letter in one transaction, before the fallback runs: a crash
      // during the fallback cannot lose the letter.
      let letter: DeadLetter | undefined;
      this.options.store.db
        .transaction(() => {
          this.runs.finish(runId, 'failed', { errorCode: outcome.error!.code });
          if (opts.deadLetter) letter = this.addDeadLetter(def, runId, failure!, cwd, outcome, opts);
        })
        .immediate();
      lease.dispose();
      outcome.state = 'failed';
      if (opts.fallback && def.fallback) outcome.fallback = await this.runFallback(def, runId, io, opts, progress);
      outcome.degraded = outcome.fallback?.ok === true;
      if (letter && outcome.degraded) {
        this.deadLetters.resolve(letter.id, `The fallback task "${outcome.fallback!.task}" did the work (run ${outcome.fallback!.runId})`);
      } else if (letter) {
        outcome.deadLetterId = letter.id;
      }
      outcome.ok = outcome.degraded;
      return outcome;
    } catch (err) {
      // An unexpected failure (the database, a listener): the run must not stay `running` under a
      // live owner, which would hold the task (one run per task) until this process ends.
      try {
        if (!lease.lost && this.runs.get(runId)?.state === 'running') this.runs.finish(runId, 'failed', { errorCode: isReboundError(err) ? err.code : 'RB-EXEC-001' });
      } catch {
        // The store itself failed; the run is found interrupted once this process is gone.
      }
      throw err;
    } finally {
      lease.dispose();
      const n = (this.active.get(task) ?? 1) - 1;
      if (n > 0) this.active.set(task, n);
      else this.active.delete(task);
      if (scanner) outcome.problems = this.problemsOf(scanner.end(), cwd, outcome.error?.code);
    }
  }

  private endCancelled(outcome: TaskRunOutcome, lease: RunLease): TaskRunOutcome {
    this.runs.finish(outcome.runId, 'cancelled', { errorCode: 'RB-CANCEL-001' });
    lease.dispose();
    outcome.cancelled = true;
    outcome.state = 'cancelled';
    return outcome;
  }

  /** Another process took the run over: the work here stopped and the run's state is left to it. */
  private lostOutcome(outcome: TaskRunOutcome, lease: RunLease): TaskRunOutcome {
    const info = failureInfo(lease.lostSignal.reason);
    outcome.ok = false;
    outcome.state = this.runs.get(outcome.runId)?.state ?? 'running';
    outcome.error = { code: info.code, message: info.message, category: info.category };
    return outcome;
  }

  private addDeadLetter(def: TaskDefinition, runId: string, failure: StepFailure & { index: number }, cwd: string, outcome: TaskRunOutcome, opts: ExecOptions): DeadLetter {
    const step = def.steps[failure.index];
    const task = def.name;
    const fallback = opts.fallback && def.fallback ? def.fallback : null;
    return this.deadLetters.add({
      operation: task,
      kind: 'task',
      component: 'tasks',
      input: { task, runId, step: step.name, stepIndex: failure.index },
      error: failure.error,
      attempts: this.attempts.list({ runId }).map((a) => ({
        number: a.number,
        startedAt: a.startedAt,
        delayMs: a.delayMs,
        durationMs: a.durationMs,
        outcome: a.outcome,
        errorCode: a.errorCode,
        category: a.category,
        message: a.message,
      })) as AttemptRecord[],
      context: { cwd, command: step.command, exitCode: failure.exitCode, undone: outcome.undone, fallback },
      runId,
    });
  }

  private async runStep(
    run: StoredRun,
    def: TaskDefinition,
    index: number,
    cwd: string,
    io: TaskRunIo,
    lease: RunLease,
    output: (text: string) => void,
    progress: (e: TaskProgress) => void,
  ): Promise<{ ok: true; attempts: AttemptRecord[] } | { ok: false; attempts: AttemptRecord[]; failure: StepFailure } | 'lost'> {
    const runId = run.id;
    const task = def.name;
    const step = def.steps[index];
    const classifier = this.classifierFor(def);
    const policy = retryPolicyFromConfig(def.retry, { clock: this.clock, random: this.random, component: task });
    const owner = { operation: task, runId, component: 'tasks' };
    const subscriptions = [
      policy.onAttempt((a) => this.attempts.record(owner, a)),
      policy.onRetry((e) => progress({ kind: 'retry-wait', task, runId, index, step: step.name, attempt: e.attempt, delayMs: e.delayMs })),
    ];
    /** Failures already recorded as events (each failed attempt), so the give-up does not record them twice. */
    const recorded = new WeakMap<object, { classification: Classification; issueId: number; exitCode: number | null }>();
    /** The latest attempt's process: the retry policy gives up on a cancellation at once, the process tree dies after. */
    let inflight: Promise<ShellRunResult> | undefined;
    this.runs.transition(runId, index, { to: 'running' });

    const attemptOnce = async (signal: AbortSignal, attempt: number): Promise<ShellRunResult> => {
      progress({ kind: 'step-start', task, runId, index, step: step.name, attempt });
      const running = runShell(step.command, {
        cwd,
        env: { ...def.env, [RUN_ID_ENV]: runId, REBOUND_TASK: task, REBOUND_STEP: step.name },
        timeoutMs: def.timeoutMs,
        signal,
        onOutput: output,
        tailBytes: this.options.tailBytes,
        killGraceMs: this.options.killGraceMs,
      });
      inflight = running;
      const r = await running;
      if (r.cancelled) throw new CancelledError(`Step "${step.name}" of task "${task}" was cancelled`, { context: { task, step: step.name, runId } });
      if (r.exitCode === 0 && !r.timedOut && !r.spawnError) return r;
      const message = r.spawnError
        ? `Step "${step.name}" of task "${task}" could not start: ${r.spawnError.message}`
        : r.timedOut
          ? `Step "${step.name}" of task "${task}" timed out after ${def.timeoutMs} ms`
          : r.signal
            ? `Step "${step.name}" of task "${task}" was killed by ${r.signal}`
            : `Step "${step.name}" of task "${task}" exited with code ${r.exitCode}`;
      let c = classifier.classify({ message, output: r.tail, exitCode: r.exitCode, signal: r.signal, errorCode: r.spawnError?.code, component: 'tasks', task });
      if (r.timedOut && !c.rule.startsWith('rules[')) {
        // The kill was ours: a timeout, whatever signal ended the process (a user rule still wins).
        c = { code: 'RB-TIMEOUT-001', category: 'transient', severity: 'MEDIUM', retryable: true, guidance: 'RB-TIMEOUT-001', rule: 'timeout' };
      }
      const context = {
        component: 'tasks',
        task,
        step: step.name,
        command: step.command,
        durationMs: r.durationMs,
        attempt,
        runId,
        ...(r.exitCode === null ? {} : { exitCode: r.exitCode }),
        ...(r.signal ? { signal: r.signal } : {}),
        ...(c.delayHintMs === undefined ? {} : { delayHintMs: c.delayHintMs }),
      };
      const rec = this.options.store.record({ message, output: r.tail, classification: c, context });
      if (!lease.lost) this.runs.note(runId, 'attempt', index, { attempt, code: c.code, category: c.category, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, eventId: rec.eventId });
      progress({ kind: 'attempt-failed', task, runId, index, step: step.name, attempt, code: c.code, category: c.category, message });
      const error = new ExecutionError(message, { code: c.code, category: c.category, severity: c.severity, retryable: c.retryable, guidance: c.guidance, context });
      recorded.set(error, { classification: c, issueId: rec.issueId, exitCode: r.exitCode });
      throw error;
    };

    const breaker = def.breaker;
    try {
      const result = await policy.executeWithOutcome(
        ({ signal, attempt }) =>
          breaker ? this.breakerPool.execute(breaker.name, breaker.config, ({ signal: s }) => attemptOnce(s, attempt), signal) : attemptOnce(signal, attempt),
        io.signal,
      );
      // Nothing is recorded before the step's processes are gone (a cancellation returns at once).
      if (inflight) await inflight;
      if (lease.lost) return 'lost';
      if (result.ok) {
        this.runs.transition(runId, index, { from: 'running', to: 'done', exitCode: 0, data: { attempts: result.attempts.length } });
        progress({ kind: 'step-done', task, runId, index, step: step.name });
        return { ok: true, attempts: result.attempts };
      }
      const error = result.error;
      const known = typeof error === 'object' && error !== null ? recorded.get(error) : undefined;
      const failure: StepFailure = { error, exitCode: known?.exitCode ?? null, classification: known?.classification, issueId: known?.issueId };
      if (!known && !isCancelledError(error) && !(io.signal?.aborted ?? false)) {
        // Refused by an open breaker (or failed before running): record it once.
        const info = failureInfo(error);
        const c: Classification = isCircuitOpenError(error)
          ? { code: info.code, category: info.category, severity: 'MEDIUM', retryable: false, guidance: info.code, rule: 'error' }
          : this.classifierFor(def).classify({ error, component: 'tasks', task });
        const rec = this.options.store.record({ error, classification: c, context: { component: 'tasks', task, step: step.name, runId, command: step.command } });
        failure.classification = c;
        failure.issueId = rec.issueId;
      }
      this.runs.transition(runId, index, {
        from: 'running',
        to: 'failed',
        exitCode: failure.exitCode,
        data: { reason: result.reason, code: failure.classification?.code ?? failureInfo(error).code, attempts: result.attempts.length },
      });
      return { ok: false, attempts: result.attempts, failure };
    } finally {
      for (const s of subscriptions) s.dispose();
    }
  }

  /**
   * Undoes the finished steps (done, or an undo that failed or was interrupted) in reverse order,
   * each journaled. `signal` stops it: the undo in flight ends undo-failed (cancelled) and the
   * steps not begun stay as they are; when the lease is lost nothing more is written.
   */
  private async undoFinished(run: StoredRun, def: TaskDefinition, io: TaskRunIo, lease: RunLease, signal: AbortSignal): Promise<UndoResult> {
    const undone: Array<{ index: number; name: string; ok: boolean }> = [];
    const cwd = this.cwdOf(def);
    for (const s of [...run.steps].reverse()) {
      const undo = def.steps[s.index]?.undo;
      if (!undo || !(['done', 'undo-failed', 'undoing'] as StepState[]).includes(s.state)) continue;
      if (lease.lost) break;
      if (signal.aborted) return { undone, cancelled: true };
      if (s.state === 'undoing') this.runs.transition(run.id, s.index, { from: 'undoing', to: 'undo-failed', data: { reason: 'interrupted' } });
      this.runs.transition(run.id, s.index, { to: 'undoing' });
      const r = await runShell(undo, {
        cwd,
        env: { ...def.env, [RUN_ID_ENV]: run.id, REBOUND_TASK: def.name, REBOUND_STEP: s.name, REBOUND_UNDO: '1' },
        timeoutMs: def.timeoutMs,
        signal,
        onOutput: io.onOutput,
        tailBytes: this.options.tailBytes,
        killGraceMs: this.options.killGraceMs,
      });
      if (lease.lost) break;
      const ok = r.exitCode === 0 && !r.timedOut && !r.cancelled && !r.spawnError;
      this.runs.transition(run.id, s.index, { from: 'undoing', to: ok ? 'undone' : 'undo-failed', exitCode: r.exitCode, data: ok ? {} : { timedOut: r.timedOut, cancelled: r.cancelled } });
      if (!ok && !r.cancelled) {
        const message = `Undoing step "${s.name}" of task "${def.name}" failed${r.timedOut ? ' (timed out)' : r.exitCode !== null ? ` with exit code ${r.exitCode}` : r.spawnError ? `: ${r.spawnError.message}` : ''}`;
        this.options.store.record({
          error: new RollbackError(message, { context: { component: 'tasks', task: def.name, step: s.name, runId: run.id, command: undo } }),
          output: r.tail,
          context: { component: 'tasks', task: def.name, step: s.name, runId: run.id, command: undo, ...(r.exitCode === null ? {} : { exitCode: r.exitCode }) },
        });
      }
      try {
        io.onProgress?.({ kind: 'undo', task: def.name, runId: run.id, index: s.index, step: s.name, ok });
      } catch {
        // A failing listener does not stop the undo.
      }
      undone.push({ index: s.index, name: s.name, ok });
      if (r.cancelled) return { undone, cancelled: true };
    }
    return { undone, cancelled: false };
  }

  private async runFallback(def: TaskDefinition, runId: string, io: TaskRunIo, opts: ExecOptions, progress: (e: TaskProgress) => void): Promise<TaskRunOutcome | undefined> {
    const name = def.fallback!;
    if (opts.chain.includes(name)) {
      this.runs.note(runId, 'note', null, { fallback: name, skipped: `cycle: ${[...opts.chain, name].join(' -> ')}` });
      return undefined;
    }
    const fb = this.options.tasks().get(name);
    if (!fb) {
      this.runs.note(runId, 'note', null, { fallback: name, skipped: 'no such task' });
      return undefined;
    }
    progress({ kind: 'fallback', task: def.name, runId, fallback: name });
    // The failed run's dead letter stands for the work; the fallback parks no letter of its own.
    try {
      return await this.runTask(fb, io, { ...opts, deadLetter: false, recovered: false, chain: [...opts.chain, name] }, runId);
    } catch (err) {
      // Another process runs the fallback task right now: the failed task's outcome stands.
      if (!isLockError(err)) throw err;
      this.runs.note(runId, 'note', null, { fallback: name, skipped: (err as Error).message });
      return undefined;
    }
  }

  /**
   * The problems found in the output, files resolved against the step's cwd; a problem whose file
   * is outside the workspace is dropped (task output must not put diagnostics on any file).
   */
  private problemsOf(found: readonly Problem[], cwd: string, failureCode: string | undefined): TaskProblem[] {
    const root = resolve(this.options.root);
    const problems: TaskProblem[] = [];
    for (const p of found) {
      const file = resolve(cwd, p.file);
      const rel = relative(root, file);
      if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
      problems.push({ ...p, file, code: MATCHER_CODES[p.matcher] ?? failureCode ?? 'RB-EXEC-001' });
    }
    return problems;
  }
}

/**
 * Registers the retry handler for dead letters of kind `task` (used by `rebound dlq retry` and
 * the editor's queue view): `open(root)` gives a runner for the entry's workspace.
 */
export function registerTaskRetryHandler(open: (root: string) => { runner: TaskRunner; dispose(): void }): Disposable {
  return registerRetryHandler('task', async (entry, ctx) => {
    const { runner, dispose } = open(ctx.root);
    try {
      await runner.retryDeadLetter(entry, ctx.signal);
    } finally {
      dispose();
    }
  });
}
