import type { AppliedMigration, JournalEntry, RunRecord, SchemaObject } from '../../engine/migrations';
import type {
  ApplyOutcome,
  ApplyRequest,
  ForeignKeyViolation,
  GroupOutcome,
  LockAttempt,
  LockOwner,
  LockRow,
  MigrationChecks,
  MigrationExecutor,
  MigrationLedger,
  MigrationLockTable,
  MigrationSchema,
  MigrationSnapshots,
  MigrationTarget,
  RepairRequest,
  Sync,
  TargetEngine,
} from './target';

/** The roles a target is made of; an engine implements each on its own. */
export interface TargetRoles {
  engine: Sync<TargetEngine> & { close(): void };
  ledger: Sync<MigrationLedger>;
  lock: Sync<MigrationLockTable>;
  schema: Sync<MigrationSchema>;
  checks: Sync<MigrationChecks>;
  executor: Sync<MigrationExecutor>;
  snapshots: Omit<Sync<MigrationSnapshots>, 'restoreFrom'> & Pick<MigrationSnapshots, 'restoreFrom'>;
}

/**
 * A MigrationTarget put together from synchronous roles (SQLite's): every member is the one of the
 * role that owns it, answering at once. A new engine (PostgreSQL) implements the roles one at a time and composes them here; one
 * role can be replaced (a lock kept elsewhere) without touching the others.
 */
export class ComposedTarget implements MigrationTarget {
  readonly engine: string;
  readonly location: string;

  constructor(private readonly roles: TargetRoles) {
    this.engine = roles.engine.engine;
    this.location = roles.engine.location;
  }

  exists(): boolean {
    return this.roles.engine.exists();
  }

  isBusy(error: unknown): boolean {
    return this.roles.engine.isBusy(error);
  }

  close(): void {
    this.roles.engine.close();
  }

  ensureMetadata(): void {
    this.roles.ledger.ensureMetadata();
  }

  readHistory(): AppliedMigration[] {
    return this.roles.ledger.readHistory();
  }

  readJournal(): JournalEntry[] {
    return this.roles.ledger.readJournal();
  }

  readRuns(): RunRecord[] {
    return this.roles.ledger.readRuns();
  }

  startRun(run: RunRecord): void {
    this.roles.ledger.startRun(run);
  }

  finishRun(runId: string, state: RunRecord['state'], detail: string | null, now: number): void {
    this.roles.ledger.finishRun(runId, state, detail, now);
  }

  markInterruptedRuns(exceptRunId: string, now: number): RunRecord[] {
    return this.roles.ledger.markInterruptedRuns(exceptRunId, now);
  }

  acceptChange(version: number, change: { checksum: string; upChecksum: string; source: string; downSql: string | null; fileName: string }): void {
    this.roles.ledger.acceptChange(version, change);
  }

  clearFailures(versions?: readonly number[]): number[] {
    return this.roles.ledger.clearFailures(versions);
  }

  readLock(): LockRow | undefined {
    return this.roles.lock.readLock();
  }

  tryAcquireLock(owner: LockOwner, now: number, expiryMs: number, mayBreak: (holder: LockRow) => boolean): LockAttempt {
    return this.roles.lock.tryAcquireLock(owner, now, expiryMs, mayBreak);
  }

  heartbeat(ownerId: string, now: number): boolean {
    return this.roles.lock.heartbeat(ownerId, now);
  }

  releaseLock(ownerId: string): void {
    this.roles.lock.releaseLock(ownerId);
  }

  breakLock(holder: LockRow): boolean {
    return this.roles.lock.breakLock(holder);
  }

  schemaObjects(): SchemaObject[] {
    return this.roles.schema.schemaObjects();
  }

  schemaHash(): string {
    return this.roles.schema.schemaHash();
  }

  replayHash(objects: readonly SchemaObject[] | null, statements: readonly string[]): string {
    return this.roles.schema.replayHash(objects, statements);
  }

  integrityCheck(): string[] {
    return this.roles.checks.integrityCheck();
  }

  foreignKeyCheck(): ForeignKeyViolation[] {
    return this.roles.checks.foreignKeyCheck();
  }

  apply(request: ApplyRequest): ApplyOutcome {
    return this.roles.executor.apply(request);
  }

  applyGroup(requests: readonly ApplyRequest[], options?: { maxMs?: number }): GroupOutcome {
    return this.roles.executor.applyGroup(requests, options);
  }

  repairPartial(request: RepairRequest): void {
    this.roles.executor.repairPartial(request);
  }

  snapshotTo(file: string): void {
    this.roles.snapshots.snapshotTo(file);
  }

  restoreFrom(file: string, lock: LockRow | undefined): Promise<void> {
    return this.roles.snapshots.restoreFrom(file, lock);
  }

  cloneTo(file: string): MigrationTarget {
    return this.roles.snapshots.cloneTo(file);
  }
}
