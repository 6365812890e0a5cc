import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileSqlite, type Database, type Statement } from '../../../store/sqlite';

export interface SqliteTargetOptions {
  file: string;
  /** History table name; the journal, runs and lock tables add `_journal`, `_runs`, `_lock` (default rebound_migrations). */
  historyTable?: string;
  /** busy_timeout in milliseconds (default 5000). */
  busyTimeoutMs?: number;
}

export const DEFAULT_HISTORY_TABLE = 'rebound_migrations';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The connection to a SQLite target (better-sqlite3), opened on first use, with its prepared
 * statements, the names of Rebound's own tables and their creation.
 */
export class SqliteConnection {
  readonly file: string;
  readonly names: { history: string; journal: string; runs: string; lock: string };
  /** Rebound's own tables, lower-cased: they are not part of the user's schema. */
  readonly own: Set<string>;
  private connection: Database | undefined;
  private metadataReady = false;
  private readonly busyTimeoutMs: number;
  private readonly statements = new Map<string, Statement>();

  constructor(readonly options: SqliteTargetOptions) {
    this.file = options.file;
    const table = options.historyTable ?? DEFAULT_HISTORY_TABLE;
    if (!IDENTIFIER.test(table)) throw new RangeError(`historyTable must be a plain identifier, got ${JSON.stringify(table)}`);
    this.names = { history: table, journal: `${table}_journal`, runs: `${table}_runs`, lock: `${table}_lock` };
    this.own = new Set(Object.values(this.names).map((n) => n.toLowerCase()));
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  /** The open connection (opened, and the file created, on first use). */
  get db(): Database {
    if (!this.connection) {
      if (this.options.file !== ':memory:') mkdirSync(dirname(this.options.file), { recursive: true });
      const Database = fileSqlite();
      const db = new Database(this.options.file);
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
      this.connection = db;
    }
    return this.connection;
  }

  /** A prepared statement, prepared once per connection (SQLite re-prepares it after schema changes). */
  cached(sql: string): Statement {
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

  q(name: keyof SqliteConnection['names']): string {
    return `"${this.names[name]}"`;
  }

  hasMetadata(): boolean {
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

  /** The tables may have changed under the connection (a restore): look again next time. */
  forgetMetadata(): void {
    this.metadataReady = false;
  }

  foreignKeysOn(): boolean {
    return this.db.pragma('foreign_keys', { simple: true }) === 1;
  }

  isBusy(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
  }

  close(): void {
    this.statements.clear();
    this.connection?.close();
    this.connection = undefined;
    this.metadataReady = false;
  }
}
