import { announceRerun } from './rerun';
import { ProblemScanner } from '../../engine/problems';
import { failureInfo, type DeadLetter } from '../../engine/resilience';
import { DEFAULT_PROBLEM_MATCHERS, firstUnfinishedStep, type RunState, type TaskDefinition } from '../../engine/tasks';
import { ValidationError, isCancelledError, isReboundError } from '../../engine/errors';
import type { StoredRun } from '../../store/runs';
import { describeStoreFailure } from '../../store/storeFailure';
import { randomId } from '../migrations/identity';
import { runStep } from './attempt';
import { addDeadLetter, runFallback } from './fallback';
import type { RunLease } from './lease';
import { problemsOf } from './problems';
import type { TaskRunnerCore } from './runnerCore';
import { RESUMABLE, type ExecOptions, type StepFailure, type TaskProgress, type TaskRunIo, type TaskRunOutcome } from './types';
import { undoFinished } from './undo';

/** Running a task (or continuing a run) step by step: on failure its undos, its dead letter and its fallback. */

export async function runTask(core: TaskRunnerCore, def: TaskDefinition, io: TaskRunIo, opts: ExecOptions, standsInFor?: string): Promise<TaskRunOutcome> {
  const run = core.runs.start({
    id: randomId(8),
    kind: 'task',
    name: def.name,
    owner: core.owner,
    definition: def,
    steps: def.steps.map((s) => s.name),
    resumedFrom: standsInFor,
  }, core.liveness());
  return execute(core, run, def, io, opts);
}

export async function resumeRun(core: TaskRunnerCore, run: StoredRun, io: TaskRunIo, opts: ExecOptions): Promise<TaskRunOutcome> {
  if (run.state === 'running') {
    if (core.interruptedReason(run) === undefined) {
      throw new ValidationError(`Run ${run.id} of "${run.name}" is still running (pid ${run.owner.pid} on ${run.owner.host})`, { context: { task: run.name, runId: run.id } });
    }
  } else if (!RESUMABLE.includes(run.state)) {
    throw new ValidationError(`Run ${run.id} of "${run.name}" is ${run.state}; only a failed, cancelled or interrupted run can be resumed`, {
      context: { task: run.name, runId: run.id },
    });
  }
  // Only what .rebound/config.json says now runs: a changed or removed task is refused before the run is taken.
  core.requireSameDefinition(run);
  await announceRerun(core, run, io);
  core.claim(run, { reason: 'resume' }, io);
  return continueClaimed(core, run, io, opts);
}

/** Executes a run this runner has claimed, from its first unfinished step. */
export function continueClaimed(core: TaskRunnerCore, run: StoredRun, io: TaskRunIo, opts: ExecOptions): Promise<TaskRunOutcome> {
  const def = core.requireSameDefinition(run);
  return execute(core, core.runs.require(run.id), def, io, opts);
}

