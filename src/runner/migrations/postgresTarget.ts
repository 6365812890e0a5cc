import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { recordedStatements, type SchemaObject } from '../../engine/migrations';
import { cleanError, PostgresConnection, type PostgresTargetOptions } from './postgres/connection';
import { PostgresExecutor } from './postgres/executor';
import { PostgresLedger } from './postgres/ledger';
import { PostgresLockTable } from './postgres/lockTable';
import { PostgresSchema } from './postgres/schema';
import { PostgresSnapshots } from './postgres/snapshots';
import { expandUrl } from './postgres/url';
import type { AppliedMigration, JournalEntry, RunRecord } from '../../engine/migrations';
import type { ApplyOutcome, ApplyRequest, ForeignKeyViolation, GroupOutcome, LockAttempt, LockOwner, LockRow, LockSession, MigrationTarget, RepairRequest } from './target';

export type { PostgresTargetOptions } from './postgres/connection';

/**
 * A PostgreSQL database as a migration target (node-postgres, asynchronous): every role answers
 * with a promise. Roles live under postgres/: the connection (two sessions: work and lock), the
 * ledger, the advisory lock with its row, the catalog schema hash, the executor, and snapshots
 * (pg_dump). Replays and test-rollback clones run in scratch databases (CREATE DATABASE, so the
 * role needs CREATEDB), dropped when done.
 */
export class PostgresTarget implements MigrationTarget {
  readonly engine = 'postgres';
  readonly location: string;
  readonly conn: PostgresConnection;
  readonly ledger: PostgresLedger;
  readonly lockTable: PostgresLockTable;
  readonly schema: PostgresSchema;
  readonly executor: PostgresExecutor;
  readonly snapshots: PostgresSnapshots;
  /** Set on scratch targets: the database dropped on close. */
  private dropOnClose: string | undefined;

  constructor(readonly options: PostgresTargetOptions & { database?: string }) {
    this.conn = new PostgresConnection(options);
    this.location = options.database ? `${this.conn.location} (scratch ${options.database})` : this.conn.location;
    this.ledger = new PostgresLedger(this.conn);
    this.schema = new PostgresSchema(this.conn, (objects, statements) => this.replay(objects, statements));
    this.executor = new PostgresExecutor(this.conn, this.ledger, this.schema);
    this.lockTable = new PostgresLockTable(this.conn);
    this.snapshots = new PostgresSnapshots(this.conn, (file) => this.clone(file));
  }

  /** A new, empty scratch database on the same server, as a target dropped on close. */
  async scratch(): Promise<PostgresTarget> {
    const name = `rebound_scratch_${randomBytes(6).toString('hex')}`;
    await this.conn.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
    const t = new PostgresTarget({ ...this.options, database: name });
    t.dropOnClose = name;
    t.admin = this;
    return t;
  }

  private admin: PostgresTarget | undefined;

  private async replay(objects: readonly SchemaObject[] | null, statements: readonly string[]): Promise<string> {
    if (objects) throw new Error('PostgreSQL keeps no replayable definitions of schema objects: recover trusts the journal instead');
    if (statements.length === 0) return this.schema.hashOfEmpty();
    const scratch = await this.scratch();
    try {
      const c = await scratch.conn.client();
      for (const s of statements) await c.query(s).catch((err: unknown) => Promise.reject(cleanError(err)));
      return await scratch.schema.schemaHash();
    } finally {
      await scratch.close();
    }
  }

  /** For test-rollback: a scratch database with the applied migrations replayed (their recorded SQL), without the lock. */
  private async clone(_file: string): Promise<MigrationTarget> {
    const scratch = await this.scratch();
    try {
      const history = (await this.readHistory()).filter((h) => h.success).sort((a, b) => a.appliedAt - b.appliedAt || a.version - b.version);
      const c = await scratch.conn.client();
      for (const h of history) for (const s of recordedStatements(h.upSql)) await c.query(s);
      await scratch.ensureMetadata();
      for (const h of history) {
        await scratch.ledger.writeHistory(scratch.conn, { runId: 'clone', version: h.version, direction: 'up', statements: [], noTransaction: h.noTransaction, history: h, now: () => h.appliedAt }, h.schemaBefore, h.schemaAfter, h.durationMs, true, null);
      }
      return scratch;
    } catch (err) {
      await scratch.close();
      throw cleanError(err);
    }
  }

