import { RecoveryError } from '../../engine/errors';
import { firstUnfinishedStep } from '../../engine/tasks';
import type { StoredRun } from '../../store/runs';
import type { TaskRunnerCore } from './runnerCore';
import type { TaskRunIo } from './types';

/** The step a resume runs first, when it had started before (it may have done part of its work). */
export interface RerunStep {
  runId: string;
  task: string;
  index: number;
  step: string;
  /** The step declares `"rerun": "ask"`: its work is not safe to repeat without a person's yes. */
  ask: boolean;
  /** Its state before the resume: `running` (interrupted mid-way) or `failed`. */
  was: string;
}

/** The first unfinished step of `run` when it had already started, else undefined. */
export function stepToRerun(core: TaskRunnerCore, run: StoredRun): RerunStep | undefined {
  const index = firstUnfinishedStep(run.steps.map((s) => s.state));
  if (index === null) return undefined;
  const stored = run.steps[index];
  if (stored.state === 'pending') return undefined;
  let def;
  try {
    def = core.definitionOf(run) ?? core.definition(run.name);
  } catch {
    def = undefined;
  }
  return { runId: run.id, task: run.name, index, step: stored.name, ask: def?.steps[index]?.rerun === 'ask', was: stored.state };
}

/**
 * Says (as a `rerun` progress event) which step a resume runs again, before anything runs; a step
 * declaring `"rerun": "ask"` runs again only when `io.confirmRerun` answers yes, otherwise a
 * RecoveryError says how to go on (confirm, roll back or abandon).
 */
export async function announceRerun(core: TaskRunnerCore, run: StoredRun, io: TaskRunIo): Promise<void> {
  const step = stepToRerun(core, run);
  if (!step) return;
  try {
    io.onProgress?.({ kind: 'rerun', task: step.task, runId: step.runId, index: step.index, step: step.step, ask: step.ask, was: step.was });
  } catch {
    // A failing listener does not stop the recovery.
  }
  if (!step.ask) return;
  const yes = io.confirmRerun ? await io.confirmRerun(step) : false;
  if (yes) return;
  throw new RecoveryError(
    `Step ${step.index + 1} "${step.step}" of run ${step.runId} ("${step.task}") declares "rerun": "ask" and was ${step.was === 'running' ? 'interrupted mid-way' : 'already tried'}: ` +
      'check what it did, then confirm that it may run again (rebound recovery execute RUN --rerun), or roll the run back or abandon it. Nothing was run.',
    { context: { task: step.task, runId: step.runId, step: step.step } },
  );
}
