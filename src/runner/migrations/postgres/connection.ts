import { createHash } from 'node:crypto';
import pg from 'pg';
import { message } from '../sqlite/connection';
import { expandUrl, redactMessage, redactUrl } from './url';

export interface PostgresTargetOptions {
  /** postgres://user@host:port/db, with `${env:NAME}` references put in when connecting. */
  url: string;
  /** History table name; the journal, runs and lock tables add `_journal`, `_runs`, `_lock` (default rebound_migrations). */
  historyTable?: string;
  /** lock_timeout of the sessions in milliseconds (default 0: none). */
  lockTimeoutMs?: number;
  /** statement_timeout of the sessions in milliseconds (default 0: none). */
  statementTimeoutMs?: number;
  /** application_name the sessions show in pg_stat_activity (default "rebound migrate"). */
  applicationName?: string;
  /** Another database of the same server than the url's (scratch databases). */
  database?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** SQLSTATEs the runner treats as busy (retried while nothing was committed): serialization failure, deadlock, lock_not_available, connection exceptions (class 08). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code === '40001' || code === '40P01' || code === '55P03' || code.startsWith('08') || code === 'ECONNREFUSED' || code === 'ECONNRESET';
}

/** A pg error as an Error whose message holds no url secrets, keeping `code` (SQLSTATE) and the original as `cause`. */
export function cleanError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(redactMessage(String(error)));
  const clean = redactMessage(error.message);
  if (clean === error.message) return error;
  const e = new Error(clean, { cause: error });
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) (e as { code?: unknown }).code = code;
  return e;
}

/**
 * The connections to a PostgreSQL target (node-postgres): `work` runs migrations and reads,
 * `session` holds the advisory lock for the length of a run. Both connect on first use; the
 * password comes from the environment (PGPASSWORD, ~/.pgpass: node-postgres reads them) or from
 * `${env:NAME}` in the url.
 */
export class PostgresConnection {
  readonly names: { history: string; journal: string; runs: string; lock: string };
  /** Rebound's own tables, lower-cased: they are not part of the user's schema. */
  readonly own: Set<string>;
  readonly location: string;
  private work: pg.Client | undefined;
  private session: pg.Client | undefined;
  private metadataReady = false;

  constructor(readonly options: PostgresTargetOptions) {
    const table = options.historyTable ?? 'rebound_migrations';
    if (!IDENTIFIER.test(table)) throw new RangeError(`historyTable must be a plain identifier, got ${JSON.stringify(table)}`);
    this.names = { history: table, journal: `${table}_journal`, runs: `${table}_runs`, lock: `${table}_lock` };
    this.own = new Set(Object.values(this.names).map((n) => n.toLowerCase()));
    this.location = redactUrl(options.url);
  }

  q(name: keyof PostgresConnection['names']): string {
    return `"${this.names[name]}"`;
  }

  /** The advisory lock key: from the database name and the history table (two runners of one table contend, other tables do not). */
  lockKey(database: string): string {
    const h = createHash('sha256').update(`rebound\u0000${database}\u0000${this.names.history}`).digest();
    return h.readBigInt64BE(0).toString();
  }