  exists(): Promise<boolean> {
    return this.conn.exists();
  }

  isBusy(error: unknown): boolean {
    return this.conn.isBusy(error);
  }

  async close(): Promise<void> {
    await this.conn.close();
    if (this.dropOnClose && this.admin) {
      await this.admin.conn.query(`DROP DATABASE IF EXISTS "${this.dropOnClose}" WITH (FORCE)`).catch(() => undefined);
      this.dropOnClose = undefined;
    }
  }

  ensureMetadata(): Promise<void> {
    return this.ledger.ensureMetadata();
  }
  readHistory(): Promise<AppliedMigration[]> {
    return this.ledger.readHistory();
  }
  readJournal(): Promise<JournalEntry[]> {
    return this.ledger.readJournal();
  }
  readRuns(): Promise<RunRecord[]> {
    return this.ledger.readRuns();
  }
  startRun(run: RunRecord): Promise<void> {
    return this.ledger.startRun(run);
  }
  finishRun(runId: string, state: RunRecord['state'], detail: string | null, now: number): Promise<void> {
    return this.ledger.finishRun(runId, state, detail, now);
  }
  markInterruptedRuns(exceptRunId: string, now: number): Promise<RunRecord[]> {
    return this.ledger.markInterruptedRuns(exceptRunId, now);
  }
  acceptChange(version: number, change: { checksum: string; upChecksum: string; source: string; downSql: string | null; fileName: string }): Promise<void> {
    return this.ledger.acceptChange(version, change);
  }
  clearFailures(versions?: readonly number[]): Promise<number[]> {
    return this.ledger.clearFailures(versions);
  }
  readLock(): Promise<LockRow | undefined> {
    return this.lockTable.readLock();
  }
  tryAcquireLock(owner: LockOwner, now: number, expiryMs: number, mayBreak: (holder: LockRow) => boolean): Promise<LockAttempt> {
    return this.lockTable.tryAcquireLock(owner, now, expiryMs, mayBreak);
  }
  heartbeat(ownerId: string, now: number): Promise<boolean> {
    return this.lockTable.heartbeat(ownerId, now);
  }
  releaseLock(ownerId: string): Promise<void> {
    return this.lockTable.releaseLock(ownerId);
  }
  breakLock(holder: LockRow): Promise<boolean> {
    return this.lockTable.breakLock(holder);
  }
  lockHolderSession(): Promise<LockSession | null> {
    return this.lockTable.lockHolderSession();
  }
  schemaObjects(): Promise<SchemaObject[]> {
    return this.schema.schemaObjects();
  }
  schemaHash(): Promise<string> {
    return this.schema.schemaHash();
  }
  replayHash(objects: readonly SchemaObject[] | null, statements: readonly string[]): Promise<string> {
    return this.schema.replayHash(objects, statements);
  }
  integrityCheck(): Promise<string[]> {
    return this.executor.integrityCheck();
  }
  foreignKeyCheck(): ForeignKeyViolation[] {
    return this.executor.foreignKeyCheck();
  }
  apply(request: ApplyRequest): Promise<ApplyOutcome> {
    return this.executor.apply(request);
  }
  applyGroup(requests: readonly ApplyRequest[], options?: { maxMs?: number }): Promise<GroupOutcome> {
    return this.executor.applyGroup(requests, options);
  }
  repairPartial(request: RepairRequest): Promise<void> {
    return this.executor.repairPartial(request);
  }
  snapshotTo(file: string): Promise<void> {
    return this.snapshots.snapshotTo(file);
  }
  restoreFrom(file: string, lock: LockRow | undefined): Promise<void> {
    return this.snapshots.restoreFrom(file, lock);
  }
  cloneTo(file: string): Promise<MigrationTarget> {
    return this.snapshots.cloneTo(file);
  }
}

/** Whether the url's server answers (for tests and the CLI's messages). */
export async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: expandUrl(url) });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
