import type { AppliedMigration, JournalEntry, RunRecord, SchemaObject } from '../../engine/migrations';

/** A value, or a promise of it: SQLite answers at once, PostgreSQL (pg) asynchronously. */
export type Awaitable<T> = T | Promise<T>;

/** The synchronous form of a role: every method's result without the promise (SQLite's roles). */
export type Sync<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Awaited<R> : T[K] };

/** Who holds (or wants) the migration lock. */
export interface LockOwner {
  /** A random id per runner instance: the lock is released only by the id that took it. */
  id: string;
  pid: number;
  host: string;
  user: string;
  /** What the holder is doing (`migrate up`). */
  command: string;
}

/** The lock row in the target database. */
export interface LockRow extends LockOwner {
  acquiredAt: number;
  heartbeatAt: number;
  /** After this long without a heartbeat the lock is stale. */
  expiryMs: number;
}

/**
 * A lock attempt: taken (maybe after breaking a holder's row: `brokenReason` when the engine itself
 * proved the holder gone, as PostgreSQL does by releasing a dead session's advisory lock), or not.
 */
export type LockAttempt = { acquired: true; broken?: LockRow; brokenReason?: 'dead-owner' | 'expired' } | { acquired: false; holder: LockRow };

/** The database session holding the lock, as the engine sees it (PostgreSQL: pg_stat_activity). */
export interface LockSession {
  /** The server process (backend) id. */
  backendPid: number;
  user: string | null;
  clientAddr: string | null;
  applicationName: string | null;
  backendStart: number | null;
  state: string | null;
}

/** One migration (or its rollback, or a recovery step) for the target to run. */
export interface ApplyRequest {
  runId: string;
  version: number;
  direction: 'up' | 'down';
  statements: readonly string[];
  noTransaction: boolean;
  /** Schema hash before (the previous step's hash after); computed when absent. */
  schemaBefore?: string;
  /** Refuse to commit unless the schema hash after equals this (rollback verification). */
  expectSchemaAfter?: string;
  /** For up: the history row to write on success (durationMs, schemaBefore/After, success are filled in). */
  history?: Omit<AppliedMigration, 'durationMs' | 'schemaBefore' | 'schemaAfter' | 'success' | 'error' | 'appliedAt'>;
  /** Journal entry to close (recover continues an existing entry instead of starting one). */
  now: () => number;
}

export type ApplyOutcome =
  | { ok: true; durationMs: number; schemaBefore: string; schemaAfter: string }
  | {
      ok: false;
      error: unknown;
      /** Statements that completed before the failure (rolled back again for a transactional migration). */
      statementsDone: number;
      /** True when some of it stayed committed (a non-transactional migration past its first statement). */
      committed: boolean;
      /** The failure was SQLITE_BUSY (or the engine's equivalent). */
      busy: boolean;
      /** The statement that failed (0-based), when a statement failed. */
      failedStatement?: number;
      durationMs: number;
    };

/** What `applyGroup` did: the migrations committed (in order, from the first), and the one that failed. */
export interface GroupOutcome {
  applied: Array<Extract<ApplyOutcome, { ok: true }>>;
  failure?: {
    /** Index of the failing request. */
    index: number;
    outcome: Extract<ApplyOutcome, { ok: false }>;
    /** The failure rolled back migrations of the group that had run before it. */
    groupLost?: boolean;
  };
}

export interface ForeignKeyViolation {
  table: string;
  rowid: number | null;
  parent: string;
  fkid: number;
}

/** Statements recover runs to put a partial migration right, in one transaction. */
export interface RepairRequest {
  runId: string;
  /** The journal entry of the partial attempt. */
  entryId: number;
  version: number;
  statements: readonly string[];
  /** The state the entry ends in. */
  entryState: 'reverted' | 'committed';
  /** Remove the version from history (a completed rollback). */
  deleteHistory: boolean;
  /** Refuse to commit unless the schema hash after equals this. */
  expectSchemaAfter: string;
  now: () => number;
}

/** What engine a target is, where, whether it exists yet, and how its "busy" errors look. */
export interface TargetEngine {
  /** 'sqlite' */
  readonly engine: string;
  /** Where it is (a file path, a connection string without secrets), for messages. */
  readonly location: string;
  /** Whether the database exists yet (read-only commands do not create it). */
  exists(): Awaitable<boolean>;
  /** True when the error means the database is busy (locked by another connection). */
  isBusy(error: unknown): boolean;
}

/**
 * The ledger: what was applied (history), how far each attempt got (journal) and which runs ran
 * (runs), kept in the target itself.
 */
