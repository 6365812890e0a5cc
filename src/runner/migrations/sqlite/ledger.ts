import type { AppliedMigration, JournalEntry, RunRecord } from '../../../engine/migrations';
import type { ApplyRequest, MigrationLedger } from '../target';
import { message, type SqliteConnection } from './connection';

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

/** What was applied, journaled and run: the history, journal and runs tables. */
export class SqliteLedger implements MigrationLedger {
  constructor(private readonly conn: SqliteConnection) {}

  /** Creates the history, journal, run and lock tables if needed. */
  ensureMetadata(): void {
    this.conn.ensureMetadata();
  }

  readHistory(): AppliedMigration[] {
    if (!this.conn.hasMetadata()) return [];
    const rows = this.conn.db.prepare(`SELECT * FROM ${this.conn.q('history')} ORDER BY version`).all() as HistoryDbRow[];
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
    if (!this.conn.hasMetadata()) return [];
    const rows = this.conn.db.prepare(`SELECT * FROM ${this.conn.q('journal')} ORDER BY id`).all() as Array<Record<string, unknown>>;
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
    if (!this.conn.hasMetadata()) return [];
    const rows = this.conn.db.prepare(`SELECT * FROM ${this.conn.q('runs')} ORDER BY started_at, run_id`).all() as Array<Record<string, unknown>>;
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

  startRun(run: RunRecord): void {
    this.conn.db
      .prepare(`INSERT INTO ${this.conn.q('runs')} (run_id, command, owner, pid, host, started_at, finished_at, state, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(run.runId, run.command, run.owner, run.pid, run.host, run.startedAt, run.finishedAt, run.state, run.detail);
  }

  finishRun(runId: string, state: RunRecord['state'], detail: string | null, now: number): void {
    this.conn.db.prepare(`UPDATE ${this.conn.q('runs')} SET state = ?, detail = ?, finished_at = ? WHERE run_id = ?`).run(state, detail, now, runId);
  }

  markInterruptedRuns(exceptRunId: string, now: number): RunRecord[] {
    if (!this.conn.hasMetadata()) return [];
    const running = this.readRuns().filter((r) => r.state === 'running' && r.runId !== exceptRunId);
    const stmt = this.conn.db.prepare(`UPDATE ${this.conn.q('runs')} SET state = 'interrupted', finished_at = ? WHERE run_id = ? AND state = 'running'`);
    for (const r of running) stmt.run(now, r.runId);
    return running;
  }

  writeHistory(request: ApplyRequest, schemaBefore: string, schemaAfter: string | null, durationMs: number, success: boolean, error: string | null): void {
    const h = request.history;
    if (!h) return;
    this.conn.cached(
      `INSERT OR REPLACE INTO ${this.conn.q('history')} (version, name, file_name, checksum, up_checksum, source, up_sql, down_sql, no_transaction,
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

  insertJournal(request: ApplyRequest, state: JournalEntry['state'], done: number, schemaBefore: string, objectsBefore: string | null, error: string | null, finished: boolean): number {
    const r = this.conn.cached(
      `INSERT INTO ${this.conn.q('journal')} (run_id, version, direction, state, no_transaction, statements_done, statement_count, sql, schema_before,
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

  updateJournal(id: number, state: JournalEntry['state'], done: number, error: string | null, finished: boolean, now: number): void {
    this.conn.db
      .prepare(`UPDATE ${this.conn.q('journal')} SET state = ?, statements_done = ?, error = ?, finished_at = ? WHERE id = ?`)
      .run(state, done, error, finished ? now : null, id);
  }

  /** Best effort: a failure that cannot even be recorded (the database is busy) is still returned to the caller. */
  recordFailure(request: ApplyRequest, schemaBefore: string, done: number, error: unknown, durationMs: number): void {
    const db = this.conn.db;
    try {
      db.exec('BEGIN IMMEDIATE');
      this.insertJournal(request, 'failed', done, schemaBefore, null, message(error), true);
      if (request.direction === 'up') this.writeHistory(request, schemaBefore, null, durationMs, false, message(error));
      db.exec('COMMIT');
    } catch {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  }

  acceptChange(version: number, change: { checksum: string; upChecksum: string; source: string; downSql: string | null; fileName: string }): void {
    this.conn.db
      .prepare(`UPDATE ${this.conn.q('history')} SET checksum = ?, up_checksum = ?, source = ?, down_sql = ?, file_name = ? WHERE version = ? AND success = 1`)
      .run(change.checksum, change.upChecksum, change.source, change.downSql, change.fileName, version);
  }

  clearFailures(versions?: readonly number[]): number[] {
    if (!this.conn.hasMetadata()) return [];
    const failed = (this.conn.db.prepare(`SELECT version FROM ${this.conn.q('history')} WHERE success = 0`).all() as Array<{ version: number }>)
      .map((r) => r.version)
      .filter((v) => versions === undefined || versions.includes(v));
    const del = this.conn.db.prepare(`DELETE FROM ${this.conn.q('history')} WHERE version = ? AND success = 0`);
    this.conn.db.transaction(() => {
      for (const v of failed) del.run(v);
    }).immediate();
    return failed;
  }
}
