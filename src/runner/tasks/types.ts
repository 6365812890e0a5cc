import type { Classification } from '../../engine/classify';
import type { Clock, RandomSource } from '../../engine/clock';
import { ConfigurationError } from '../../engine/errors';
import type { DefinitionDifference, Problem, RecoveryAction, RecoveryPlan, RecoveryStrategy, JournalCheck, RunState, TaskDefinition } from '../../engine/tasks';
import type { ErrorStore } from '../../store/errorStore';
import type { RunOwner, StoredJournalEntry, StoredRecovery, StoredRun } from '../../store/runs';

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
  | { kind: 'stopped-leftovers'; runId: string; pids: number[] }
  /** A resume runs again a step that had started (`was` running when interrupted, or failed). */
  | { kind: 'rerun'; task: string; runId: string; index: number; step: string; ask: boolean; was: string };

export interface TaskRunIo {
  signal?: AbortSignal;
  /** The steps' output; a returned promise pauses reading the step's pipes until it settles (backpressure). */
  onOutput?(text: string): unknown;
  onProgress?(event: TaskProgress): void;
  /** Asked before a resume runs again a started step that declares `"rerun": "ask"`; without it, such a resume is refused. */
  confirmRerun?(step: { runId: string; task: string; index: number; step: string; was: string }): boolean | Promise<boolean>;
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
  /** The classified failure, when a step failed (or, with state still `running`, RB-RECOVER-001: another process took the run over). */
  error?: { code: string; message: string; category: string };
  issueId?: number;
  /** The most attempts one step needed in this execution (1 when nothing was retried). */
  attempts: number;
  problems: TaskProblem[];
  evidence?: string;
  /**
   * The dead letter parked for this failure while the work is still undone. When the fallback
   * did the work (`degraded`), the entry was resolved naming the fallback run and this is unset.
   */
  deadLetterId?: number;
  /**
   * The database could not take this run's failure events (busy, full, read-only, deleted): they
   * are in this spool file and are added when Rebound next opens the database; `issueId` is unset.
   */
  spooled?: string;
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
  /** Whether this runner is running it. */
  running: boolean;
  /** A live run of another process (the CLI, another window) that holds the task now. */
  elsewhere?: { runId: string; pid: number; host: string; startedAt: number };
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
  /**
   * How .rebound/config.json differs from what the run started with (empty when it does not):
   * then resume is refused and rollback (with the config's undo commands) or abandon offered.
   */
  definitionChanges: DefinitionDifference[];
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

export interface ExecOptions {
  deadLetter: boolean;
  fallback: boolean;
  /** The run was interrupted and is being recovered: it ends `recovered`. */
  recovered: boolean;
  /** Task names of the fallback chain so far (cycle guard). */
  chain: string[];
}

export interface UndoResult {
  undone: Array<{ index: number; name: string; ok: boolean }>;
  /** An undo was cancelled, or the rest were not started because of a cancellation. */
  cancelled: boolean;
}

export interface StepFailure {
  error: unknown;
  classification?: Classification;
  issueId?: number;
  exitCode: number | null;
}


export const RESUMABLE: readonly RunState[] = ['failed', 'cancelled'];

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