  private async open(): Promise<pg.Client> {
    let connectionString = expandUrl(this.options.url);
    if (this.options.database !== undefined) {
      const u = new URL(connectionString);
      u.pathname = `/${encodeURIComponent(this.options.database)}`;
      connectionString = u.toString();
    }
    const client = new pg.Client({ connectionString, application_name: this.options.applicationName ?? 'rebound migrate' });
    // A connection that breaks later must not crash the process with an unhandled 'error' event.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`SET lock_timeout = ${Math.max(0, Math.floor(this.options.lockTimeoutMs ?? 0))}`);
      await client.query(`SET statement_timeout = ${Math.max(0, Math.floor(this.options.statementTimeoutMs ?? 0))}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw cleanError(err);
    }
    return client;
  }

  async client(): Promise<pg.Client> {
    if (!this.work) this.work = await this.open();
    return this.work;
  }

  async lockSession(): Promise<pg.Client> {
    if (!this.session) this.session = await this.open();
    return this.session;
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const c = await this.client();
    try {
      return await c.query<R>(sql, values);
    } catch (err) {
      throw cleanError(err);
    }
  }

  /** Whether the database can be reached (it exists); false when the server says it does not exist (3D000). */
  async exists(): Promise<boolean> {
    try {
      await this.client();
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '3D000') return false;
      throw err;
    }
  }

  async hasMetadata(): Promise<boolean> {
    if (this.metadataReady) return true;
    if (!(await this.exists())) return false;
    const r = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ANY($1)`, [Object.values(this.names)]);
    if (r.rows[0].n === 4) this.metadataReady = true;
    return r.rows[0].n > 0;
  }

  async ensureMetadata(): Promise<void> {
    if (this.metadataReady) return;
    const c = await this.client();
    try {
      await c.query('BEGIN');
      // Two runners creating the tables at once would collide in pg_type: one at a time.
      await c.query('SELECT pg_advisory_xact_lock($1)', [this.lockKey('metadata')]);
      await c.query(`
        CREATE TABLE IF NOT EXISTS ${this.q('history')} (
          version BIGINT PRIMARY KEY, name TEXT NOT NULL, file_name TEXT NOT NULL, checksum TEXT NOT NULL,
          up_checksum TEXT NOT NULL, source TEXT NOT NULL, up_sql TEXT NOT NULL, down_sql TEXT,
          no_transaction BOOLEAN NOT NULL DEFAULT false, applied_at BIGINT NOT NULL, applied_by TEXT NOT NULL,
          duration_ms BIGINT NOT NULL, success BOOLEAN NOT NULL, schema_before TEXT NOT NULL, schema_after TEXT, error TEXT);
        CREATE TABLE IF NOT EXISTS ${this.q('journal')} (
          id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, run_id TEXT NOT NULL, version BIGINT NOT NULL,
          direction TEXT NOT NULL, state TEXT NOT NULL, no_transaction BOOLEAN NOT NULL, statements_done INTEGER NOT NULL,
          statement_count INTEGER NOT NULL, sql TEXT NOT NULL, schema_before TEXT NOT NULL, schema_objects_before TEXT,
          error TEXT, started_at BIGINT NOT NULL, finished_at BIGINT);
        CREATE TABLE IF NOT EXISTS ${this.q('runs')} (
          run_id TEXT PRIMARY KEY, command TEXT NOT NULL, owner TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
          started_at BIGINT NOT NULL, finished_at BIGINT, state TEXT NOT NULL, detail TEXT);
        CREATE TABLE IF NOT EXISTS ${this.q('lock')} (
          id INTEGER PRIMARY KEY CHECK (id = 1), owner_id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
          "user" TEXT NOT NULL, command TEXT NOT NULL, acquired_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL,
          expiry_ms BIGINT NOT NULL, backend_pid INTEGER, work_pid INTEGER, work_started TIMESTAMPTZ);
        ALTER TABLE ${this.q('lock')} ADD COLUMN IF NOT EXISTS work_pid INTEGER, ADD COLUMN IF NOT EXISTS work_started TIMESTAMPTZ;
      `);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw cleanError(err);
    }
    this.metadataReady = true;
  }

  forgetMetadata(): void {
    this.metadataReady = false;
  }

  isBusy(error: unknown): boolean {
    return isBusyError(error);
  }

  /** Closes both connections (the session's advisory lock goes with it). */
  async close(): Promise<void> {
    const clients = [this.work, this.session];
    this.work = undefined;
    this.session = undefined;
    this.metadataReady = false;
    await Promise.all(clients.map((c) => c?.end().catch((err: unknown) => void message(err))));
  }
}
