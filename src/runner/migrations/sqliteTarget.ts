import type { AppliedMigration, JournalEntry, RunRecord, SchemaObject } from '../../engine/migrations';
import { SqliteConnection, type SqliteTargetOptions } from './sqlite/connection';
import { SqliteExecutor } from './sqlite/executor';
import { SqliteLedger } from './sqlite/ledger';
import { SqliteLockTable } from './sqlite/lockTable';
import { SqliteSchema } from './sqlite/schema';
import { SqliteSnapshots } from './sqlite/snapshots';
import type { ApplyOutcome, ApplyRequest, ForeignKeyViolation, GroupOutcome, LockAttempt, LockOwner, LockRow, MigrationTarget, RepairRequest } from './target';

export { DEFAULT_HISTORY_TABLE, type SqliteTargetOptions } from './sqlite/connection';
export { schemaEffect } from './sqlite/schema';

/**
 * A SQLite database as a migration target (better-sqlite3). Each migration runs in
 * `BEGIN IMMEDIATE` with foreign keys switched off around the transaction and
 * `PRAGMA foreign_key_check` before the commit; a `-- rebound:no-transaction` file runs statement by
 * statement, each transaction-capable statement committed together with its journal progress.
 *
 * Each job lives in its own file under sqlite/: the connection, the ledger (history, journal,
 * runs), the lock table, the schema (hashes, incremental tracking), the executor and snapshots.
 */
export class SqliteTarget implements MigrationTarget {
  readonly engine = 'sqlite';
  readonly location: string;
  readonly conn: SqliteConnection;
  readonly ledger: SqliteLedger;
  readonly lockTable: SqliteLockTable;
  readonly schema: SqliteSchema;
  readonly executor: SqliteExecutor;
  readonly snapshots: SqliteSnapshots;

  constructor(private readonly options: SqliteTargetOptions) {
    this.conn = new SqliteConnection(options);
    this.location = options.file;
    this.ledger = new SqliteLedger(this.conn);
    this.lockTable = new SqliteLockTable(this.conn);
    this.schema = new SqliteSchema(this.conn);
    this.executor = new SqliteExecutor(this.conn, this.ledger, this.schema);
    this.snapshots = new SqliteSnapshots(this.conn);
  }

  /** The open connection (opened, and the file created, on first use). */
  get db() {
    return this.conn.db;
  }

  exists(): boolean {
    return this.conn.exists();
  }

  ensureMetadata(): void {
    this.conn.ensureMetadata();
  }

  readHistory(): AppliedMigration[] {
    return this.ledger.readHistory();
  }

  readJournal(): JournalEntry[] {
    return this.ledger.readJournal();
  }

  readRuns(): RunRecord[] {
    return this.ledger.readRuns();
  }

  schemaObjects(): SchemaObject[] {
    return this.schema.schemaObjects();
  }

  schemaHash(): string {
    return this.schema.schemaHash();
  }

  replayHash(objects: readonly SchemaObject[] | null, statements: readonly string[]): string {
    return this.schema.replayHash(objects, statements);
  }

  readLock(): LockRow | undefined {
    return this.lockTable.readLock();
  }

  tryAcquireLock(owner: LockOwner, now: number, expiryMs: number, mayBreak: (holder: LockRow) => boolean): LockAttempt {
    return this.lockTable.tryAcquireLock(owner, now, expiryMs, mayBreak);
  }

  heartbeat(ownerId: string, now: number): boolean {
    return this.lockTable.heartbeat(ownerId, now);
  }

  releaseLock(ownerId: string): void {
    this.lockTable.releaseLock(ownerId);
  }

  breakLock(holder: LockRow): boolean {
    return this.lockTable.breakLock(holder);
  }

  startRun(run: RunRecord): void {
    this.ledger.startRun(run);
  }

  finishRun(runId: string, state: RunRecord['state'], detail: string | null, now: number): void {
    this.ledger.finishRun(runId, state, detail, now);
  }

  markInterruptedRuns(exceptRunId: string, now: number): RunRecord[] {
    return this.ledger.markInterruptedRuns(exceptRunId, now);
  }

  apply(request: ApplyRequest): ApplyOutcome {
    return this.executor.apply(request);
  }

  applyGroup(requests: readonly ApplyRequest[], options: { maxMs?: number } = {}): GroupOutcome {
    return this.executor.applyGroup(requests, options);
  }

  repairPartial(request: RepairRequest): void {
    this.executor.repairPartial(request);
  }

  acceptChange(version: number, change: { checksum: string; upChecksum: string; source: string; downSql: string | null; fileName: string }): void {
    this.ledger.acceptChange(version, change);
  }

  clearFailures(versions?: readonly number[]): number[] {
    return this.ledger.clearFailures(versions);
  }

  integrityCheck(): string[] {
    return this.executor.integrityCheck();
  }

  foreignKeyCheck(): ForeignKeyViolation[] {
    return this.executor.foreignKeyCheck();
  }

  /** A consistent copy (VACUUM INTO). It may hold the lock row of the runner taking it: `restoreFrom` replaces that. */
  snapshotTo(file: string): void {
    this.snapshots.snapshotTo(file);
  }

  restoreFrom(file: string, lock: LockRow | undefined): Promise<void> {
    return this.snapshots.restoreFrom(file, lock);
  }

  cloneTo(file: string): SqliteTarget {
    if (!this.exists()) return new SqliteTarget({ ...this.options, file });
    this.snapshotTo(file);
    const clone = new SqliteTarget({ ...this.options, file });
    if (clone.conn.hasMetadata()) clone.db.prepare(`DELETE FROM ${clone.conn.q('lock')}`).run();
    return clone;
  }

  isBusy(error: unknown): boolean {
    return this.conn.isBusy(error);
  }

  close(): void {
    this.schema.tracker = undefined;
    this.conn.close();
  }
}
