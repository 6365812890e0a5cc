import { OK_RUN_STATES, runVerdict, type RunVerdict, type TaskDefinition } from '../../engine/tasks';
import type { RunRepository, StoredRun } from '../../store/runs';
import type { TaskRunOutcome } from './runner';

/** The verdict of a run as it just ended: what the terminal's summary line and the CLI say. */
export function outcomeVerdict(r: Pick<TaskRunOutcome, 'state' | 'cancelled' | 'error'> & { fallback?: Pick<TaskRunOutcome, 'task' | 'ok'> }): RunVerdict {
  return runVerdict({ state: r.state, cancelled: r.cancelled, errorCode: r.error?.code, fallback: r.fallback ? { task: r.fallback.task, ok: r.fallback.ok } : undefined });
}

/**
 * The verdict of a stored run (the Tasks view, later): the same as when it ended. A failed run's
 * fallback is the run of the fallback task that names it (`resumedFrom`).
 */
export function storedVerdict(runs: RunRepository, run: StoredRun, def: Pick<TaskDefinition, 'fallback'> | undefined): RunVerdict {
  const fallbackName = def?.fallback;
  const fallback = run.state === 'failed' && fallbackName ? runs.list({ kind: 'task', name: fallbackName, limit: 50 }).find((r) => r.resumedFrom === run.id) : undefined;
  return runVerdict({
    state: run.state,
    errorCode: run.errorCode,
    fallback: fallback && fallbackName ? { task: fallbackName, ok: OK_RUN_STATES.includes(fallback.state) } : undefined,
  });
}
