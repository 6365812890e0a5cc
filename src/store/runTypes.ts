/**
 * The shapes of the run store (src/store/runs.ts): runs, steps, journal entries and recoveries as
 * the repository gives them out, and what it takes in.
 */
import type { JournalRecord, RecoveryAction, RecoveryStrategy, RunState, StepState } from '../engine/tasks/runModel';

/** Who runs a run: a process on a host, with its start time to tell a reused pid apart. */
export interface RunOwner {
  pid: number;
  host: string;
  /** When the process started (ms since the epoch), or null where it cannot be read. */
  startTime: number | null;
}

export interface StoredStep {
  index: number;
  name: string;
  state: StepState;
  startedAt: number | null;
  endedAt: number | null;
  exitCode: number | null;
}

export interface StoredRun {
  id: string;
  kind: 'task' | 'migration';
  name: string;
  state: RunState;
  owner: RunOwner;
  startedAt: number;
  heartbeat: number;
  endedAt: number | null;
  /**
   * The redacted copy of the definition the run was started with (a DisplayDefinition for task
   * runs): for display only, never executed.
   */
  definition: unknown;
  /** The hash of what that definition executes (definitionHash), or null when unknown (then it never matches). */
  definitionHash: string | null;
  errorCode: string | null;
  /** The run this one continues (a fallback names the run it stands in for). */
  resumedFrom: string | null;
  steps: StoredStep[];
}

export interface StoredJournalEntry extends JournalRecord {
  id: number;
  runId: string;
  time: number;
}

export interface StoredRecovery {
  id: number;
  runId: string;
  createdAt: number;
  strategy: RecoveryStrategy;
  action: RecoveryAction;
  plan: unknown;
  outcome: 'succeeded' | 'failed' | null;
  endedAt: number | null;
  detail: string | null;
}

export interface StartRunInput {
  id: string;
  kind?: 'task' | 'migration';
  name: string;
  owner: RunOwner;
  /** The task definition: the run keeps its redacted copy (displayDefinition) and its hash, not the definition itself. */
  definition: unknown;
  steps: readonly string[];
  resumedFrom?: string;
}

export interface StepTransition {
  /** The state the step must be in (a guard against a concurrent writer); default: any state allowed to move to `to`. */
  from?: StepState | readonly StepState[];
  to: StepState;
  exitCode?: number | null;
  /** Anything worth keeping in the journal entry (reason, attempt, error code). */
  data?: Record<string, unknown>;
}

/** How to tell a live run owner from a gone one. */
export interface Liveness {
  /** This host: owners on it are checked with `isAlive`. */
  host: string;
  /** Whether the owner (a process of this host) is still the process that started the run. */
  isAlive(owner: RunOwner): boolean;
  /** A run whose heartbeat is older than this is interrupted, unless its owner is proven alive on this host. */
  staleAfterMs: number;
}

export interface InterruptedQuery extends Liveness {
  kind?: 'task' | 'migration';
  name?: string;
}

export interface InterruptedRunInfo {
  run: StoredRun;
  reason: 'owner-gone' | 'pid-reused' | 'heartbeat-expired';
}

export interface RunListQuery {
  kind?: 'task' | 'migration';
  name?: string;
  states?: readonly RunState[];
  /** Default 100. */
  limit?: number;
}
