/**
 * The states of a task run and of its steps, the transitions allowed between them, and the
 * journal entries that record every change (pure data: the store writes them, the checker and
 * the recovery planner read them).
 */

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'rolled-back' | 'abandoned' | 'recovered';
export const RUN_STATES: readonly RunState[] = ['running', 'succeeded', 'failed', 'cancelled', 'rolled-back', 'abandoned', 'recovered'];

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'undoing' | 'undone' | 'undo-failed' | 'skipped';
export const STEP_STATES: readonly StepState[] = ['pending', 'running', 'done', 'failed', 'undoing', 'undone', 'undo-failed', 'skipped'];

export type RecoveryAction = 'resume' | 'rollback' | 'abandon';
export const RECOVERY_ACTIONS: readonly RecoveryAction[] = ['resume', 'rollback', 'abandon'];

/**
 * automatic: Rebound chose and executed the action by itself. guided: a person chose the action
 * from the offered plan and Rebound executed it. manual: the plan was recorded for a person to
 * carry out by hand; nothing is executed and the run is closed (abandoned). skip: not now; the
 * decision is recorded and the run stays interrupted, offered again next time.
 */
export type RecoveryStrategy = 'automatic' | 'guided' | 'manual' | 'skip';
export const RECOVERY_STRATEGIES: readonly RecoveryStrategy[] = ['automatic', 'guided', 'manual', 'skip'];

/** Runs that ended well. */
export const OK_RUN_STATES: readonly RunState[] = ['succeeded', 'recovered'];

/**
 * Step transitions. A step that failed or was undone may run again (a resume); one whose undo
 * failed may be undone again (a rollback) or run again (a resume); pending and failed steps are
 * skipped when a run is abandoned.
 */
const STEP_TRANSITIONS: Record<StepState, readonly StepState[]> = {
  pending: ['running', 'skipped'],
  running: ['done', 'failed'],
  done: ['undoing'],
  failed: ['running', 'skipped'],
  undoing: ['undone', 'undo-failed'],
  undone: ['running', 'skipped'],
  'undo-failed': ['undoing', 'running', 'skipped'],
  skipped: [],
};

export function canStepTransition(from: StepState, to: StepState): boolean {
  return STEP_TRANSITIONS[from].includes(to);
}

/** A step whose work is in place (it ran to the end and was not undone). */
export function isStepFinished(state: StepState): boolean {
  return state === 'done';
}

/**
 * One journal entry. `run-started` (data.steps: the step names), `run-resumed` (taken over: by a
 * resume, a recovery), `run-ended` (data.state: the end state), `step` (data.from, data.to: a step's
 * transition), `recovery` (data.recoveryId, action, strategy), `attempt` and `note` (no change of
 * state: a failed attempt, a remark).
 */
export interface JournalRecord {
  entry: 'run-started' | 'run-resumed' | 'run-ended' | 'step' | 'recovery' | 'attempt' | 'note';
  stepIndex: number | null;
  data?: Record<string, unknown>;
}

export interface ReplayedRun {
  state: RunState | undefined;
  steps: StepState[];
}

export interface JournalCheck {
  ok: boolean;
  /** Each disagreement or impossible transition, naming the entry. */
  problems: string[];
  /** What the journal says, replayed from its first entry. */
  replayed: ReplayedRun;
}

/** Replays journal entries (in order) into the run's state and its steps' states, reporting impossible transitions. */
export function replayJournal(entries: readonly JournalRecord[]): { replayed: ReplayedRun; problems: string[] } {
  const problems: string[] = [];
  const replayed: ReplayedRun = { state: undefined, steps: [] };
  entries.forEach((e, i) => {
    const where = `journal entry ${i + 1} (${e.entry}${e.stepIndex === null ? '' : ` step ${e.stepIndex}`})`;
    const data = e.data ?? {};
    switch (e.entry) {
      case 'run-started': {
        if (replayed.state !== undefined) problems.push(`${where}: the run was already started`);
        const names = Array.isArray(data.steps) ? data.steps : [];
        if (names.length === 0) problems.push(`${where}: no steps listed`);
        replayed.state = 'running';
        replayed.steps = names.map(() => 'pending');
        break;
      }
      case 'run-resumed':
        if (replayed.state === undefined) problems.push(`${where}: before run-started`);
        else if (data.from !== undefined && data.from !== replayed.state) problems.push(`${where}: says the run was ${String(data.from)}, the journal says ${replayed.state}`);
        replayed.state = 'running';
        break;
      case 'run-ended':
        if (replayed.state !== 'running') problems.push(`${where}: the run was ${replayed.state ?? 'not started'}, not running`);
        replayed.state = data.state as RunState;
        if (!RUN_STATES.includes(replayed.state)) problems.push(`${where}: unknown end state ${String(data.state)}`);
        break;
      case 'step': {
        const idx = e.stepIndex;
        if (idx === null || idx < 0 || idx >= replayed.steps.length) {
          problems.push(`${where}: no such step`);
          break;
        }
        const from = data.from as StepState;
        const to = data.to as StepState;
        if (!STEP_STATES.includes(to)) {
          problems.push(`${where}: unknown state ${String(data.to)}`);
          break;
        }
        if (from !== replayed.steps[idx]) problems.push(`${where}: says the step was ${String(from)}, the journal says ${replayed.steps[idx]}`);
        if (!canStepTransition(replayed.steps[idx], to)) problems.push(`${where}: ${replayed.steps[idx]} -> ${to} is not a valid transition`);
        if (replayed.state !== 'running') problems.push(`${where}: a step changed while the run was ${replayed.state ?? 'not started'}`);
        replayed.steps[idx] = to;
        break;
      }
      case 'recovery':
      case 'attempt':
      case 'note':
        break;
      default:
        problems.push(`${where}: unknown entry`);
    }
  });
  return { replayed, problems };
}

/**
 * Whether a run's stored state and step states are exactly what replaying its journal gives,
 * and every journaled transition was a valid one.
 */
export function checkJournal(run: { state: RunState; steps: ReadonlyArray<{ index: number; state: StepState }> }, entries: readonly JournalRecord[]): JournalCheck {
  const { replayed, problems } = replayJournal(entries);
  if (replayed.state !== run.state) problems.push(`the run is ${run.state}, the journal says ${replayed.state ?? 'not started'}`);
  if (replayed.steps.length !== run.steps.length) problems.push(`the run has ${run.steps.length} steps, the journal ${replayed.steps.length}`);
  for (const s of run.steps) {
    const j = replayed.steps[s.index];
    if (j !== undefined && j !== s.state) problems.push(`step ${s.index} is ${s.state}, the journal says ${j}`);
  }
  return { ok: problems.length === 0, problems, replayed };
}
