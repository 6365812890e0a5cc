import { CancelledError, ExecutionError, isCategory } from '../../engine/errors';
import { codeOf } from '../../engine/errors/codes';
import type { Disposable } from '../../engine/event';
import { registerRetryHandler, type DeadLetter } from '../../engine/resilience';
import { resumeRun, runTask } from './execute';
import type { TaskRunner } from './runner';
import type { TaskRunnerCore } from './runnerCore';
import { RESUMABLE, type ExecOptions, type TaskRunOutcome } from './types';

/**
 * Re-runs a dead letter of kind `task` (the queue's retry handler): resumes its run when that
 * run can still be resumed, else runs the task again. Resolves when it succeeded; throws the
 * classified failure otherwise. Adds no dead letter and runs no fallback (the queue keeps the entry).
 */
export async function retryDeadLetter(core: TaskRunnerCore, entry: DeadLetter, signal?: AbortSignal): Promise<TaskRunOutcome> {
  const input = (entry.input ?? {}) as { task?: unknown; runId?: unknown };
  const task = typeof input.task === 'string' ? input.task : entry.operation;
  const runId = typeof input.runId === 'string' ? input.runId : entry.runId;
  const run = runId ? core.runs.get(runId) : undefined;
  const opts: ExecOptions = { deadLetter: false, fallback: false, recovered: false, chain: [task] };
  // The run is resumed only while the config still defines what it started with; else the task runs afresh as the config says now.
  const resumable = run !== undefined && RESUMABLE.includes(run.state) && core.definitionOf(run) !== undefined;
  const result = resumable ? await resumeRun(core, run, { signal }, opts) : await runTask(core, core.definition(task), { signal }, opts);
  if (result.ok) return result;
  if (result.cancelled) throw new CancelledError(`Re-running task "${task}" was cancelled`);
  const e = result.error;
  throw new ExecutionError(e?.message ?? `Task "${task}" failed again`, {
    code: e?.code === undefined ? undefined : codeOf(e.code),
    category: isCategory(e?.category) ? e.category : undefined,
    context: { task, runId: result.runId, component: 'tasks' },
  });
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
