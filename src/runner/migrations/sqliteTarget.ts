import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  describeStatement,
  nonTransactionalReason,
  schemaHash,
  schemaHashOfKeys,
  SchemaHasher,
  tokenize,
  type AppliedMigration,
  type JournalEntry,
  type RunRecord,
  type SchemaObject,
} from '../../engine/migrations';
import { MigrationError, RollbackError } from '../../engine/errors';
import { sqlite, type Database, type Statement } from '../../store/sqlite';
import type { ApplyOutcome, ApplyRequest, ForeignKeyViolation, GroupOutcome, LockAttempt, LockOwner, LockRow, MigrationTarget, RepairRequest } from './target';

export interface SqliteTargetOptions {
  file: string;
  /** History table name; the journal, runs and lock tables add `_journal`, `_runs`, `_lock` (default rebound_migrations). */
  historyTable?: string;
  /** busy_timeout in milliseconds (default 5000). */
  busyTimeoutMs?: number;
}

export const DEFAULT_HISTORY_TABLE = 'rebound_migrations';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface HistoryDbRow {
  version: number;
  name: string;
  file_name: string;
  checksum: string;
  up_checksum: string;
  source: string;
  up_sql: string;
  down_sql: string | null;
  no_transaction: number;
  applied_at: number;
  applied_by: string;
  duration_ms: number;
  success: number;
  schema_before: string;
  schema_after: string | null;
  error: string | null;
}

interface LockDbRow {
  owner_id: string;
  pid: number;
  host: string;
  user: string;
  command: string;
  acquired_at: number;
  heartbeat_at: number;
  expiry_ms: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Splits one statement into tokens only to recognise it (pure, cheap). */
function isNonTransactional(sql: string): boolean {
  const tokens = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  return nonTransactionalReason(describeStatement(tokens)) !== undefined;
}

/**
 * A SQLite database as a migration target (better-sqlite3). Each migration runs in
 * `BEGIN IMMEDIATE` with foreign keys switched off around the transaction and
 * `PRAGMA foreign_key_check` before the commit; a `-- rebound:no-transaction` file runs statement by
 * statement, each transaction-capable statement committed together with its journal progress.
 */
export class SqliteTarget implements MigrationTarget {
  readonly engine = 'sqlite';
  readonly location: string;
  private readonly table: string;
  private readonly names: { history: string; journal: string; runs: string; lock: string };
  private readonly own: Set<string>;
  private connection: Database | undefined;
  private metadataReady = false;
  private readonly busyTimeoutMs: number;
  private readonly canonicalCache = new Map<string, Uint8Array>();
  /** The schema hash kept up to date inside a group transaction (see trackedHash). */
  private tracker:
    | { sv: number; hasher: SchemaHasher; rows: Map<string, TrackedRow>; byTable: Map<string, Set<string>>; maxRowid: number; incremental: boolean }
    | undefined;
  private readonly statements = new Map<string, Statement>();
  private incrementalOff = false;