export async function execute(core: TaskRunnerCore, run: StoredRun, def: TaskDefinition, io: TaskRunIo, opts: ExecOptions): Promise<TaskRunOutcome> {
  const runId = run.id;
  const task = def.name;
  const cwd = core.cwdOf(def);
  // Every task is read for problems: the built-in matchers unless the task names its own.
  const scanner = new ProblemScanner(def.problems.length ? def.problems : DEFAULT_PROBLEM_MATCHERS);
  const output = (text: string): unknown => {
    scanner.push(text);
    return io.onOutput?.(text);
  };
  const progress = (e: TaskProgress) => {
    try {
      io.onProgress?.(e);
    } catch {
      // A failing listener does not stop the run.
    }
  };
  const outcome: TaskRunOutcome = { ok: false, runId, task, state: 'running', cancelled: false, degraded: false, attempts: 0, problems: [], undone: [] };
  core.active.set(task, (core.active.get(task) ?? 0) + 1);
  // The work stops when the caller cancels or when another process takes the run over.
  const lease = core.lease(runId, io.signal);
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
      const r = await runStep(core, run, def, index, cwd, work, lease, output, progress, (file) => (outcome.spooled = file));
      if (r === 'lost') return lostOutcome(core, outcome, lease);
      outcome.attempts = Math.max(outcome.attempts, r.attempts.length);
      if (r.ok) continue;
      failure = { ...r.failure, index };
      break;
    }
    if (!failure) {
      const state: RunState = opts.recovered ? 'recovered' : 'succeeded';
      core.runs.finish(runId, state);
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
      if (io.undoOnCancel) outcome.undone = (await undoFinished(core, core.runs.require(runId), def, io, lease, lease.lostSignal)).undone;
      if (lease.lost) return lostOutcome(core, outcome, lease);
      return endCancelled(core, outcome, lease);
    }
    // The undos can be cancelled too: the run then ends cancelled (resumable, or rolled back later).
    const undo = await undoFinished(core, core.runs.require(runId), def, io, lease, lease.signal);
    outcome.undone = undo.undone;
    if (lease.lost) return lostOutcome(core, outcome, lease);
    if (undo.cancelled || cancelledByCaller()) return endCancelled(core, outcome, lease);
    // The failure and its dead letter in one transaction, before the fallback runs: a crash
    // during the fallback cannot lose the letter.
    let letter: DeadLetter | undefined;
    outcome.problems = problemsOf(core, scanner.end(), cwd, outcome.error.code);
    const park = opts.deadLetter && shouldPark(def, outcome);
    core.options.store.db
      .transaction(() => {
        core.runs.finish(runId, 'failed', { errorCode: outcome.error!.code });
        if (park) letter = addDeadLetter(core, def, runId, failure!, cwd, outcome, opts);
      })
      .immediate();
    lease.dispose();
    outcome.state = 'failed';
    if (opts.fallback && def.fallback) outcome.fallback = await runFallback(core, def, runId, io, opts, progress, runTask);
    outcome.degraded = outcome.fallback?.ok === true;
    if (letter && outcome.degraded) {
      core.deadLetters.resolve(letter.id, `The fallback task "${outcome.fallback!.task}" did the work (run ${outcome.fallback!.runId})`);
    } else if (letter && !core.options.store.spool.fileGone()) {
      // (A letter written after the database file was deleted went with it: none to name.)
      outcome.deadLetterId = letter.id;
    }
    outcome.ok = outcome.degraded;
    return outcome;
  } catch (err) {
    // An unexpected failure (the database, a listener): the run must not stay `running` under a
    // live owner, which would hold the task (one run per task) until this process ends.
    try {
      if (!lease.lost && core.runs.get(runId)?.state === 'running') core.runs.finish(runId, 'failed', { errorCode: isReboundError(err) ? err.code : 'RB-EXEC-001' });
    } catch {
      // The store itself failed; the run is found interrupted once this process is gone.
    }
    // A database failure says which file, what to do, and where this run's failure events were kept.
    throw describeStoreFailure(err, core.options.store.db.name, { spool: outcome.spooled ?? core.options.store.spool.written[0] });
  } finally {
    lease.dispose();
    const n = (core.active.get(task) ?? 1) - 1;
    if (n > 0) core.active.set(task, n);
    else core.active.delete(task);
    outcome.problems = problemsOf(core, scanner.end(), cwd, outcome.error?.code);
  }
}

/** Codes of failures in the code itself: a later retry of the same code cannot help. */
const CODE_FAILURE = /^RB-(?:BUILD|CODE|TEST)-/;

/**
 * Whether a failed run goes to the dead-letter queue: where a later retry can help. A code failure
 * that put problems in the Problems panel is fixed in the editor, not retried from the queue,
 * unless the task asks for it (`deadLetter: true`); `deadLetter: false` never parks.
 */
export function shouldPark(def: TaskDefinition, outcome: TaskRunOutcome): boolean {
  if (def.deadLetter !== undefined) return def.deadLetter;
  return !(outcome.problems.length > 0 && CODE_FAILURE.test(outcome.error?.code ?? ''));
}

export function endCancelled(core: TaskRunnerCore, outcome: TaskRunOutcome, lease: RunLease): TaskRunOutcome {
  core.runs.finish(outcome.runId, 'cancelled', { errorCode: 'RB-CANCEL-001' });
  lease.dispose();
  outcome.cancelled = true;
  outcome.state = 'cancelled';
  return outcome;
}

/** Another process took the run over: the work here stopped and the run's state is left to it. */
export function lostOutcome(core: TaskRunnerCore, outcome: TaskRunOutcome, lease: RunLease): TaskRunOutcome {
  const info = failureInfo(lease.lostSignal.reason);
  outcome.ok = false;
  outcome.state = core.runs.get(outcome.runId)?.state ?? 'running';
  outcome.error = { code: info.code, message: info.message, category: info.category };
  return outcome;
}
