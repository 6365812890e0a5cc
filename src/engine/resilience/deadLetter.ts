import { ValidationError, serializeError, type Category, type SerializedError } from '../errors';
import type { AttemptRecord } from './attempt';
import { failureInfo } from './failure';
import type { GiveUpReason } from './retry';

/**
 * pending: waiting for a person. requeued: sent to run again (a retry is in progress).
 * discarded: given up on purpose. resolved: done (a retry succeeded, or fixed by hand).
 */
export type DeadLetterState = 'pending' | 'requeued' | 'discarded' | 'resolved';

export const DEAD_LETTER_STATES: readonly DeadLetterState[] = ['pending', 'requeued', 'discarded', 'resolved'];

/** What a dead letter re-runs: a task or a migration (other kinds may be registered). */
export type DeadLetterKind = 'task' | 'migration' | (string & {});

export const DEAD_LETTER_KINDS: readonly string[] = ['task', 'migration'];

/** Work whose retries ran out, or whose failure is permanent, as it is handed to the queue. */
export interface NewDeadLetter {
  /** What failed, e.g. the task name "build" or the migration "app:0003_add_users". */
  operation: string;
  kind: DeadLetterKind;
  component?: string;
  /** What the work was run with (plain JSON), so it can be run again. */
  input?: unknown;
  /** The failure, any thrown value (kept in full, stack and cause chain included). */
  error: unknown;
  attempts?: readonly AttemptRecord[];
  /** Anything else worth keeping (plain JSON): environment, step, run details. */
  context?: Record<string, unknown>;
  runId?: string;
}

export interface DeadLetter {
  id: number;
  operation: string;
  kind: DeadLetterKind;
  component: string | null;
  code: string;
  category: Category;
  message: string;
  input: unknown;
  error: SerializedError;
  attempts: AttemptRecord[];
  context: Record<string, unknown>;
  state: DeadLetterState;
  createdAt: number;
  updatedAt: number;
  /** How many times it was retried from the queue. */
  retryCount: number;
  note: string | null;
  runId: string | null;
}

/** Selects dead letters; every given field must match (each list matches any of its values). */
export interface DeadLetterFilter {
  states?: readonly DeadLetterState[];
  codes?: readonly string[];
  categories?: readonly Category[];
  components?: readonly string[];
  kinds?: readonly string[];
  operations?: readonly string[];
  /** Only entries created at least this long ago. */
  olderThanMs?: number;
  /** Only entries created less than this long ago. */
  newerThanMs?: number;
}

export interface DeadLetterStats {
  total: number;
  byState: Record<DeadLetterState, number>;
  /** Counts of pending entries by code, category, component and kind. */
  pendingByCode: Record<string, number>;
  pendingByCategory: Record<string, number>;
  pendingByComponent: Record<string, number>;
  pendingByKind: Record<string, number>;
  /** When the oldest pending entry was created, or null. */
  oldestPendingAt: number | null;
  /** Retries made from the queue, over every entry. */
  totalRetries: number;
}

/**
 * Whether work that ended this way belongs in the queue: retries exhausted (attempts, deadline,
 * budget) or a failure not worth retrying. A cancellation does not: nobody failed, someone stopped it.
 */
export function shouldDeadLetter(reason: GiveUpReason): boolean {
  return reason !== 'cancelled';
}

export function emptyDeadLetterStats(): DeadLetterStats {
  return {
    total: 0,
    byState: { pending: 0, requeued: 0, discarded: 0, resolved: 0 },
    pendingByCode: {},
    pendingByCategory: {},
    pendingByComponent: {},
    pendingByKind: {},
    oldestPendingAt: null,
    totalRetries: 0,
  };
}

/** The code, category, message and JSON form stored for a failure. */
export function describeFailure(error: unknown): { code: string; category: Category; message: string; error: SerializedError } {
  const info = failureInfo(error);
  return { code: info.code, category: info.category, message: info.message, error: serializeError(error) };
}

export function matchesDeadLetter(entry: DeadLetter, filter: DeadLetterFilter, now: number): boolean {
  const has = <T>(list: readonly T[] | undefined, v: T) => list === undefined || list.includes(v);
  return (
    has(filter.states, entry.state) &&
    has(filter.codes, entry.code) &&
    has(filter.categories, entry.category) &&
    (filter.components === undefined || (entry.component !== null && filter.components.includes(entry.component))) &&
    has(filter.kinds, entry.kind) &&
    has(filter.operations, entry.operation) &&
    (filter.olderThanMs === undefined || entry.createdAt <= now - filter.olderThanMs) &&
    (filter.newerThanMs === undefined || entry.createdAt > now - filter.newerThanMs)
  );
}

const TRANSITIONS: Record<DeadLetterState, readonly DeadLetterState[]> = {
  pending: ['requeued', 'discarded', 'resolved'],
  requeued: ['pending', 'discarded', 'resolved'],
  // A discarded entry can still be retried or marked resolved by a person who changed their mind.
  discarded: ['requeued', 'resolved', 'pending'],
  resolved: [],
};

export function canTransition(from: DeadLetterState, to: DeadLetterState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws a ValidationError naming the entry when `to` is not allowed from its state. */
export function assertTransition(entry: Pick<DeadLetter, 'id' | 'state'>, to: DeadLetterState, action: string): void {
  if (!canTransition(entry.state, to)) {
    throw new ValidationError(`Dead letter ${entry.id} is ${entry.state}; it cannot be ${action}`, { code: 'RB-VALID-001' });
  }
}
