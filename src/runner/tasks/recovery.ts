import { RecoveryError } from '../../engine/errors';
import { checkJournal, planRecovery, type RecoveryAction, type RecoveryStrategy, type RunState } from '../../engine/tasks';
import { continueClaimed } from './execute';
import type { TaskRunnerCore } from './runnerCore';
import { RESUMABLE, type RecoveryOutcome, type RunDetails, type TaskRunIo } from './types';
import { announceRerun } from './rerun';
import { undoFinished } from './undo';

/** A run with its journal, recoveries, the journal check and the plan of each recovery action. */
export function runDetails(core: TaskRunnerCore, runId: string): RunDetails {
  const run = core.runs.require(runId);
  const journal = core.runs.journal(runId);
  // The plans show the config's commands when it still defines what the run started with, else the run's redacted copy.
  const def = core.definitionOf(run) ?? (run.definition as { steps?: Array<{ command?: string; undo?: string }> } | null) ?? undefined;
  const definitionChanges = core.definitionChanges(run);
  const input = {
    id: run.id,
    name: run.name,
    steps: run.steps.map((s) => ({ index: s.index, name: s.name, state: s.state, command: def?.steps?.[s.index]?.command, undo: def?.steps?.[s.index]?.undo })),
  };
  return {
    run,
    journal,
    recoveries: core.runs.recoveries(runId),
    consistency: checkJournal(run, journal),
    plans: { resume: planRecovery(input, 'resume'), rollback: planRecovery(input, 'rollback'), abandon: planRecovery(input, 'abandon') },
    interrupted: run.state === 'running' && core.interruptedReason(run) !== undefined,
    definitionChanges,
  };
}

/**
 * Recovers an interrupted (or failed, or cancelled) run: the plan is recorded with the strategy,
 * leftover processes of the run are stopped, the action is carried out (resume, rollback,
 * abandon) and its outcome recorded. Strategy `manual` records the plan and closes the run
 * (abandoned) for a person to finish by hand; `skip` records the decision and changes nothing.
 */
export async function recover(core: TaskRunnerCore, runId: string, action: RecoveryAction, io: TaskRunIo = {}, strategy: RecoveryStrategy = 'guided'): Promise<RecoveryOutcome> {
  const run = core.runs.require(runId);
  const reason = run.state === 'running' ? core.interruptedReason(run) : undefined;
  if (run.state === 'running' && reason === undefined) {
    throw new RecoveryError(`Run ${runId} of "${run.name}" is still running (pid ${run.owner.pid} on ${run.owner.host}); it cannot be recovered`, {
      context: { task: run.name, runId },
    });
  }
  if (run.state !== 'running' && !RESUMABLE.includes(run.state)) {
    throw new RecoveryError(`Run ${runId} of "${run.name}" is ${run.state}; there is nothing to recover`, { context: { task: run.name, runId } });
  }
  // Resume runs the config's definition only, and only when it is what the run started with;
  // rollback needs the task in the config (its undo commands). Refused before anything is recorded.
  if (strategy !== 'skip' && strategy !== 'manual') {
    if (action === 'resume') core.requireSameDefinition(run);
    else if (action === 'rollback') core.rollbackDefinition(run);
  }
  const details = runDetails(core, runId);
  const plan = details.plans[action];
  const recovery = core.runs.addRecovery(runId, strategy, action, plan);
  const base = { runId, action, strategy, plan, stoppedProcesses: [] as number[] };
  if (strategy === 'skip') {
    const done = core.runs.endRecovery(recovery.id, 'succeeded', 'Skipped: the run is left as it is and offered again next time');
    return { ...base, ok: true, message: `Recovery of run ${runId} skipped; it stays interrupted.`, recovery: done };
  }
  try {
    // Claim the run before anything else: a second recovery of the same run fails here, before
    // it could stop the processes of the first one.
    // Abandoning runs no step, so another live run of the task does not stand in its way.
    const runsSteps = strategy !== 'manual' && action !== 'abandon';
    if (strategy !== 'manual' && action === 'resume') await announceRerun(core, run, io);
    base.stoppedProcesses = core.claim(run, { reason: 'recovery', recoveryId: recovery.id }, io, runsSteps);
    if (strategy !== 'manual' && action === 'resume') {
      const result = await continueClaimed(core, run, io, { deadLetter: true, fallback: true, recovered: run.state === 'running', chain: [run.name] });
      const message = result.ok
        ? `Run ${runId} of "${run.name}" resumed from step ${(plan.resumeFrom ?? run.steps.length - 1) + 1} and finished.`
        : result.cancelled
          ? `Resuming run ${runId} was cancelled.`
          : `Resuming run ${runId} failed${result.error ? `: [${result.error.code}] ${result.error.message}` : ''}.`;
      const done = core.runs.endRecovery(recovery.id, result.ok ? 'succeeded' : 'failed', message);
      return { ...base, ok: result.ok, message, recovery: done, result };
    }
    const lease = core.lease(runId, io.signal);
    try {
      if (strategy === 'manual' || action === 'abandon') {
        for (const s of core.runs.require(runId).steps) {
          if (s.state === 'pending' || s.state === 'failed' || s.state === 'undone') core.runs.transition(runId, s.index, { to: 'skipped', data: { reason: strategy === 'manual' ? 'manual' : 'abandoned' } });
        }
        core.runs.finish(runId, 'abandoned', { data: { recoveryId: recovery.id } });
        const detail = strategy === 'manual' ? `Left to be done by hand: ${plan.summary}` : 'Abandoned: nothing was run';
        const done = core.runs.endRecovery(recovery.id, 'succeeded', detail);
        return { ...base, ok: true, message: strategy === 'manual' ? `Run ${runId} closed; the plan is recorded for you to carry out by hand.` : `Run ${runId} abandoned.`, recovery: done };
      }
      const def = core.rollbackDefinition(core.runs.require(runId));
      const { undone, cancelled } = await undoFinished(core, core.runs.require(runId), def, io, lease, lease.signal);
      if (lease.lost) {
        // Another process owns the run now: its state is theirs to write.
        const message = `Rolling back run ${runId} stopped: ${(lease.lostSignal.reason as Error).message}`;
        return { ...base, ok: false, message, recovery: core.runs.endRecovery(recovery.id, 'failed', message) };
      }
      const ok = !cancelled && undone.every((u) => u.ok);
      const state: RunState = ok ? 'rolled-back' : cancelled ? 'cancelled' : 'failed';
      core.runs.finish(runId, state, { errorCode: ok ? null : cancelled ? 'RB-CANCEL-001' : 'RB-ROLLBACK-001', data: { recoveryId: recovery.id } });
      const message = ok
        ? `Run ${runId} rolled back (${undone.length} step(s) undone).`
        : cancelled
          ? `Rolling back run ${runId} was cancelled; run the rollback again to finish it.`
          : `Rolling back run ${runId} failed: ${undone.filter((u) => !u.ok).map((u) => u.name).join(', ')} could not be undone.`;
      const done = core.runs.endRecovery(recovery.id, ok ? 'succeeded' : 'failed', message);
      return { ...base, ok, message, recovery: done };
    } finally {
      lease.dispose();
    }
  } catch (err) {
    core.runs.endRecovery(recovery.id, 'failed', (err as Error)?.message ?? String(err));
    throw err;
  }
}
