/**
 * What the PostgreSQL crash campaign and race share: a throwaway server (test/harness/postgres),
 * a workspace whose config names a database on it, a fresh database per run, reference schema
 * hashes from a replay of the fixture's files into a new database, and an independent check of a
 * target database (history, journal, lock row, advisory lock, invalid indexes, schema hash).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseMigration } from '../../src/engine/migrations';
import { PostgresTarget } from '../../src/runner/migrations';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { crashFixturePostgres, type FixtureMigration } from './migrationsFixture';

export interface PgServer {
  /** The server's admin url (database postgres). */
  url: string;
  /** The url of database `name` on it. */
  urlOf(name: string): string;
  /** Runs SQL on database `db` (default: postgres) through a short-lived connection. */
  exec<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[], db?: string): Promise<R[]>;
  createDatabase(prefix: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): void;
}

/** REBOUND_TEST_PG_URL's server when set (not stopped), else a throwaway one started here (always stopped). */
export async function startPgServer(): Promise<PgServer> {
  let server: TestPostgres | undefined;
  let url = process.env.REBOUND_TEST_PG_URL;
  if (!url) {
    server = await startTestPostgres();
    if (!server) throw new Error('No PostgreSQL: install postgresql (initdb) or set REBOUND_TEST_PG_URL');
    url = server.url;
  }
  const base = url;
  const urlOf = (name: string) => {
    const u = new URL(base);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const exec = async <R extends pg.QueryResultRow>(sql: string, values?: unknown[], db?: string): Promise<R[]> => {
    const c = new pg.Client({ connectionString: db ? urlOf(db) : base });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query<R>(sql, values)).rows;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  return {
    url: base,
    urlOf,
    exec,
    async createDatabase(prefix) {
      const name = `${prefix}_${randomBytes(5).toString('hex')}`;
      await exec(`CREATE DATABASE "${name}"`);
      return name;
    },
    async dropDatabase(name) {
      await exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    stop: () => server?.stop(),
  };
}

export interface PgWorkspace {
  root: string;
  migrations: FixtureMigration[];
  /** Points `databases.app.url` at database `name`. */
  useDatabase(name: string): void;
  dispose(): void;
}

/** A temp workspace with `.rebound/config.json` naming PostgreSQL database `app` and the fixture's migrations. */
export function createPgWorkspace(server: PgServer, options: { scale?: number; count?: number; lock?: Record<string, number>; snapshots?: boolean } = {}): PgWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'rebound-migpg-'));
  mkdirSync(join(root, '.rebound'), { recursive: true });
  mkdirSync(join(root, 'migrations'));
  const migrations = crashFixturePostgres(options.scale ?? 1).slice(0, options.count ?? 30);
  for (const m of migrations) writeFileSync(join(root, 'migrations', m.fileName), m.text);
  return {
    root,
    migrations,
    useDatabase(name) {
      const db: Record<string, unknown> = { url: server.urlOf(name), migrations: 'migrations' };
      if (options.lock) db.lock = options.lock;
      db.snapshots = options.snapshots ? { keep: 3 } : false;
      writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ databases: { app: db } }, null, 2));
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The statements of a fixture file's up section. */
export function upStatements(m: FixtureMigration): string[] {
  return parseMigration(m.text).up?.statements.map((s) => s.text) ?? [];
}

/** The schema hash (Rebound's catalog normal form) of database `name`. */
export async function pgSchemaHash(server: PgServer, name: string): Promise<string> {
  const t = new PostgresTarget({ url: server.urlOf(name) });
  try {
    return await t.schemaHash();
  } finally {
    await t.close();
  }
}

/**
 * The reference: the fixture's files replayed one by one (each statement on its own, outside
 * Rebound) into a new database; hashes[k] is the schema hash after the first k migrations.
 */
export async function referenceHashes(server: PgServer, migrations: FixtureMigration[]): Promise<string[]> {
  const name = await server.createDatabase('rebound_reference');
  const c = new pg.Client({ connectionString: server.urlOf(name) });
  await c.connect();
  const t = new PostgresTarget({ url: server.urlOf(name) });
  try {
    const hashes = [await t.schemaHash()];
    for (const m of migrations) {
      const noTx = /^-- rebound:no-transaction/m.test(m.text);
      if (!noTx) await c.query('BEGIN');
      for (const s of upStatements(m)) await c.query(s);
      if (!noTx) await c.query('COMMIT');
      hashes.push(await t.schemaHash());
    }
    return hashes;
  } finally {
    await t.close();
    await c.end();
    await server.dropDatabase(name);
  }
}

export interface PgCheck {
  ok: boolean;
  problems: string[];
  applied: number[];
  liveHash: string;
}

/**
 * Checks database `name` independently of the migrator: every history row a success, the applied
 * versions a prefix 1..k of the files, each applied once (one committed 'up' journal entry per
 * version), no journal entry left 'running', no lock row and no advisory lock granted in the
 * database, no invalid index, and the live schema hash equal to the reference replay of those k
 * migrations.
 */
export async function checkPgDatabase(server: PgServer, name: string, reference: string[]): Promise<PgCheck> {
  const problems: string[] = [];
  const has = (await server.exec<{ ok: boolean }>(`SELECT to_regclass('rebound_migrations') IS NOT NULL AS ok`, [], name))[0].ok;
  const history = has
    ? await server.exec<{ version: string; success: boolean }>('SELECT version, success FROM rebound_migrations ORDER BY version', [], name)
    : [];
  if (history.some((h) => !h.success)) problems.push('history has failed rows left');
  const applied = history.filter((h) => h.success).map((h) => Number(h.version));
  if (applied.some((v, i) => v !== i + 1)) problems.push(`applied versions are not a prefix: ${applied.join(',')}`);
  if (has) {
    const journal = await server.exec<{ version: string; n: number }>(
      "SELECT version, count(*)::int AS n FROM rebound_migrations_journal WHERE direction = 'up' AND state = 'committed' GROUP BY version ORDER BY version",
      [],
      name,
    );
    const twice = journal.filter((j) => j.n !== 1);
    if (twice.length > 0) problems.push(`applied more than once: ${twice.map((j) => `${j.version} x${j.n}`).join(', ')}`);
    if (journal.length !== applied.length) problems.push(`${journal.length} versions committed in the journal, ${applied.length} in the history`);
    const running = await server.exec<{ n: number }>("SELECT count(*)::int AS n FROM rebound_migrations_journal WHERE state = 'running'", [], name);
    if (running[0].n > 0) problems.push(`${running[0].n} journal entr(ies) still 'running'`);
    const lock = await server.exec<{ n: number }>('SELECT count(*)::int AS n FROM rebound_migrations_lock', [], name);
    if (lock[0].n > 0) problems.push('the lock row is still there');
  }
  const advisory = await server.exec<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1",
    [name],
  );
  if (advisory[0].n > 0) problems.push('an advisory lock is still held');
  const invalid = await server.exec<{ name: string }>('SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid', [], name);
  if (invalid.length > 0) problems.push(`invalid index(es): ${invalid.map((r) => r.name).join(', ')}`);
  const liveHash = await pgSchemaHash(server, name);
  const k = applied.length;
  if (k < reference.length && liveHash !== reference[k]) problems.push(`schema hash ${liveHash.slice(0, 12)} differs from the reference replay of the first ${k} migration(s) (${reference[k].slice(0, 12)})`);
  return { ok: problems.length === 0, problems, applied, liveHash };
}
