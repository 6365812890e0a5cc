import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresTarget, SqliteTarget, type MigrationTarget } from '../../../../src/runner/migrations';
import { PG_URL_ENV, startTestPostgres, type TestPostgres } from '../../../harness/postgres';

/** One engine the migration suites run on: a fresh database per test, targets on it, its config entry. */
export interface Engine {
  name: 'sqlite' | 'postgres';
  /** A fresh database (a file in `root`, or CREATE DATABASE t_<random>); returns how to reach it. */
  fresh(root: string): Promise<EngineDb>;
}

export interface EngineDb {
  target(): MigrationTarget;
  /** The `databases.NAME` entry of config.json (without `migrations`). */
  config: { path: string } | { url: string };
  /** Runs SQL on the database outside Rebound (a second connection). */
  exec(sql: string): Promise<unknown[]>;
  dispose(): Promise<void>;
}

export const sqliteEngine: Engine = {
  name: 'sqlite',
  async fresh(root) {
    const file = `${root}/app.db`;
    const opened: SqliteTarget[] = [];
    return {
      target: () => {
        const t = new SqliteTarget({ file, busyTimeoutMs: 200 });
        opened.push(t);
        return t;
      },
      config: { path: 'app.db' },
      exec: async (sql) => {
        const t = new SqliteTarget({ file });
        try {
          if (/^\s*select\b/i.test(sql)) return t.db.prepare(sql).all();
          t.db.exec(sql);
          return [];
        } finally {
          t.close();
        }
      },
      dispose: async () => {
        for (const t of opened) t.close();
      },
    };
  },
};

let server: TestPostgres | undefined;

/** The PostgreSQL server of the run (REBOUND_TEST_PG_URL from the harness), or one started for this process. */
export async function postgresUrl(): Promise<string> {
  const url = process.env[PG_URL_ENV];
  if (url) return url;
  server ??= await startTestPostgres();
  if (!server) throw new Error(`No PostgreSQL for the tests: set ${PG_URL_ENV} or install postgresql`);
  process.env[PG_URL_ENV] = server.url;
  return server.url;
}

export const postgresEngine: Engine = {
  name: 'postgres',
  async fresh() {
    const base = await postgresUrl();
    const name = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    const url = u.toString();
    const opened: PostgresTarget[] = [];
    return {
      target: () => {
        const t = new PostgresTarget({ url });
        opened.push(t);
        return t;
      },
      config: { url },
      exec: async (sql) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          return (await c.query(sql)).rows;
        } finally {
          await c.end();
        }
      },
      dispose: async () => {
        for (const t of opened) await t.close();
        const a = new pg.Client({ connectionString: base });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await a.end();
      },
    };
  },
};

export const ENGINES: Engine[] = [sqliteEngine, postgresEngine];
