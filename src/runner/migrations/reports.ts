import type { Clock, RandomSource } from '../../engine/clock';
import type { MigrationPlan, MigrationStatus, PlanStep, RunRecord, ValidationFinding } from '../../engine/migrations';
import type { RetryPolicy } from '../../engine/resilience/retry';
import type { ProcessIdentity } from './identity';
import type { LockOptions } from './lock';
import type { SnapshotInfo, SnapshotStore } from './snapshots';
import type { ForeignKeyViolation, LockRow, LockSession, MigrationTarget } from './target';

export interface MigratorOptions {
  target: MigrationTarget;
  /** The folder of NNNN_name.sql files. */
  migrationsDir: string;
  /** The database's name in config (for messages). */
  database?: string;
  /** Where snapshots go; none are taken without it. */
  snapshots?: SnapshotStore;
  lock?: Pick<LockOptions, 'waitMs' | 'expiryMs' | 'heartbeatMs'>;
  /** Retries a migration that hit SQLITE_BUSY before anything of it was committed (default: 4 attempts, exponential from 200 ms). */
  busyRetry?: RetryPolicy;
  allowOutOfOrder?: boolean;
  clock?: Clock;
  random?: RandomSource;
  identity?: ProcessIdentity;
  isProcessAlive?: (pid: number) => boolean;
  /**
   * Group commit: consecutive transactional migrations share one transaction, each in its own
   * savepoint (a failure still undoes only that migration), committed every `maxMigrations` or
   * `maxMs`. `false` commits every migration on its own. Default { maxMigrations: 1000, maxMs: 500 }.
   */
  groupCommit?: { maxMigrations?: number; maxMs?: number } | false;
  /** Folder for test-rollback's scratch copy (default the OS temp folder). */
  scratchDir?: string;
  signal?: AbortSignal;
}

export type MigrationProgress =
  | { kind: 'lock-wait'; holder: LockRow; delayMs: number }
  | { kind: 'lock-broken'; holder: LockRow; reason: 'dead-owner' | 'expired' | 'forced' }
  | { kind: 'snapshot'; snapshot: SnapshotInfo }
  /** A run starts, under the lock, with the plan it carries out (made again once the lock was held). */
  | { kind: 'run-start'; runId: string; direction: 'up' | 'down'; from: number; to: number; total: number; versions: number[] }
  | { kind: 'step-start'; step: PlanStep; index: number; total: number }
  | { kind: 'step-done'; step: PlanStep; index: number; total: number; durationMs: number }
  | { kind: 'step-retry'; step: PlanStep; attempt: number; delayMs: number; error: string }
  | { kind: 'step-failed'; step: PlanStep; error: string }
  | { kind: 'note'; message: string };

export interface StatusReport {
  database: string;
  location: string;
  exists: boolean;
  /** Highest applied version (0 when none). */
  current: number;
  entries: MigrationStatus[];
  lock?: LockRow & { stale?: 'dead-owner' | 'expired'; session?: LockSession };
  /** Runs recorded as running whose runner holds no lock: interrupted (recover marks them). */
  interruptedRuns: RunRecord[];
  /** `.sql` files whose name is not NNNN_name.sql. */
  ignoredFiles: string[];
  missingFolder: boolean;
  /** The live schema differs from the one recorded after the last migration. */
  drift: boolean;
  schemaHash: string;
}

export interface StepResult {
  version: number;
  name: string;
  direction: 'up' | 'down';
  durationMs: number;
  schemaAfter: string;
}

export interface RunReport {
  command: string;
  database: string;
  runId?: string;
  direction: MigrationPlan['direction'];
  from: number;
  to: number;
  steps: StepResult[];
  snapshot?: SnapshotInfo;
  warnings: string[];
  brokenLocks: Array<{ holder: LockRow; reason: string }>;
  durationMs: number;
}

export interface ValidationReport {
  ok: boolean;
  findings: ValidationFinding[];
  drift: boolean;
}

export interface RepairOptions {
  /** Versions whose cosmetic change to accept, or 'all' for every cosmetic change. */
  accept?: readonly number[] | 'all';
  /** Remove recorded failures (they left nothing applied), so they read as pending. */
  clearFailed?: boolean;
}

export interface RepairReport {
  accepted: number[];
  clearedFailures: number[];
  /** Changes that could be accepted (cosmetic), when nothing was asked for. */
  candidates: number[];
  refused: Array<{ version: number; reason: string }>;
}

export interface RollbackTestResult {
  version: number;
  name: string;
  ok: boolean;
  problem?: string;
  hashes: { before?: string; afterUp?: string; afterDown?: string; afterReapply?: string };
}

export interface RollbackTestReport {
  ok: boolean;
  /** Tested on a copy of applied history (no pending migration) rather than on pending files. */
  mode: 'pending' | 'latest-applied';
  results: RollbackTestResult[];
}

export interface RecoveryReport {
  ok: boolean;
  brokenLocks: Array<{ holder: LockRow; reason: string }>;
  interruptedRuns: RunRecord[];
  reverted: Array<{ version: number; statementsUndone: number; direction: 'up' | 'down'; action: string }>;
  clearedFailures: number[];
  snapshot?: SnapshotInfo;
  checks: {
    integrity: string[];
    foreignKeys: ForeignKeyViolation[];
    schemaHash: string;
    /** The hash recorded after the last applied migration (undefined when none is applied). */
    recordedHash?: string;
    /** The hash of a fresh database with the recorded migrations replayed (undefined when skipped). */
    replayHash?: string;
    replayNote?: string;
  };
  problems: string[];
}

export interface RestoreReport {
  restored: SnapshotInfo;
  /** The snapshot taken just before restoring (so the restore can be undone). */
  safety?: SnapshotInfo;
  current: number;
}

export interface UnlockReport {
  broken?: LockRow;
  reason?: 'dead-owner' | 'expired' | 'forced';
  message: string;
}
