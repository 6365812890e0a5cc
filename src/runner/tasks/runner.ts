import { isAbsolute, resolve } from 'node:path';
import { createClassifier, type Classification, type Classifier } from '../../engine/classify';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../engine/clock';
import {
  CancelledError,
  ConfigurationError,
  ExecutionError,
  RecoveryError,
  RollbackError,
  ValidationError,
  isCancelledError,
  isCategory,
  isCircuitOpenError,
} from '../../engine/errors';
import type { Disposable } from '../../engine/event';
import { ProblemScanner } from '../../engine/problems';
import {
  breakerFromConfig,
  failureInfo,
  registerRetryHandler,
  retryPolicyFromConfig,
  type AttemptRecord,
  type CircuitBreakerPolicy,
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
import { BreakerRepository, persistBreaker } from '../../store/breakers';
import { DeadLetterRepository } from '../../store/deadLetters';
import type { ErrorStore } from '../../store/errorStore';
import { RunRepository, type RunOwner, type StoredJournalEntry, type StoredRecovery, type StoredRun } from '../../store/runs';
import { randomId } from '../migrations/identity';
import { runShell, type ShellRunResult } from '../process';
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
  /** The classified failure, when a step failed. */
  error?: { code: string; message: string; category: string };
  issueId?: number;
  /** The most attempts one step needed in this execution (1 when nothing was retried). */
  attempts: number;
  problems: TaskProblem[];
  evidence?: string;
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
  running: boolean;
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
  }

  /** The tasks with their last run. */
  tasks(): TaskSummary[] {
    const last = this.runs.lastPerName('task');
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
    return this.runs.interrupted({ host: this.owner.host, isAlive: this.isAlive, staleAfterMs: this.staleAfterMs, kind: 'task' }).map(({ run, reason }) => ({
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
    base.stoppedProcesses = stopRunProcesses(runId);
    if (base.stoppedProcesses.length) io.onProgress?.({ kind: 'stopped-leftovers', runId, pids: base.stoppedProcesses });
    try {
      if (strategy === 'manual' || action === 'abandon') {
        this.take(run, { reason: 'recovery', recoveryId: recovery.id });
        this.markInterrupted(runId);
        for (const s of this.runs.require(runId).steps) {
          if (s.state === 'pending' || s.state === 'failed' || s.state === 'undone') this.runs.transition(runId, s.index, { to: 'skipped', data: { reason: strategy === 'manual' ? 'manual' : 'abandoned' } });
        }
        this.runs.finish(runId, 'abandoned', { data: { recoveryId: recovery.id } });
        const detail = strategy === 'manual' ? `Left to be done by hand: ${plan.summary}` : 'Abandoned: nothing was run';
        const done = this.runs.endRecovery(recovery.id, 'succeeded', detail);
        return { ...base, ok: true, message: strategy === 'manual' ? `Run ${runId} closed; the plan is recorded for you to carry out by hand.` : `Run ${runId} abandoned.`, recovery: done };
      }
      if (action === 'rollback') {
        this.take(run, { reason: 'recovery', recoveryId: recovery.id });
        this.markInterrupted(runId);
        const def = this.definitionOf(this.runs.require(runId)) ?? this.definition(run.name);
        const undone = await this.undoFinished(this.runs.require(runId), def, io);
        const ok = undone.every((u) => u.ok);
        this.runs.finish(runId, ok ? 'rolled-back' : 'failed', { errorCode: ok ? null : 'RB-ROLLBACK-001', data: { recoveryId: recovery.id } });
        const message = ok ? `Run ${runId} rolled back (${undone.length} step(s) undone).` : `Rolling back run ${runId} failed: ${undone.filter((u) => !u.ok).map((u) => u.name).join(', ')} could not be undone.`;
        const done = this.runs.endRecovery(recovery.id, ok ? 'succeeded' : 'failed', message);
        return { ...base, ok, message, recovery: done };
      }
      const result = await this.resumeRun(run, io, { deadLetter: true, fallback: true, recovered: run.state === 'running', chain: [run.name] });
      const message = result.ok
        ? `Run ${runId} of "${run.name}" resumed from step ${(plan.resumeFrom ?? run.steps.length - 1) + 1} and finished.`
        : result.cancelled
          ? `Resuming run ${runId} was cancelled.`
          : `Resuming run ${runId} failed${result.error ? `: [${result.error.code}] ${result.error.message}` : ''}.`;
      const done = this.runs.endRecovery(recovery.id, result.ok ? 'succeeded' : 'failed', message);
      return { ...base, ok: result.ok, message, recovery: done, result };
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
    });
    return this.execute(run, def, io, opts);
  }

  private async resumeRun(run: StoredRun, io: TaskRunIo, opts: ExecOptions): Promise<TaskRunOutcome> {
    if (run.state === 'running') {
      if (this.interruptedReason(run) === undefined) {
        throw new ValidationError(`Run ${run.id} of "${run.name}" is still running (pid ${run.owner.pid} on ${run.owner.host})`, { context: { task: run.name, runId: run.id } });
      }
      stopRunProcesses(run.id);
    } else if (!RESUMABLE.includes(run.state)) {
      throw new ValidationError(`Run ${run.id} of "${run.name}" is ${run.state}; only a failed, cancelled or interrupted run can be resumed`, {
        context: { task: run.name, runId: run.id },
      });
    }
    this.take(run, { reason: 'resume' });
    this.markInterrupted(run.id);
    const def = this.definitionOf(run) ?? this.definition(run.name);
    return this.execute(this.runs.require(run.id), def, io, opts);
  }

  /** Claims the run for this runner, or throws when someone else changed it first. */
  private take(run: StoredRun, data: Record<string, unknown>): void {
    if (!this.runs.claim(run.id, this.owner, run, data)) {
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
    const found = this.runs.interrupted({ host: this.owner.host, isAlive: this.isAlive, staleAfterMs: this.staleAfterMs, kind: run.kind, name: run.name });
    return found.find((f) => f.run.id === run.id)?.reason;
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
    const stopHeartbeat = this.startHeartbeat(runId);
    let breaker: CircuitBreakerPolicy | undefined;
    let breakerPersist: Disposable | undefined;
    if (def.breaker) {
      breaker = breakerFromConfig(def.breaker.name, def.breaker.config, { initialState: this.breakers.load(def.breaker.name), clock: this.clock, random: this.random });
      breakerPersist = persistBreaker(breaker, this.breakers, { now: () => this.clock.now() });
    }
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
        const r = await this.runStep(run, def, index, cwd, io, output, progress, breaker);
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
      const cancelled = isCancelledError(failure.error) || io.signal?.aborted === true;
      const info = failureInfo(failure.error);
      outcome.error = { code: failure.classification?.code ?? info.code, message: info.message, category: failure.classification?.category ?? info.category };
      outcome.issueId = failure.issueId;
      outcome.evidence = failure.classification?.evidence;
      if (cancelled) {
        outcome.cancelled = true;
        if (io.undoOnCancel) outcome.undone = await this.undoFinished(this.runs.require(runId), def, io);
        this.runs.finish(runId, 'cancelled', { errorCode: 'RB-CANCEL-001' });
        outcome.state = 'cancelled';
        return outcome;
      }
      outcome.undone = await this.undoFinished(this.runs.require(runId), def, { ...io, signal: undefined });
      this.runs.finish(runId, 'failed', { errorCode: outcome.error.code });
      outcome.state = 'failed';
      if (opts.fallback && def.fallback) outcome.fallback = await this.runFallback(def, runId, io, opts, progress);
      if (outcome.fallback?.ok) outcome.degraded = true;
      else if (opts.deadLetter) {
        const entry = this.deadLetters.add({
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
          context: { cwd, command: step.command, exitCode: failure.exitCode, undone: outcome.undone, fallback: outcome.fallback?.runId ?? null },
          runId,
        });
        outcome.deadLetterId = entry.id;
      }
      outcome.ok = outcome.degraded;
      return outcome;
    } finally {
      stopHeartbeat();
      breakerPersist?.dispose();
      const n = (this.active.get(task) ?? 1) - 1;
      if (n > 0) this.active.set(task, n);
      else this.active.delete(task);
      if (scanner) outcome.problems = this.problemsOf(scanner.end(), cwd, outcome.error?.code);
    }
  }

  private async runStep(
    run: StoredRun,
    def: TaskDefinition,
    index: number,
    cwd: string,
    io: TaskRunIo,
    output: (text: string) => void,
    progress: (e: TaskProgress) => void,
    breaker: CircuitBreakerPolicy | undefined,
  ): Promise<{ ok: true; attempts: AttemptRecord[] } | { ok: false; attempts: AttemptRecord[]; failure: StepFailure }> {
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
    this.runs.transition(runId, index, { to: 'running' });

    const attemptOnce = async (signal: AbortSignal, attempt: number): Promise<ShellRunResult> => {
      progress({ kind: 'step-start', task, runId, index, step: step.name, attempt });
      const r = await runShell(step.command, {
        cwd,
        env: { ...def.env, [RUN_ID_ENV]: runId, REBOUND_TASK: task, REBOUND_STEP: step.name },
        timeoutMs: def.timeoutMs,
        signal,
        onOutput: output,
        tailBytes: this.options.tailBytes,
        killGraceMs: this.options.killGraceMs,
      });
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
      this.runs.note(runId, 'attempt', index, { attempt, code: c.code, category: c.category, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, eventId: rec.eventId });
      progress({ kind: 'attempt-failed', task, runId, index, step: step.name, attempt, code: c.code, category: c.category, message });
      const error = new ExecutionError(message, { code: c.code, category: c.category, severity: c.severity, retryable: c.retryable, guidance: c.guidance, context });
      recorded.set(error, { classification: c, issueId: rec.issueId, exitCode: r.exitCode });
      throw error;
    };

    try {
      const result = await policy.executeWithOutcome(
        ({ signal, attempt }) => (breaker ? breaker.execute(({ signal: s }) => attemptOnce(s, attempt), signal) : attemptOnce(signal, attempt)),
        io.signal,
      );
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

  /** Undoes the finished steps (done, or an undo that failed or was interrupted) in reverse order, each journaled. */
  private async undoFinished(run: StoredRun, def: TaskDefinition, io: TaskRunIo): Promise<Array<{ index: number; name: string; ok: boolean }>> {
    const undone: Array<{ index: number; name: string; ok: boolean }> = [];
    const cwd = this.cwdOf(def);
    for (const s of [...run.steps].reverse()) {
      const undo = def.steps[s.index]?.undo;
      if (!undo || !(['done', 'undo-failed', 'undoing'] as StepState[]).includes(s.state)) continue;
      if (s.state === 'undoing') this.runs.transition(run.id, s.index, { from: 'undoing', to: 'undo-failed', data: { reason: 'interrupted' } });
      this.runs.transition(run.id, s.index, { to: 'undoing' });
      const r = await runShell(undo, {
        cwd,
        env: { ...def.env, [RUN_ID_ENV]: run.id, REBOUND_TASK: def.name, REBOUND_STEP: s.name, REBOUND_UNDO: '1' },
        timeoutMs: def.timeoutMs,
        signal: io.signal,
        onOutput: io.onOutput,
        tailBytes: this.options.tailBytes,
        killGraceMs: this.options.killGraceMs,
      });
      const ok = r.exitCode === 0 && !r.timedOut && !r.cancelled && !r.spawnError;
      this.runs.transition(run.id, s.index, { from: 'undoing', to: ok ? 'undone' : 'undo-failed', exitCode: r.exitCode, data: ok ? {} : { timedOut: r.timedOut, cancelled: r.cancelled } });
      if (!ok) {
        const message = `Undoing step "${s.name}" of task "${def.name}" failed${r.timedOut ? ' (timed out)' : r.cancelled ? ' (cancelled)' : r.exitCode !== null ? ` with exit code ${r.exitCode}` : r.spawnError ? `: ${r.spawnError.message}` : ''}`;
        this.options.store.record({
          error: new RollbackError(message, { context: { component: 'tasks', task: def.name, step: s.name, runId: run.id, command: undo } }),
          output: r.tail,
          context: { component: 'tasks', task: def.name, step: s.name, runId: run.id, command: undo, ...(r.exitCode === null ? {} : { exitCode: r.exitCode }) },
        });
      }
      io.onProgress?.({ kind: 'undo', task: def.name, runId: run.id, index: s.index, step: s.name, ok });
      undone.push({ index: s.index, name: s.name, ok });
    }
    return undone;
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
    return this.runTask(fb, io, { ...opts, recovered: false, chain: [...opts.chain, name] }, runId);
  }

  private problemsOf(found: readonly Problem[], cwd: string, failureCode: string | undefined): TaskProblem[] {
    return found.map((p) => ({
      ...p,
      file: isAbsolute(p.file) ? p.file : resolve(cwd, p.file),
      code: MATCHER_CODES[p.matcher] ?? failureCode ?? 'RB-EXEC-001',
    }));
  }

  private startHeartbeat(runId: string): () => void {
    let stopped = false;
    let handle: unknown;
    const beat = () => {
      if (stopped) return;
      try {
        this.runs.heartbeat(runId, this.owner);
      } catch {
        // A busy database: the next beat tries again.
      }
      schedule();
    };
    const schedule = () => {
      handle = this.clock.setTimeout(beat, this.heartbeatMs);
      (handle as { unref?: () => void } | undefined)?.unref?.();
    };
    schedule();
    return () => {
      stopped = true;
      this.clock.clearTimeout(handle);
    };
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
