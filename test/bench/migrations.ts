import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMigration } from '../../src/engine/migrations';
import pg from 'pg';
import { Migrator, PostgresTarget, SnapshotStore, SqliteTarget } from '../../src/runner/migrations';
import { canConnect } from '../../src/runner/migrations/postgresTarget';
import { redactUrl } from '../../src/runner/migrations/postgres/url';
import { startTestPostgres } from '../harness/postgres';
import { sqlite } from '../../src/store/sqlite';

/**
 * Applying 1,000 small migrations to an empty SQLite file: Rebound (lock row, checksums, history
 * with applied SQL and schema hashes, statement journal, a snapshot before the run, each migration
 * in BEGIN IMMEDIATE with foreign_key_check) against knex's migrator (client better-sqlite3, a
 * transaction per migration, its lock table) and umzug (a storage table in the same database, each
 * migration given a transaction), all reading the same .sql files. Same machine, same run;
 * five rounds, rotating which tool goes first. Then the PostgreSQL case (Rebound vs knex), or a
 * line saying why it was skipped.
 */
export async function run(report: (line: string) => void): Promise<void> {
  const count = Number(process.env.REBOUND_BENCH_MIGRATIONS ?? 1000);
  const rounds = Number(process.env.REBOUND_BENCH_ROUNDS ?? 5);
  const root = mkdtempSync(join(tmpdir(), 'rebound-bench-mig-'));
  try {
    const dir = join(root, 'migrations');
    mkdirSync(dir);
    writeMigrations(dir, count);
    const tools: Array<[string, (file: string) => Promise<void>]> = [
      ['rebound', (file) => runRebound(dir, file, join(root, 'snapshots'))],
      ['knex', (file) => runKnex(dir, file)],
      ['umzug', (file) => runUmzug(dir, file)],
    ];
    const times = new Map<string, number[]>(tools.map(([n]) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < tools.length; k++) {
        const [name, fn] = tools[(k + r) % tools.length];
        const file = join(root, `${name}-${r}.db`);
        const started = process.hrtime.bigint();
        await fn(file);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        verify(file, name, count);
        times.get(name)!.push(ms);
        for (const s of ['', '-journal', '-wal', '-shm']) rmSync(file + s, { force: true });
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const best = (xs: number[]) => Math.min(...xs);
    report(`migrations: ${count} small migrations on an empty SQLite file, ${rounds} round(s) each (best and median; the machine is shared, so best is the steadier figure)`);
    for (const [name] of tools) {
      const t = times.get(name)!;
      report(
        `  ${name.padEnd(8)} best ${best(t).toFixed(0).padStart(6)} ms (${(best(t) / count).toFixed(2)} ms/migration), median ${median(t).toFixed(0).padStart(6)} ms; rounds: ${t.map((x) => x.toFixed(0)).join(', ')}`,
      );
    }
    const ratio = (name: string, f: (xs: number[]) => number) => (f(times.get(name)!) / f(times.get('rebound')!)).toFixed(2);
    report(`  ratio knex/rebound ${ratio('knex', best)}x best, ${ratio('knex', median)}x median; umzug/rebound ${ratio('umzug', best)}x best, ${ratio('umzug', median)}x median (above 1: Rebound is faster)`);
    const pgDir = join(root, 'migrations-pg');
    mkdirSync(pgDir);
    writeMigrations(pgDir, count, 'postgres');
    await runPostgresCase(pgDir, count, report);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The same migration files applied to a fresh PostgreSQL database (CREATE DATABASE per round) by
 * Rebound (PostgresTarget: advisory lock and its row, history with applied SQL and catalog schema
 * hashes, journal, consecutive migrations in one transaction with a savepoint each) and by knex's
 * migrator (client pg, a transaction per migration, its lock table), on the same server, in this
 * run. The server: REBOUND_BENCH_PG_URL (a superuser or a role with CREATEDB), else a throwaway one
 * (test/harness/postgres, always stopped); when neither is available the case says so and is skipped.
 */
async function runPostgresCase(dir: string, count: number, report: (line: string) => void): Promise<void> {
  const rounds = Number(process.env.REBOUND_BENCH_PG_ROUNDS ?? 3);
  let server: { url: string; stop(): void } | undefined;
  try {
    const given = process.env.REBOUND_BENCH_PG_URL;
    if (given) {
      if (!(await canConnect(given))) {
        report(`migrations on PostgreSQL: skipped, REBOUND_BENCH_PG_URL (${redactUrl(given)}) is not reachable`);
        return;
      }
      server = { url: given, stop: () => undefined };
    } else {
      server = await startTestPostgres().catch((err: unknown) => {
        report(`migrations on PostgreSQL: skipped, no PostgreSQL reachable (starting a throwaway server failed: ${(err as Error).message.split('\n')[0]})`);
        return undefined;
      });
      if (!server) {
        report('migrations on PostgreSQL: skipped, no PostgreSQL reachable (set REBOUND_BENCH_PG_URL, or install postgresql for a throwaway server)');
        return;
      }
    }
  } catch (err) {
    report(`migrations on PostgreSQL: skipped (${(err as Error).message})`);
    return;
  }
  const base = server.url;
  const urlOf = (name: string) => {
    const u = new URL(base);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  try {
    const tools: Array<[string, (url: string) => Promise<void>]> = [
      ['rebound', (url) => runReboundPostgres(dir, url)],
      ['knex', (url) => runKnexPostgres(dir, url)],
    ];
    const times = new Map<string, number[]>(tools.map(([n]) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < tools.length; k++) {
        const [name, fn] = tools[(k + r) % tools.length];
        const db = `bench_${name}_${r}_${process.pid}`;
        await admin(`CREATE DATABASE "${db}"`);
        try {
          const started = process.hrtime.bigint();
          await fn(urlOf(db));
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          await verifyPostgres(urlOf(db), name, count);
          times.get(name)!.push(ms);
        } finally {
          await admin(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const best = (xs: number[]) => Math.min(...xs);
    report(`migrations on PostgreSQL: ${count} small migrations on an empty database, ${rounds} round(s) each, same server (best and median)`);
    for (const [name] of tools) {
      const t = times.get(name)!;
      report(
        `  ${name.padEnd(8)} best ${best(t).toFixed(0).padStart(6)} ms (${(best(t) / count).toFixed(2)} ms/migration), median ${median(t).toFixed(0).padStart(6)} ms; rounds: ${t.map((x) => x.toFixed(0)).join(', ')}`,
      );
    }
    const ratio = (f: (xs: number[]) => number) => (f(times.get('knex')!) / f(times.get('rebound')!)).toFixed(2);
    report(`  ratio knex/rebound ${ratio(best)}x best, ${ratio(median)}x median (above 1: Rebound is faster)`);
  } finally {
    server.stop();
  }
}

async function runReboundPostgres(dir: string, url: string): Promise<void> {
  const target = new PostgresTarget({ url });
  const migrator = new Migrator({ target, migrationsDir: dir, database: 'bench' });
  try {
    await migrator.up();
  } finally {
    await target.close();
  }
}

async function runKnexPostgres(dir: string, url: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const knexFactory = require('knex') as typeof import('knex').knex;
  const knex = knexFactory({ client: 'pg', connection: url });
  try {
    await knex.migrate.latest({ migrationSource: sqlMigrationSource(dir) });
  } finally {
    await knex.destroy();
  }
}

/** Every tool must have built the same schema: count the tables and indexes. */
async function verifyPostgres(url: string, tool: string, count: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'")).rows[0].n;
    const indexes = (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public' AND indexname ~ '^t[0-9]+_name$'")).rows[0].n;
    const expectTables = Math.ceil(count / 3);
    const expectIndexes = Math.floor((count + 1) / 3);
    if (tables !== expectTables || indexes !== expectIndexes) {
      throw new Error(`${tool} built ${tables} tables and ${indexes} indexes on PostgreSQL, expected ${expectTables} and ${expectIndexes}`);
    }
  } finally {
    await c.end();
  }
}

/** Tables, indexes and added columns in turn, each with its down section (PostgreSQL: a SERIAL key instead of SQLite's rowid alias). */
function writeMigrations(dir: string, count: number, engine: 'sqlite' | 'postgres' = 'sqlite'): void {
  const id = engine === 'postgres' ? 'id SERIAL PRIMARY KEY' : 'id INTEGER PRIMARY KEY';
  for (let i = 1; i <= count; i++) {
    const t = `t${Math.ceil(i / 3)}`;
    let up: string;
    let down: string;
    if (i % 3 === 1) {
      up = `CREATE TABLE ${t} (${id}, name TEXT NOT NULL, n INTEGER);\nINSERT INTO ${t} (name, n) VALUES ('first', ${i});`;
      down = `DROP TABLE ${t};`;
    } else if (i % 3 === 2) {
      up = `CREATE INDEX ${t}_name ON ${t}(name);`;
      down = `DROP INDEX ${t}_name;`;
    } else {
      up = `ALTER TABLE ${t} ADD COLUMN note TEXT;`;
      down = `ALTER TABLE ${t} DROP COLUMN note;`;
    }
    writeFileSync(join(dir, `${String(i).padStart(4, '0')}_step_${i}.sql`), `-- rebound:up\n${up}\n\n-- rebound:down\n${down}\n`);
  }
}

function statementsOf(file: string, section: 'up' | 'down'): string[] {
  return parseMigration(readFileSync(file, 'utf8'))[section]?.statements.map((s) => s.text) ?? [];
}

function sqlFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
}

async function runRebound(dir: string, file: string, snapshots: string): Promise<void> {
  const target = new SqliteTarget({ file });
  const migrator = new Migrator({ target, migrationsDir: dir, database: 'bench', snapshots: new SnapshotStore(snapshots, 2) });
  try {
    await migrator.up();
  } finally {
    target.close();
  }
}

async function runKnex(dir: string, file: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const knexFactory = require('knex') as typeof import('knex').knex;
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
  try {
    await knex.migrate.latest({ migrationSource: sqlMigrationSource(dir) });
  } finally {
    await knex.destroy();
  }
}

/** knex's migration source over the .sql files: their up and down statements run through knex.raw. */
function sqlMigrationSource(dir: string) {
  return {
    getMigrations: async () => sqlFiles(dir),
    getMigrationName: (m: string) => m,
    getMigration: async (m: string) => {
      const up = statementsOf(join(dir, m), 'up');
      const down = statementsOf(join(dir, m), 'down');
      return {
        up: async (k: import('knex').Knex) => {
          for (const s of up) await k.raw(s);
        },
        down: async (k: import('knex').Knex) => {
          for (const s of down) await k.raw(s);
        },
      };
    },
  };
}

async function runUmzug(dir: string, file: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Umzug } = require('umzug') as typeof import('umzug');
  const Database = sqlite();
  const db = new Database(file);
  try {
    db.exec('CREATE TABLE IF NOT EXISTS umzug_meta (name TEXT PRIMARY KEY)');
    const umzug = new Umzug({
      migrations: {
        glob: ['*.sql', { cwd: dir }],
        resolve: ({ name, path }) => {
          const up = statementsOf(path!, 'up');
          const down = statementsOf(path!, 'down');
          return {
            name,
            up: async () => db.transaction(() => up.forEach((s) => db.exec(s)))(),
            down: async () => db.transaction(() => down.forEach((s) => db.exec(s)))(),
          };
        },
      },
      storage: {
        logMigration: async ({ name }) => void db.prepare('INSERT INTO umzug_meta (name) VALUES (?)').run(name),
        unlogMigration: async ({ name }) => void db.prepare('DELETE FROM umzug_meta WHERE name = ?').run(name),
        executed: async () => (db.prepare('SELECT name FROM umzug_meta ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name),
      },
      logger: undefined,
    });
    await umzug.up();
  } finally {
    db.close();
  }
}

/** Every tool must have built the same schema: count the tables, indexes and added columns. */
function verify(file: string, tool: string, count: number): void {
  const Database = sqlite();
  const db = new Database(file, { readonly: true });
  try {
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'").get() as { n: number }).n;
    const indexes = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name GLOB 't[0-9]*_name'").get() as { n: number }).n;
    const expectTables = Math.ceil(count / 3);
    const expectIndexes = Math.floor((count + 1) / 3);
    if (tables !== expectTables || indexes !== expectIndexes) {
      throw new Error(`${tool} built ${tables} tables and ${indexes} indexes, expected ${expectTables} and ${expectIndexes}`);
    }
  } finally {
    db.close();
  }
}