export interface MigrationLedger {
  /** Creates the history, journal, run and lock tables if needed. */
  ensureMetadata(): Awaitable<void>;
  readHistory(): Awaitable<AppliedMigration[]>;
  readJournal(): Awaitable<JournalEntry[]>;
  readRuns(): Awaitable<RunRecord[]>;
  startRun(run: RunRecord): Awaitable<void>;
  finishRun(runId: string, state: RunRecord['state'], detail: string | null, now: number): Awaitable<void>;
  /** Marks runs still `running` (other than `exceptRunId`) as interrupted; returns them. */
  markInterruptedRuns(exceptRunId: string, now: number): Awaitable<RunRecord[]>;
  /** Updates a history row's checksums and source (repair of an accepted cosmetic change). */
  acceptChange(version: number, change: { checksum: string; upChecksum: string; source: string; downSql: string | null; fileName: string }): Awaitable<void>;
  /** Deletes recorded failures (success = 0) from history; returns their versions. */
  clearFailures(versions?: readonly number[]): Awaitable<number[]>;
}

/** The migration lock: one row, taken, refreshed, released and broken atomically. */
export interface MigrationLockTable {
  readLock(): Awaitable<LockRow | undefined>;
  /** Takes the lock if free, or if `mayBreak(holder)` says the holder's lock may be broken. Atomic. */
  tryAcquireLock(owner: LockOwner, now: number, expiryMs: number, mayBreak: (holder: LockRow) => boolean): Awaitable<LockAttempt>;
  /** Refreshes the heartbeat; false when the lock is no longer held by `ownerId`. */
  heartbeat(ownerId: string, now: number): Awaitable<boolean>;
  releaseLock(ownerId: string): Awaitable<void>;
  /** Deletes the lock row if it is still the one given (same owner id); true when deleted. */
  breakLock(holder: LockRow): Awaitable<boolean>;
  /**
   * The session holding the lock, for engines that hold it in a session (PostgreSQL's advisory
   * lock): null when no session holds it (its row is left over from a runner that is gone).
   */
  lockHolderSession?(): Awaitable<LockSession | null>;
}

/** The user's schema (without Rebound's own tables): its objects and hashes. */
export interface MigrationSchema {
  schemaObjects(): Awaitable<SchemaObject[]>;
  /** Hash of the schema without Rebound's own tables. */
  schemaHash(): Awaitable<string>;
  /**
   * Hash of the schema obtained on a scratch database of the same engine by creating `objects`
   * (none for an empty database) and running `statements`.
   */
  replayHash(objects: readonly SchemaObject[] | null, statements: readonly string[]): Awaitable<string>;
}

/** The engine's own consistency checks. */
export interface MigrationChecks {
  /** Problems reported by the engine's integrity check (empty when fine). */
  integrityCheck(): Awaitable<string[]>;
  foreignKeyCheck(): Awaitable<ForeignKeyViolation[]>;
}

/** Runs migrations, with journal and history, in the engine's transactions. */
export interface MigrationExecutor {
  /** Runs one migration up or down with journal and history; never throws (see ApplyOutcome). */
  apply(request: ApplyRequest): Awaitable<ApplyOutcome>;
  /**
   * Runs transactional migrations in one transaction, each atomic on its own (a savepoint): the
   * ones before a failure are committed, the failing one is not. Stops adding migrations after
   * `maxMs` (the first always runs). Never throws.
   */
  applyGroup(requests: readonly ApplyRequest[], options?: { maxMs?: number }): Awaitable<GroupOutcome>;
  /** Runs recovery statements for a partial migration atomically (see RepairRequest); throws on failure. */
  repairPartial(request: RepairRequest): Awaitable<void>;
}

/** Copies of the database: snapshots, restoring one, and a scratch clone. */
export interface MigrationSnapshots {
  /** Writes a consistent copy of the database to `file` (its lock row, if any, is replaced on restore). */
  snapshotTo(file: string): Awaitable<void>;
  /** Replaces the database's content with the copy in `file`, keeping `lock` as the lock row. */
  restoreFrom(file: string, lock: LockRow | undefined): Promise<void>;
  /** A copy of the database in `file` without the lock row, opened as a target (for test-rollback). */
  cloneTo(file: string): Awaitable<MigrationTarget>;
}

/**
 * A database whose migrations Rebound runs. The migrator only talks to this interface, so other
 * engines can follow SQLite: history, journal, runs and the lock live in the target itself.
 *
 * It is the sum of roles that an engine implements one by one (see SqliteTarget, which composes
 * a class per role): the ledger, the lock table, the schema, the checks, the executor and
 * snapshots; ComposedTarget (composedTarget.ts) puts roles together. The lock (MigrationLock)
 * needs only the lock table and the ledger's ensureMetadata; SnapshotStore needs only snapshotTo.
 *
 * Every method may answer at once (SQLite: better-sqlite3 is synchronous) or with a promise
 * (PostgreSQL: pg is asynchronous): the runner awaits each answer. `Sync<MigrationTarget>` is the
 * synchronous form SQLite's roles implement.
 */
export interface MigrationTarget
  extends TargetEngine, MigrationLedger, MigrationLockTable, MigrationSchema, MigrationChecks, MigrationExecutor, MigrationSnapshots {
  close(): Awaitable<void>;
}
