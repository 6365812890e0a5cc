import { isLockError } from '../../engine/errors';
import type { AttemptRecord, DeadLetter } from '../../engine/resilience';
import type { TaskDefinition } from '../../engine/tasks';
import type { TaskRunnerCore } from './runnerCore';
import type { ExecOptions, StepFailure, TaskProgress, TaskRunIo, TaskRunOutcome } from './types';

/** Runs a task for a run of another (its fallback, or its retry): given to runFallback by execute.ts. */
export type RunTask = (core: TaskRunnerCore, def: TaskDefinition, io: TaskRunIo, opts: ExecOptions, standsInFor?: string) => Promise<TaskRunOutcome>;

/**
 * Parks a failed run in the dead-letter queue, with its attempts and what was undone. A task has at
 * most one pending letter: a new failure updates it (and counts) instead of adding another.
 */
export function addDeadLetter(core: TaskRunnerCore, def: TaskDefinition, runId: string, failure: StepFailure & { index: number }, cwd: string, outcome: TaskRunOutcome, opts: ExecOptions): DeadLetter {
  const step = def.steps[failure.index];
  const task = def.name;
  const fallback = opts.fallback && def.fallback ? def.fallback : null;
  return core.deadLetters.park({
    operation: task,
    kind: 'task',
    component: 'tasks',
    input: { task, runId, step: step.name, stepIndex: failure.index },
    error: failure.error,
    attempts: failedStepAttempts(core.attempts.list({ runId })).map((a) => ({
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

/**
 * The attempts of the step that failed: each step's retry policy numbers its attempts from 1, so
 * they are the run's attempts from the last attempt number 1 on (the earlier steps' successful
 * attempts are not attempts at the work that is parked).
 */
export function failedStepAttempts<T extends { number: number; startedAt: number }>(all: readonly T[]): T[] {
  const ordered = [...all].sort((a, b) => a.startedAt - b.startedAt);
  let from = 0;
  for (let i = 0; i < ordered.length; i++) if (ordered[i].number === 1) from = i;
  return ordered.slice(from);
}

/** Runs the task's fallback task (once per chain: a cycle or a missing task is noted and skipped). */
export async function runFallback(core: TaskRunnerCore, def: TaskDefinition, runId: string, io: TaskRunIo, opts: ExecOptions, progress: (e: TaskProgress) => void, runTask: RunTask): Promise<TaskRunOutcome | undefined> {
  const name = def.fallback!;
  if (opts.chain.includes(name)) {
    core.runs.note(runId, 'note', null, { fallback: name, skipped: `cycle: ${[...opts.chain, name].join(' -> ')}` });
    return undefined;
  }
  const fb = core.options.tasks().get(name);
  if (!fb) {
    core.runs.note(runId, 'note', null, { fallback: name, skipped: 'no such task' });
    return undefined;
  }
  progress({ kind: 'fallback', task: def.name, runId, fallback: name });
  // The failed run's dead letter stands for the work; the fallback parks no letter of its own.
  try {
    return await runTask(core, fb, io, { ...opts, deadLetter: false, recovered: false, chain: [...opts.chain, name] }, runId);
  } catch (err) {
    // Another process runs the fallback task right now: the failed task's outcome stands.
    if (!isLockError(err)) throw err;
    core.runs.note(runId, 'note', null, { fallback: name, skipped: (err as Error).message });
    return undefined;
  }
}
