import type { AppliedMigration, JournalEntry, RunRecord } from '../../../engine/migrations';
import type { ApplyRequest, MigrationLedger } from '../target';
import { message } from '../sqlite/connection';
import type { PostgresConnection } from './connection';

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Something that runs a query: the work connection, or a client inside a transaction. */
export interface Queryable {
  query(sql: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** What was applied, journaled and run: the history, journal and runs tables, in PostgreSQL. */
export class PostgresLedger implements MigrationLedger {
  constructor(private readonly conn: PostgresConnection) {}

  ensureMetadata(): Promise<void> {
    return this.conn.ensureMetadata();
  }

  async readHistory(): Promise<AppliedMigration[]> {
    if (!(await this.conn.hasMetadata())) return [];
    const { rows } = await this.conn.query(`SELECT * FROM ${this.conn.q('history')} ORDER BY version`);
    return rows.map((r: Row) => ({
      version: num(r.version),
      name: r.name as string,
      fileName: r.file_name as string,
      checksum: r.checksum as string,
      upChecksum: r.up_checksum as string,
      source: r.source as string,
      upSql: r.up_sql as string,
      downSql: (r.down_sql as string | null) ?? null,
      noTransaction: r.no_transaction === true,
      appliedAt: num(r.applied_at),
      appliedBy: r.applied_by as string,
      durationMs: num(r.duration_ms),
      success: r.success === true,
      schemaBefore: r.schema_before as string,
      schemaAfter: (r.schema_after as string | null) ?? null,
      error: (r.error as string | null) ?? null,
    }));
  }

  async readJournal(): Promise<JournalEntry[]> {
    if (!(await this.conn.hasMetadata())) return [];
    const { rows } = await this.conn.query(`SELECT * FROM ${this.conn.q('journal')} ORDER BY id`);
    return rows.map((r: Row) => ({
      id: num(r.id),
      runId: r.run_id as string,
      version: num(r.version),
      direction: r.direction as 'up' | 'down',
      state: r.state as JournalEntry['state'],
      noTransaction: r.no_transaction === true,
      statementsDone: num(r.statements_done),
      statementCount: num(r.statement_count),
      sql: r.sql as string,
      schemaBefore: r.schema_before as string,
      schemaObjectsBefore: (r.schema_objects_before as string | null) ?? null,
      error: (r.error as string | null) ?? null,
      startedAt: num(r.started_at),
      finishedAt: numOrNull(r.finished_at),
    }));
  }

  async readRuns(): Promise<RunRecord[]> {
    if (!(await this.conn.hasMetadata())) return [];
    const { rows } = await this.conn.query(`SELECT * FROM ${this.conn.q('runs')} ORDER BY started_at, run_id`);
    return rows.map((r: Row) => ({
      runId: r.run_id as string,
      command: r.command as string,
      owner: r.owner as string,
      pid: num(r.pid),
      host: r.host as string,
      startedAt: num(r.started_at),
      finishedAt: numOrNull(r.finished_at),
      state: r.state as RunRecord['state'],
      detail: (r.detail as string | null) ?? null,
    }));
  }

  async startRun(run: RunRecord): Promise<void> {
    await this.conn.query(`INSERT INTO ${this.conn.q('runs')} (run_id, command, owner, pid, host, started_at, finished_at, state, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      run.runId, run.command, run.owner, run.pid, run.host, run.startedAt, run.finishedAt, run.state, run.detail,
    ]);
  }

  async finishRun(runId: string, state: RunRecord['state'], detail: string | null, now: number): Promise<void> {
    await this.conn.query(`UPDATE ${this.conn.q('runs')} SET state = $1, detail = $2, finished_at = $3 WHERE run_id = $4`, [state, detail, now, runId]);
  }

  async markInterruptedRuns(exceptRunId: string, now: number): Promise<RunRecord[]> {
    if (!(await this.conn.hasMetadata())) return [];
    const running = (await this.readRuns()).filter((r) => r.state === 'running' && r.runId !== exceptRunId);
    for (const r of running) await this.conn.query(`UPDATE ${this.conn.q('runs')} SET state = 'interrupted', finished_at = $1 WHERE run_id = $2 AND state = 'running'`, [now, r.runId]);
    return running;
  }

  async writeHistory(q: Queryable, request: ApplyRequest, schemaBefore: string, schemaAfter: string | null, durationMs: number, success: boolean, error: string | null): Promise<void> {
    const h = request.history;
    if (!h) return;
    await q.query(
      `INSERT INTO ${this.conn.q('history')} (version, name, file_name, checksum, up_checksum, source, up_sql, down_sql, no_transaction,
         applied_at, applied_by, duration_ms, success, schema_before, schema_after, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, file_name = EXCLUDED.file_name, checksum = EXCLUDED.checksum,
         up_checksum = EXCLUDED.up_checksum, source = EXCLUDED.source, up_sql = EXCLUDED.up_sql, down_sql = EXCLUDED.down_sql,
         no_transaction = EXCLUDED.no_transaction, applied_at = EXCLUDED.applied_at, applied_by = EXCLUDED.applied_by,
         duration_ms = EXCLUDED.duration_ms, success = EXCLUDED.success, schema_before = EXCLUDED.schema_before,
         schema_after = EXCLUDED.schema_after, error = EXCLUDED.error`,
      [request.version, h.name, h.fileName, h.checksum, h.upChecksum, h.source, h.upSql, h.downSql, h.noTransaction, request.now(), h.appliedBy,
        Math.round(durationMs), success, schemaBefore, schemaAfter, error],
    );
  }

  async insertJournal(q: Queryable, request: ApplyRequest, state: JournalEntry['state'], done: number, schemaBefore: string, objectsBefore: string | null, error: string | null, finished: boolean): Promise<number> {
    const r = await q.query(
      `INSERT INTO ${this.conn.q('journal')} (run_id, version, direction, state, no_transaction, statements_done, statement_count, sql, schema_before,
         schema_objects_before, error, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [request.runId, request.version, request.direction, state, request.noTransaction, done, request.statements.length,
        state === 'committed' && !request.noTransaction ? '' : request.statements.map((s) => `${s};`).join('\n'),
        schemaBefore, objectsBefore, error, request.now(), finished ? request.now() : null],
    );
    return num(r.rows[0].id);
  }

  async updateJournal(q: Queryable, id: number, state: JournalEntry['state'], done: number, error: string | null, finished: boolean, now: number): Promise<void> {
    await q.query(`UPDATE ${this.conn.q('journal')} SET state = $1, statements_done = $2, error = $3, finished_at = $4 WHERE id = $5`, [state, done, error, finished ? now : null, id]);
  }

  /** Best effort: a failure that cannot even be recorded (the connection is gone) is still returned to the caller. */
  async recordFailure(request: ApplyRequest, schemaBefore: string, done: number, error: unknown, durationMs: number): Promise<void> {
    const c = await this.conn.client().catch(() => undefined);
    if (!c) return;
    try {
      await c.query('BEGIN');
      await this.insertJournal(c, request, 'failed', done, schemaBefore, null, message(error), true);
      if (request.direction === 'up') await this.writeHistory(c, request, schemaBefore, null, durationMs, false, message(error));
      await c.query('COMMIT');
    } catch {
      await c.query('ROLLBACK').catch(() => undefined);
    }
  }

  async acceptChange(version: number, change: { checksum: string; upChecksum: string; source: string; downSql: string | null; fileName: string }): Promise<void> {
    await this.conn.query(`UPDATE ${this.conn.q('history')} SET checksum = $1, up_checksum = $2, source = $3, down_sql = $4, file_name = $5 WHERE version = $6 AND success`, [
      change.checksum, change.upChecksum, change.source, change.downSql, change.fileName, version,
    ]);
  }

  async clearFailures(versions?: readonly number[]): Promise<number[]> {
    if (!(await this.conn.hasMetadata())) return [];
    const { rows } = await this.conn.query(`SELECT version FROM ${this.conn.q('history')} WHERE NOT success`);
    const failed = rows.map((r: Row) => num(r.version)).filter((v: number) => versions === undefined || versions.includes(v));
    if (failed.length > 0) await this.conn.query(`DELETE FROM ${this.conn.q('history')} WHERE version = ANY($1) AND NOT success`, [failed]);
    return failed;
  }
}
