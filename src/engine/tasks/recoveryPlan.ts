import { isStepFinished, type RecoveryAction, type StepState } from './runModel';

/** A step of an interrupted (or failed) run, with its commands from the run's definition. */
export interface PlanInputStep {
  index: number;
  name: string;
  state: StepState;
  command?: string;
  undo?: string;
}

export interface PlanInput {
  id: string;
  name: string;
  steps: readonly PlanInputStep[];
}

/**
 * What recovery does with one step. keep: finished, left as it is. run: runs (again). undo: its
 * undo command runs. no-undo: finished but has no undo command, so a rollback leaves it in place.
 * mark-failed: was running when the run died; recorded as failed (an interrupted undo: undo-failed)
 * before anything else. skip: never ran; an abandoned run will not run it. leave: nothing to do.
 */
export type PlannedOp = 'keep' | 'run' | 'undo' | 'no-undo' | 'mark-failed' | 'skip' | 'leave';

export interface PlannedStep {
  index: number;
  name: string;
  state: StepState;
  ops: PlannedOp[];
  /** The command that will run (for run and undo). */
  command?: string;
}

export interface RecoveryPlan {
  runId: string;
  task: string;
  action: RecoveryAction;
  /** Resume: the first unfinished step (null when every step is finished and only the end is recorded). */
  resumeFrom: number | null;
  completedSteps: number;
  totalSteps: number;
  /** In the order they are carried out (a rollback walks the steps in reverse). */
  steps: PlannedStep[];
  /** Things a person should know: steps a rollback cannot undo, interrupted steps whose effect is unknown. */
  warnings: string[];
  summary: string;
}

/** The index of the first step that is not finished (done), or null when all are. */
export function firstUnfinishedStep(states: readonly StepState[]): number | null {
  const i = states.findIndex((s) => !isStepFinished(s));
  return i < 0 ? null : i;
}

/** How many steps are finished (done). */
export function completedSteps(states: readonly StepState[]): number {
  return states.filter(isStepFinished).length;
}

/** The action offered first: resume, which finishes the work and re-runs nothing already done. */
export function recommendedAction(): RecoveryAction {
  return 'resume';
}

/**
 * The plan for recovering a run. resume: finished steps are kept, every other step runs in order
 * from the first unfinished one (an interrupted step runs again from its start). rollback: the
 * finished steps are undone in reverse order, each through its undo command; those without one
 * stay in place. abandon: nothing runs; interrupted steps are marked failed and the rest skipped.
 */
export function planRecovery(run: PlanInput, action: RecoveryAction): RecoveryPlan {
  const states = run.steps.map((s) => s.state);
  const total = run.steps.length;
  const completed = completedSteps(states);
  const warnings: string[] = [];
  const steps: PlannedStep[] = [];
  const interruptedOps = (s: PlanInputStep): PlannedOp[] => (s.state === 'running' || s.state === 'undoing' ? ['mark-failed'] : []);

  if (action === 'resume') {
    for (const s of run.steps) {
      const ops = interruptedOps(s);
      if (isStepFinished(s.state)) steps.push({ index: s.index, name: s.name, state: s.state, ops: ['keep'] });
      else steps.push({ index: s.index, name: s.name, state: s.state, ops: [...ops, 'run'], command: s.command });
      if (s.state === 'running') warnings.push(`Step ${s.index + 1} (${s.name}) was interrupted while running; it runs again from its start.`);
      if (s.state === 'undoing') warnings.push(`Step ${s.index + 1} (${s.name}) was interrupted while being undone; it runs again.`);
    }
  } else if (action === 'rollback') {
    for (const s of [...run.steps].reverse()) {
      const ops = interruptedOps(s);
      if (s.state === 'done' || s.state === 'undo-failed' || s.state === 'undoing') {
        if (s.undo) steps.push({ index: s.index, name: s.name, state: s.state, ops: [...ops, 'undo'], command: s.undo });
        else {
          steps.push({ index: s.index, name: s.name, state: s.state, ops: [...ops, 'no-undo'] });
          warnings.push(`Step ${s.index + 1} (${s.name}) has no undo command: its work stays in place.`);
        }
      } else {
        steps.push({ index: s.index, name: s.name, state: s.state, ops: ops.length ? ops : ['leave'] });
        if (s.state === 'running') warnings.push(`Step ${s.index + 1} (${s.name}) was interrupted while running; it is not undone (it did not finish), check what it left behind.`);
      }
    }
  } else {
    for (const s of run.steps) {
      const ops = interruptedOps(s);
      const skip = s.state === 'pending' || s.state === 'failed' || s.state === 'undone' || s.state === 'running';
      steps.push({ index: s.index, name: s.name, state: s.state, ops: skip ? [...ops, 'skip'] : ops.length ? ops : ['leave'] });
      if (s.state === 'done' || s.state === 'undo-failed' || s.state === 'undoing') warnings.push(`Step ${s.index + 1} (${s.name}) stays as it is (${s.state === 'done' ? 'done' : 'partly undone'}).`);
      if (s.state === 'running') warnings.push(`Step ${s.index + 1} (${s.name}) was interrupted while running; check what it left behind.`);
    }
  }

  const resumeFrom = action === 'resume' ? firstUnfinishedStep(states) : null;
  const toRun = steps.filter((s) => s.ops.includes('run')).length;
  const toUndo = steps.filter((s) => s.ops.includes('undo')).length;
  const summary =
    action === 'resume'
      ? resumeFrom === null
        ? `All ${total} steps of "${run.name}" are done; resuming only records the end of the run.`
        : `Resume "${run.name}" from step ${resumeFrom + 1} of ${total} (${run.steps[resumeFrom].name}): ${toRun} step(s) to run, ${completed} done step(s) kept.`
      : action === 'rollback'
        ? `Roll back "${run.name}": undo ${toUndo} finished step(s) in reverse order${steps.some((s) => s.ops.includes('no-undo')) ? '; steps without an undo command stay in place' : ''}.`
        : `Abandon "${run.name}": nothing runs; ${completed} of ${total} step(s) stay done, the others are not run.`;
  return { runId: run.id, task: run.name, action, resumeFrom, completedSteps: completed, totalSteps: total, steps, warnings, summary };
}
