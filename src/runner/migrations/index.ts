export type {
  MigrationTarget,
  TargetEngine,
  MigrationLedger,
  MigrationLockTable,
  MigrationSchema,
  MigrationChecks,
  MigrationExecutor,
  MigrationSnapshots,
  LockOwner,
  LockRow,
  LockAttempt,
  ApplyRequest,
  ApplyOutcome,
  ForeignKeyViolation,
  RepairRequest,
} from './target';
export { ComposedTarget, type TargetRoles } from './composedTarget';
export { PostgresTarget, type PostgresTargetOptions } from './postgresTarget';
export { SqliteTarget, DEFAULT_HISTORY_TABLE, type SqliteTargetOptions } from './sqliteTarget';
export { MigrationLock, LOCK_DEFAULTS, staleness, describeHolder, type LockOptions } from './lock';
export { SnapshotStore, type SnapshotInfo } from './snapshots';
export { loadMigrations, type LoadedMigrations } from './files';
export { currentIdentity, describeIdentity, isProcessAlive, type ProcessIdentity } from './identity';
export {
  Migrator,
  type MigratorOptions,
  type MigrationProgress,
  type StatusReport,
  type RunReport,
  type StepResult,
  type ValidationReport,
  type RepairOptions,
  type RepairReport,
  type RollbackTestReport,
  type RollbackTestResult,
  type RecoveryReport,
  type RestoreReport,
  type UnlockReport,
} from './migrator';
export { readDatabasesSection, resolveDatabase, openMigrator, databaseForFile, type ResolvedDatabase, type OpenMigratorOptions } from './databases';
export { runMigrationCommand, registerMigrationRetryHandler, type MigrationCommand, type MigrationDeadLetterInput } from './deadLetters';
export { runJob, type MigrationJob, type JobResult, type JobResults, type AfterKillReport } from './jobs';
export { runInWorker, type WorkerJobOptions } from './worker/client';
export type { ToWorker, FromWorker } from './worker/protocol';
