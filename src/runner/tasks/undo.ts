import { RollbackError } from '../../engine/errors';
import type { StepState, TaskDefinition } from '../../engine/tasks';
import type { StoredRun } from '../../store/runs';
import { runShell } from '../process';
import type { RunLease } from './lease';
import { RUN_ID_ENV } from './owner';
import type { TaskRunnerCore } from './runnerCore';
import type { TaskRunIo, UndoResult } from './types';

/**
 * Undoes the finished steps (done, or an undo that failed or was interrupted) in reverse order,
 * each journaled. `signal` stops it: the undo in flight ends undo-failed (cancelled) and the
 * steps not begun stay as they are; when the lease is lost nothing more is written.
 */
export async function undoFinished(core: TaskRunnerCore, run: StoredRun, def: TaskDefinition, io: TaskRunIo, lease: RunLease, signal: AbortSignal): Promise<UndoResult> {
  const undone: Array<{ index: number; name: string; ok: boolean }> = [];
  const cwd = core.cwdOf(def);
  for (const s of [...run.steps].reverse()) {
    const undo = def.steps[s.index]?.undo;
    if (!undo || !(['done', 'undo-failed', 'undoing'] as StepState[]).includes(s.state)) continue;
    if (lease.lost) break;
    if (signal.aborted) return { undone, cancelled: true };
    if (s.state === 'undoing') core.runs.transition(run.id, s.index, { from: 'undoing', to: 'undo-failed', data: { reason: 'interrupted' } });
    core.runs.transition(run.id, s.index, { to: 'undoing' });
    const r = await runShell(undo, {
      cwd,
      env: { ...def.env, [RUN_ID_ENV]: run.id, REBOUND_TASK: def.name, REBOUND_STEP: s.name, REBOUND_UNDO: '1' },
      timeoutMs: def.timeoutMs,
      signal,
      onOutput: io.onOutput,
      tailBytes: core.options.tailBytes,
      killGraceMs: core.options.killGraceMs,
    });
    if (lease.lost) break;
    const ok = r.exitCode === 0 && !r.timedOut && !r.cancelled && !r.spawnError;
    core.runs.transition(run.id, s.index, { from: 'undoing', to: ok ? 'undone' : 'undo-failed', exitCode: r.exitCode, data: ok ? {} : { timedOut: r.timedOut, cancelled: r.cancelled } });
    if (!ok && !r.cancelled) {
      const message = `Undoing step "${s.name}" of task "${def.name}" failed${r.timedOut ? ' (timed out)' : r.exitCode !== null ? ` with exit code ${r.exitCode}` : r.spawnError ? `: ${r.spawnError.message}` : ''}`;
      core.options.store.record({
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