  constructor(private readonly options: SqliteTargetOptions) {
    this.location = options.file;
    this.table = options.historyTable ?? DEFAULT_HISTORY_TABLE;
    if (!IDENTIFIER.test(this.table)) throw new RangeError(`historyTable must be a plain identifier, got ${JSON.stringify(this.table)}`);
    this.names = { history: this.table, journal: `${this.table}_journal`, runs: `${this.table}_runs`, lock: `${this.table}_lock` };
    this.own = new Set(Object.values(this.names).map((n) => n.toLowerCase()));
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  /** The open connection (opened, and the file created, on first use). */
  get db(): Database {
    if (!this.connection) {
      if (this.options.file !== ':memory:') mkdirSync(dirname(this.options.file), { recursive: true });
      const Database = sqlite();
      const db = new Database(this.options.file);
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
      this.connection = db;
    }
    return this.connection;
  }

  /** A prepared statement, prepared once per connection (SQLite re-prepares it after schema changes). */
  private cached(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  exists(): boolean {
    return this.connection !== undefined || this.options.file === ':memory:' || existsSync(this.options.file);
  }

  private q(name: keyof SqliteTarget['names']): string {
    return `"${this.names[name]}"`;
  }

  private hasMetadata(): boolean {
    if (this.metadataReady) return true;
    if (!this.exists()) return false;
    const row = this.db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?, ?)`).get(
      this.names.history,
      this.names.journal,
      this.names.runs,
      this.names.lock,
    ) as { n: number };
    if (row.n === 4) this.metadataReady = true;
    return row.n > 0;
  }

  ensureMetadata(): void {
    if (this.metadataReady) return;
    const db = this.db;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(`
        CREATE TABLE IF NOT EXISTS ${this.q('history')} (
          version INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          file_name TEXT NOT NULL,
          checksum TEXT NOT NULL,
          up_checksum TEXT NOT NULL,
          source TEXT NOT NULL,
          up_sql TEXT NOT NULL,
          down_sql TEXT,
          no_transaction INTEGER NOT NULL DEFAULT 0,
          applied_at INTEGER NOT NULL,
          applied_by TEXT NOT NULL,
          duration_ms INTEGER NOT NULL,
          success INTEGER NOT NULL,
          schema_before TEXT NOT NULL,
          schema_after TEXT,
          error TEXT
        );
        CREATE TABLE IF NOT EXISTS ${this.q('journal')} (
          id INTEGER PRIMARY KEY,
          run_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          direction TEXT NOT NULL,
          state TEXT NOT NULL,
          no_transaction INTEGER NOT NULL,
          statements_done INTEGER NOT NULL,
          statement_count INTEGER NOT NULL,
          sql TEXT NOT NULL,
          schema_before TEXT NOT NULL,
          schema_objects_before TEXT,
          error TEXT,
          started_at INTEGER NOT NULL,
          finished_at INTEGER
        );
        CREATE TABLE IF NOT EXISTS ${this.q('runs')} (
          run_id TEXT PRIMARY KEY,
          command TEXT NOT NULL,
          owner TEXT NOT NULL,
          pid INTEGER NOT NULL,
          host TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          state TEXT NOT NULL,
          detail TEXT
        );
        CREATE TABLE IF NOT EXISTS ${this.q('lock')} (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          owner_id TEXT NOT NULL,
          pid INTEGER NOT NULL,
          host TEXT NOT NULL,
          user TEXT NOT NULL,
          command TEXT NOT NULL,
          acquired_at INTEGER NOT NULL,
          heartbeat_at INTEGER NOT NULL,
          expiry_ms INTEGER NOT NULL
        );
      `);
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    this.metadataReady = true;
  }

  readHistory(): AppliedMigration[] {
    if (!this.hasMetadata()) return [];
    const rows = this.db.prepare(`SELECT * FROM ${this.q('history')} ORDER BY version`).all() as HistoryDbRow[];
    return rows.map((r) => ({
      version: r.version,
      name: r.name,
      fileName: r.file_name,
      checksum: r.checksum,
      upChecksum: r.up_checksum,
      source: r.source,
      upSql: r.up_sql,
      downSql: r.down_sql,
      noTransaction: r.no_transaction === 1,
      appliedAt: r.applied_at,
      appliedBy: r.applied_by,
      durationMs: r.duration_ms,
      success: r.success === 1,
      schemaBefore: r.schema_before,
      schemaAfter: r.schema_after,
      error: r.error,
    }));
  }

  readJournal(): JournalEntry[] {
    if (!this.hasMetadata()) return [];
    const rows = this.db.prepare(`SELECT * FROM ${this.q('journal')} ORDER BY id`).all() as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: r.id as number,
      runId: r.run_id as string,
      version: r.version as number,
      direction: r.direction as 'up' | 'down',
      state: r.state as JournalEntry['state'],
      noTransaction: r.no_transaction === 1,
      statementsDone: r.statements_done as number,
      statementCount: r.statement_count as number,
      sql: r.sql as string,
      schemaBefore: r.schema_before as string,
      schemaObjectsBefore: (r.schema_objects_before as string | null) ?? null,
      error: (r.error as string | null) ?? null,
      startedAt: r.started_at as number,
      finishedAt: (r.finished_at as number | null) ?? null,
    }));
  }

  readRuns(): RunRecord[] {
    if (!this.hasMetadata()) return [];
    const rows = this.db.prepare(`SELECT * FROM ${this.q('runs')} ORDER BY started_at, run_id`).all() as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      runId: r.run_id as string,
      command: r.command as string,
      owner: r.owner as string,
      pid: r.pid as number,
      host: r.host as string,
      startedAt: r.started_at as number,
      finishedAt: (r.finished_at as number | null) ?? null,
      state: r.state as RunRecord['state'],
      detail: (r.detail as string | null) ?? null,
    }));
  }

  schemaObjects(): SchemaObject[] {
    if (!this.exists()) return [];
    return (this.db.prepare('SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master').all() as SchemaObject[]).filter(
      (o) => !this.own.has(o.name.toLowerCase()),
    );
  }

  schemaHash(): string {
    if (!this.exists()) return schemaHash([], { exclude: (n) => this.own.has(n) });
    const keys = this.cached(`SELECT ${KEY_COLUMNS} FROM sqlite_master`).pluck().all() as string[];
    return schemaHashOfKeys(keys, { exclude: (n) => this.own.has(n), cache: this.canonicalCache });
  }

  /** Starts keeping the schema hash up to date incrementally (a full read); returns the hash. */
  private startTracking(): string {
    const hasher = new SchemaHasher({ exclude: (n) => this.own.has(n), cache: this.canonicalCache });
    this.tracker = { sv: this.db.pragma('schema_version', { simple: true }) as number, hasher, rows: new Map(), byTable: new Map(), maxRowid: 0, incremental: false };
    for (const row of this.cached(`SELECT rowid, ${KEY_COLUMNS}, lower(name), lower(tbl_name) FROM sqlite_master`).raw().all() as RawRow[]) this.track(row);
    return hasher.hex();
  }

  private track([rowid, key, name, table]: RawRow): void {
    const t = this.tracker!;
    this.untrack(name);
    t.hasher.add(key);
    t.rows.set(name, { key, table, rowid });
    if (t.maxRowid >= 0 && rowid > t.maxRowid) t.maxRowid = rowid;
    let set = t.byTable.get(table);
    if (!set) t.byTable.set(table, (set = new Set()));
    set.add(name);
  }

  private untrack(name: string): void {
    const t = this.tracker!;
    const r = t.rows.get(name);
    if (!r) return;
    t.hasher.remove(r.key);
    t.rows.delete(name);
    t.byTable.get(r.table)?.delete(name);
    if (r.rowid === t.maxRowid) t.maxRowid = -1; // recomputed when next needed
  }

  /**
   * The schema hash after `statements` ran, without re-reading the whole schema: unchanged when
   * SQLite's schema_version did not move; else dropped objects (and their indexes and triggers)
   * are taken out, altered tables are read again by rowid, and created objects are read from past
   * the highest rowid left (SQLite gives a new schema row the next rowid). A rename, a virtual
   * table or any statement not recognised reads everything. A full read checks the result before
   * every commit (see applyGroup).
   */
  private trackedHash(statements: readonly string[]): string {
    const t = this.tracker;
    if (!t || this.incrementalOff) return this.schemaHash();
    const sv = this.db.pragma('schema_version', { simple: true }) as number;
    if (sv === t.sv) return t.hasher.hex();
    const effect = schemaEffect(statements);
    if (!effect) return this.startTracking();
    for (const name of effect.dropped) {
      for (const dependent of [...(t.byTable.get(name) ?? [])]) this.untrack(dependent);
      this.untrack(name);
    }
    for (const name of effect.altered) {
      const r = t.rows.get(name);
      if (!r) continue;
      const row = this.cached(`SELECT rowid, ${KEY_COLUMNS}, lower(name), lower(tbl_name) FROM sqlite_master WHERE rowid = ?`).raw().get(r.rowid) as RawRow | undefined;
      if (row && row[2] === name) this.track(row);
      else return this.startTracking();
    }
    if (effect.created) {
      if (t.maxRowid < 0) {
        t.maxRowid = 0;
        for (const r of t.rows.values()) if (r.rowid > t.maxRowid) t.maxRowid = r.rowid;
      }
      const max = t.maxRowid;
      for (const row of this.cached(`SELECT rowid, ${KEY_COLUMNS}, lower(name), lower(tbl_name) FROM sqlite_master WHERE rowid > ?`).raw().all(max) as RawRow[]) {
        this.track(row);
      }
    }
    t.sv = sv;
    t.incremental = true;
    return t.hasher.hex();
  }

  replayHash(objects: readonly SchemaObject[] | null, statements: readonly string[]): string {
    const Database = sqlite();
    const scratch = new Database(':memory:');
    try {
      if (objects) recreateSchema(scratch, objects, this.own);
      for (const s of statements) scratch.exec(s);
      const rows = scratch.prepare('SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master').all() as SchemaObject[];
      return schemaHash(rows, { exclude: (n) => this.own.has(n) });
    } finally {
      scratch.close();
    }
  }

  readLock(): LockRow | undefined {
    if (!this.hasMetadata()) return undefined;
    const row = this.db.prepare(`SELECT * FROM ${this.q('lock')} WHERE id = 1`).get() as LockDbRow | undefined;
    return row ? toLockRow(row) : undefined;
  }

  tryAcquireLock(owner: LockOwner, now: number, expiryMs: number, mayBreak: (holder: LockRow) => boolean): LockAttempt {
    const db = this.db;
    db.exec('BEGIN IMMEDIATE');
    try {
      const row = db.prepare(`SELECT * FROM ${this.q('lock')} WHERE id = 1`).get() as LockDbRow | undefined;
      const holder = row ? toLockRow(row) : undefined;
      let broken: LockRow | undefined;
      if (holder && holder.id === owner.id) {
        db.prepare(`UPDATE ${this.q('lock')} SET heartbeat_at = ? WHERE id = 1`).run(now);
        db.exec('COMMIT');
        return { acquired: true };
      }
      if (holder) {
        if (!mayBreak(holder)) {
          db.exec('COMMIT');
          return { acquired: false, holder };
        }
        broken = holder;
        db.prepare(`DELETE FROM ${this.q('lock')} WHERE id = 1`).run();
      }
      db.prepare(
        `INSERT INTO ${this.q('lock')} (id, owner_id, pid, host, user, command, acquired_at, heartbeat_at, expiry_ms) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(owner.id, owner.pid, owner.host, owner.user, owner.command, now, now, expiryMs);
      db.exec('COMMIT');
      return broken ? { acquired: true, broken } : { acquired: true };
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  heartbeat(ownerId: string, now: number): boolean {
    const r = this.db.prepare(`UPDATE ${this.q('lock')} SET heartbeat_at = ? WHERE id = 1 AND owner_id = ?`).run(now, ownerId);
    return r.changes === 1;
  }

  releaseLock(ownerId: string): void {
    if (!this.hasMetadata()) return;
    this.db.prepare(`DELETE FROM ${this.q('lock')} WHERE id = 1 AND owner_id = ?`).run(ownerId);
  }

  breakLock(holder: LockRow): boolean {
    if (!this.hasMetadata()) return false;
    return this.db.prepare(`DELETE FROM ${this.q('lock')} WHERE id = 1 AND owner_id = ? AND heartbeat_at = ?`).run(holder.id, holder.heartbeatAt).changes === 1;
  }

  startRun(run: RunRecord): void {
    this.db
      .prepare(`INSERT INTO ${this.q('runs')} (run_id, command, owner, pid, host, started_at, finished_at, state, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(run.runId, run.command, run.owner, run.pid, run.host, run.startedAt, run.finishedAt, run.state, run.detail);
  }

  finishRun(runId: string, state: RunRecord['state'], detail: string | null, now: number): void {
    this.db.prepare(`UPDATE ${this.q('runs')} SET state = ?, detail = ?, finished_at = ? WHERE run_id = ?`).run(state, detail, now, runId);
  }

  markInterruptedRuns(exceptRunId: string, now: number): RunRecord[] {
    if (!this.hasMetadata()) return [];
    const running = this.readRuns().filter((r) => r.state === 'running' && r.runId !== exceptRunId);
    const stmt = this.db.prepare(`UPDATE ${this.q('runs')} SET state = 'interrupted', finished_at = ? WHERE run_id = ? AND state = 'running'`);
    for (const r of running) stmt.run(now, r.runId);
    return running;
  }

  private foreignKeysOn(): boolean {
    return this.db.pragma('foreign_keys', { simple: true }) === 1;
  }

  private writeHistory(request: ApplyRequest, schemaBefore: string, schemaAfter: string | null, durationMs: number, success: boolean, error: string | null): void {
    const h = request.history;
    if (!h) return;
    this.cached(
      `INSERT OR REPLACE INTO ${this.q('history')} (version, name, file_name, checksum, up_checksum, source, up_sql, down_sql, no_transaction,
         applied_at, applied_by, duration_ms, success, schema_before, schema_after, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      request.version,
      h.name,
      h.fileName,
      h.checksum,
      h.upChecksum,
      h.source,
      h.upSql,
      h.downSql,
      h.noTransaction ? 1 : 0,
      request.now(),
      h.appliedBy,
      Math.round(durationMs),
      success ? 1 : 0,
      schemaBefore,
      schemaAfter,
      error,
    );
  }

  private insertJournal(request: ApplyRequest, state: JournalEntry['state'], done: number, schemaBefore: string, objectsBefore: string | null, error: string | null, finished: boolean): number {
    const r = this.cached(
      `INSERT INTO ${this.q('journal')} (run_id, version, direction, state, no_transaction, statements_done, statement_count, sql, schema_before,
         schema_objects_before, error, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      request.runId,
      request.version,
      request.direction,
      state,
      request.noTransaction ? 1 : 0,
      done,
      request.statements.length,
      // A committed transactional migration needs no replay text (history keeps its SQL); a partial
      // or failed attempt does, for recover and for telling how far it got.
      state === 'committed' && !request.noTransaction ? '' : request.statements.map((s) => `${s};`).join('\n'),
      schemaBefore,
      objectsBefore,
      error,
      request.now(),
      finished ? request.now() : null,
    );
    return Number(r.lastInsertRowid);
  }

  private updateJournal(id: number, state: JournalEntry['state'], done: number, error: string | null, finished: boolean, now: number): void {
    this.db
      .prepare(`UPDATE ${this.q('journal')} SET state = ?, statements_done = ?, error = ?, finished_at = ? WHERE id = ?`)
      .run(state, done, error, finished ? now : null, id);
  }

  /** Best effort: a failure that cannot even be recorded (the database is busy) is still returned to the caller. */
  private recordFailure(request: ApplyRequest, schemaBefore: string, done: number, error: unknown, durationMs: number): void {
    const db = this.db;
    try {
      db.exec('BEGIN IMMEDIATE');
      this.insertJournal(request, 'failed', done, schemaBefore, null, message(error), true);
      if (request.direction === 'up') this.writeHistory(request, schemaBefore, null, durationMs, false, message(error));
      db.exec('COMMIT');
    } catch {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  }

  apply(request: ApplyRequest): ApplyOutcome {
    if (request.noTransaction) {
      this.ensureMetadata();
      const before = request.schemaBefore ?? this.schemaHash();
      return this.applyOutsideTransaction(request, before, request.now());
    }
    const r = this.applyGroup([request]);
    return r.failure ? r.failure.outcome : r.applied[0];
  }

  /**
   * Runs transactional migrations in one `BEGIN IMMEDIATE` transaction, each inside its own
   * savepoint: a failing migration is rolled back to its savepoint, the ones before it are
   * committed, and its failure is recorded. Foreign keys are off around the transaction and
   * `foreign_key_check` runs before each savepoint is released. Stops adding migrations once
   * `maxMs` has passed (the first always runs).
   */
  applyGroup(requests: readonly ApplyRequest[], options: { maxMs?: number } = {}): GroupOutcome {
    this.ensureMetadata();
    const db = this.db;
    const applied: Array<Extract<ApplyOutcome, { ok: true }>> = [];
    if (requests.length === 0) return { applied };
    const first = requests[0];
    const groupStart = first.now();
    const fkOn = this.foreignKeysOn();
    if (fkOn) db.pragma('foreign_keys = OFF');
    let failure: GroupOutcome['failure'];
    let before = first.schemaBefore ?? '';
    try {
      try {
        db.exec('BEGIN IMMEDIATE');
        const start = this.incrementalOff ? this.schemaHash() : this.startTracking();
        if (first.schemaBefore === undefined) before = start;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        return { applied, failure: { index: 0, outcome: { ok: false, error, statementsDone: 0, committed: false, busy: this.isBusy(error), durationMs: first.now() - groupStart } } };
      }
      for (let i = 0; i < requests.length; i++) {
        const request = requests[i];
        if (i > 0 && options.maxMs !== undefined && request.now() - groupStart >= options.maxMs) break;
        const started = request.now();
        let done = 0;
        const n = request.statements.length;
        db.exec('SAVEPOINT rebound_migration');
        try {
          for (; done < n; done++) db.exec(request.statements[done]);
          const violations = this.foreignKeyCheck();
          if (violations.length > 0) {
            throw new MigrationError(`Foreign key check failed before commit: ${describeViolations(violations)}. Nothing of it was committed.`, {
              code: 'RB-MIGRATE-FK', guidance: 'RB-MIGRATE-001',
              context: { component: 'migrations' },
            });
          }
          const after = this.trackedHash(request.statements);
          if (request.expectSchemaAfter !== undefined && after !== request.expectSchemaAfter) {
            throw new RollbackError(
              `After rolling back version ${request.version} the schema does not match the one recorded before it was applied (hash ${after.slice(0, 12)} instead of ${request.expectSchemaAfter.slice(0, 12)}); the rollback was not committed.`,
              { code: 'RB-ROLLBACK-VERIFY', guidance: 'RB-ROLLBACK-001', context: { component: 'migrations' } },
            );
          }
          const durationMs = request.now() - started;
          if (request.direction === 'up') this.writeHistory(request, before, after, durationMs, true, null);
          else this.cached(`DELETE FROM ${this.q('history')} WHERE version = ?`).run(request.version);
          this.insertJournal(request, 'committed', n, before, null, null, true);
          db.exec('RELEASE rebound_migration');
          applied.push({ ok: true, durationMs, schemaBefore: before, schemaAfter: after });
          before = after;
        } catch (error) {
          const outcome: ApplyOutcome = {
            ok: false,
            error,
            statementsDone: done,
            committed: false,
            busy: this.isBusy(error),
            failedStatement: done < n ? done : undefined,
            durationMs: request.now() - started,
          };
          if (!db.inTransaction) {
            // SQLite rolled the whole transaction back (I/O error, disk full): the group is lost.
            applied.length = 0;
            return { applied, failure: { index: i, outcome, groupLost: true } };
          }
          db.exec('ROLLBACK TO rebound_migration');
          db.exec('RELEASE rebound_migration');
          this.tracker = undefined;
          failure = { index: i, outcome };
          break;
        }
      }
      if (this.tracker?.incremental && this.tracker.hasher.hex() !== this.schemaHash()) {
        // The incremental hash disagrees with a full read: never commit hashes that may be wrong.
        // Roll the group back and run it again with full reads only.
        this.tracker = undefined;
        this.incrementalOff = true;
        db.exec('ROLLBACK');
        if (fkOn) db.pragma('foreign_keys = ON');
        return this.applyGroup(requests, options);
      }
      this.tracker = undefined;
      try {
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        // Nothing of the group was committed: report it against the first migration.
        return {
          applied: [],
          failure: { index: 0, outcome: { ok: false, error, statementsDone: 0, committed: false, busy: this.isBusy(error), durationMs: first.now() - groupStart }, groupLost: applied.length > 0 },
        };
      }
      if (failure && !failure.outcome.ok) {
        const req = requests[failure.index];
        this.recordFailure(req, before, failure.outcome.statementsDone, failure.outcome.error, failure.outcome.durationMs);
      }
      return { applied, failure };
    } finally {
      if (fkOn) db.pragma('foreign_keys = ON');
    }
  }

  private applyOutsideTransaction(request: ApplyRequest, before: string, started: number): ApplyOutcome {
    const db = this.db;
    const n = request.statements.length;
    const objects = JSON.stringify(this.schemaObjects());
    const entry = this.insertJournal(request, 'running', 0, before, objects, null, false);
    const progress = db.prepare(`UPDATE ${this.q('journal')} SET statements_done = ? WHERE id = ?`);
    let done = 0;
    const fail = (error: unknown, failedStatement: number | undefined): ApplyOutcome => {
      if (db.inTransaction) {
        db.exec('ROLLBACK');
        // Progress written inside a transaction the file opened itself was rolled back with it.
        done = (db.prepare(`SELECT statements_done AS d FROM ${this.q('journal')} WHERE id = ?`).get(entry) as { d: number }).d;
      }
      const busy = this.isBusy(error);
      try {
        this.updateJournal(entry, 'failed', done, message(error), true, request.now());
      } catch {
        // The journal row still says 'running' with the right progress: recover reads it the same way.
      }
      return { ok: false, error, statementsDone: done, committed: done > 0, busy, failedStatement, durationMs: request.now() - started };
    };
    for (; done < n; done++) {
      const sql = request.statements[done];
      try {
        if (db.inTransaction || isNonTransactional(sql)) {
          db.exec(sql);
          progress.run(done + 1, entry);
        } else {
          db.exec('BEGIN IMMEDIATE');
          db.exec(sql);
          progress.run(done + 1, entry);
          db.exec('COMMIT');
        }
      } catch (error) {
        return fail(error, done);
      }
    }
    if (db.inTransaction) {
      return fail(new MigrationError('The migration opened a transaction (BEGIN) and did not commit it.', { context: { component: 'migrations' } }), undefined);
    }
    try {
      const violations = this.foreignKeyCheck();
      if (violations.length > 0) {
        throw new MigrationError(`Foreign key check failed after the migration: ${describeViolations(violations)}.`, { code: 'RB-MIGRATE-FK', guidance: 'RB-MIGRATE-001', context: { component: 'migrations' } });
      }
      db.exec('BEGIN IMMEDIATE');
      const after = this.schemaHash();
      if (request.expectSchemaAfter !== undefined && after !== request.expectSchemaAfter) {
        throw new RollbackError(
          `After rolling back version ${request.version} the schema does not match the one recorded before it was applied (hash ${after.slice(0, 12)} instead of ${request.expectSchemaAfter.slice(0, 12)}).`,
          { code: 'RB-ROLLBACK-VERIFY', guidance: 'RB-ROLLBACK-001', context: { component: 'migrations' } },
        );
      }
      const durationMs = request.now() - started;
      if (request.direction === 'up') this.writeHistory(request, before, after, durationMs, true, null);
      else db.prepare(`DELETE FROM ${this.q('history')} WHERE version = ?`).run(request.version);
      this.updateJournal(entry, 'committed', n, null, true, request.now());
      db.exec('COMMIT');
      return { ok: true, durationMs, schemaBefore: before, schemaAfter: after };
    } catch (error) {
      return fail(error, undefined);
    }
  }

  repairPartial(request: RepairRequest): void {
    const db = this.db;
    const fkOn = this.foreignKeysOn();
    if (fkOn) db.pragma('foreign_keys = OFF');
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const s of request.statements) db.exec(s);
      const violations = this.foreignKeyCheck();
      if (violations.length > 0) throw new Error(`foreign key check failed: ${describeViolations(violations)}`);
      const after = this.schemaHash();
      if (after !== request.expectSchemaAfter) {
        throw new Error(`the schema after recovery (hash ${after.slice(0, 12)}) is not the expected one (${request.expectSchemaAfter.slice(0, 12)})`);
      }
      this.db
        .prepare(`UPDATE ${this.q('journal')} SET state = ?, finished_at = ?, error = coalesce(error, 'interrupted') WHERE id = ?`)
        .run(request.entryState, request.now(), request.entryId);
      if (request.deleteHistory) db.prepare(`DELETE FROM ${this.q('history')} WHERE version = ?`).run(request.version);
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    } finally {
      if (fkOn) db.pragma('foreign_keys = ON');
    }
  }

  acceptChange(version: number, change: { checksum: string; upChecksum: string; source: string; downSql: string | null; fileName: string }): void {
    this.db
      .prepare(`UPDATE ${this.q('history')} SET checksum = ?, up_checksum = ?, source = ?, down_sql = ?, file_name = ? WHERE version = ? AND success = 1`)
      .run(change.checksum, change.upChecksum, change.source, change.downSql, change.fileName, version);
  }

  clearFailures(versions?: readonly number[]): number[] {
    if (!this.hasMetadata()) return [];
    const failed = (this.db.prepare(`SELECT version FROM ${this.q('history')} WHERE success = 0`).all() as Array<{ version: number }>)
      .map((r) => r.version)
      .filter((v) => versions === undefined || versions.includes(v));
    const del = this.db.prepare(`DELETE FROM ${this.q('history')} WHERE version = ? AND success = 0`);
    this.db.transaction(() => {
      for (const v of failed) del.run(v);
    }).immediate();
    return failed;
  }

  integrityCheck(): string[] {
    const rows = this.db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const out = rows.map((r) => r.integrity_check);
    return out.length === 1 && out[0] === 'ok' ? [] : out;
  }

  foreignKeyCheck(): ForeignKeyViolation[] {
    return (this.cached('PRAGMA foreign_key_check').all() as Array<{ table: string; rowid: number | null; parent: string; fkid: number }>).map((r) => ({
      table: r.table,
      rowid: r.rowid,
      parent: r.parent,
      fkid: r.fkid,
    }));
  }

  /** A consistent copy (VACUUM INTO). It may hold the lock row of the runner taking it: `restoreFrom` replaces that. */
  snapshotTo(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) rmSync(file);
    this.db.prepare('VACUUM INTO ?').run(file);
  }

  async restoreFrom(file: string, lock: LockRow | undefined): Promise<void> {
    const tmp = `${this.options.file}.restore-${randomBytes(4).toString('hex')}`;
    copyFileSync(file, tmp);
    const Database = sqlite();
    const source = new Database(tmp);
    try {
      const hasLock = source.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?`).get(this.names.lock) as { n: number };
      if (hasLock.n > 0) {
        source.prepare(`DELETE FROM ${this.q('lock')}`).run();
        if (lock) {
          source
            .prepare(`INSERT INTO ${this.q('lock')} (id, owner_id, pid, host, user, command, acquired_at, heartbeat_at, expiry_ms) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`)
            .run(lock.id, lock.pid, lock.host, lock.user, lock.command, lock.acquiredAt, lock.heartbeatAt, lock.expiryMs);
        }
      }
      await source.backup(this.options.file);
    } finally {
      source.close();
      rmSync(tmp, { force: true });
    }
    this.metadataReady = false;
  }

  cloneTo(file: string): SqliteTarget {
    if (!this.exists()) return new SqliteTarget({ ...this.options, file });
    this.snapshotTo(file);
    const clone = new SqliteTarget({ ...this.options, file });
    if (clone.hasMetadata()) clone.db.prepare(`DELETE FROM ${clone.q('lock')}`).run();
    return clone;
  }

  isBusy(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
  }

  close(): void {
    this.statements.clear();
    this.tracker = undefined;
    this.connection?.close();
    this.connection = undefined;
    this.metadataReady = false;
  }
}

const KEY_COLUMNS = "type || char(0) || name || char(0) || tbl_name || char(0) || coalesce(sql, '')";

type RawRow = [number, string, string, string];
interface TrackedRow {
  key: string;
  table: string;
  rowid: number;
}

/**
 * What the statements do to the main schema, by lower-cased name: objects created, tables altered
 * in place (ADD/DROP COLUMN), objects dropped. Undefined when that cannot be told from the
 * statements alone (a rename rewrites other objects, a virtual table creates shadow tables, a
 * non-main schema, anything not recognised).
 */
export function schemaEffect(statements: readonly string[]): { created: boolean; altered: Set<string>; dropped: Set<string> } | undefined {
  const effect = { created: false, altered: new Set<string>(), dropped: new Set<string>() };
  for (const sql of statements) {
    const info = describeStatement(tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment'));
    const n = info.name;
    const mainName = (): string | undefined => {
      if (!n || !/^[\x20-\x7e]*$/.test(n.id)) return undefined;
      if (n.schema !== undefined && n.schema.replace(/^["`[]|["`\]]$/g, '').toLowerCase() !== 'main') return undefined;
      return n.id;
    };
    switch (info.kind) {
      case 'create-table':
      case 'create-index':
      case 'create-view':
      case 'create-trigger':
        if (info.temp) break;
        if (!mainName()) return undefined;
        effect.created = true;
        break;
      case 'drop-table':
      case 'drop-index':
      case 'drop-view':
      case 'drop-trigger': {
        const name = mainName();
        if (!name) return undefined;
        effect.dropped.add(name);
        break;
      }
      case 'alter-add-column':
      case 'alter-drop-column': {
        const name = mainName();
        if (!name) return undefined;
        effect.altered.add(name);
        break;
      }
      case 'insert':
      case 'update':
      case 'delete':
      case 'select':
      case 'pragma':
      case 'analyze':
      case 'reindex':
      case 'vacuum':
      case 'savepoint':
      case 'transaction':
        break;
      default:
        return undefined;
    }
  }
  return effect;
}

function toLockRow(r: LockDbRow): LockRow {
  return {
    id: r.owner_id,
    pid: r.pid,
    host: r.host,
    user: r.user,
    command: r.command,
    acquiredAt: r.acquired_at,
    heartbeatAt: r.heartbeat_at,
    expiryMs: r.expiry_ms,
  };
}

function describeViolations(v: ForeignKeyViolation[]): string {
  const shown = v.slice(0, 5).map((x) => `${x.table} row ${x.rowid ?? '?'} -> ${x.parent}`);
  return `${v.length} row(s) reference missing parents (${shown.join(', ')}${v.length > 5 ? ', ...' : ''})`;
}

/** Creates schema objects on an empty database: virtual tables first (their shadow tables come with them), then tables, indexes, views, triggers. */
function recreateSchema(db: Database, objects: readonly SchemaObject[], own: Set<string>): void {
  const rank = (o: SchemaObject) => (/^\s*create\s+virtual\s+table/i.test(o.sql ?? '') ? 0 : o.type === 'table' ? 1 : o.type === 'index' ? 2 : o.type === 'view' ? 3 : 4);
  const wanted = objects.filter((o) => o.sql && !o.name.toLowerCase().startsWith('sqlite_') && !own.has(o.name.toLowerCase()));
  for (const o of [...wanted].sort((a, b) => rank(a) - rank(b))) {
    const exists = db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(o.name);
    if (exists) continue;
    db.exec(o.sql!);
  }
}
