import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMigration } from '../../src/engine/migrations';
import { Migrator, SnapshotStore, SqliteTarget } from '../../src/runner/migrations';
import { sqlite } from '../../src/store/sqlite';

/**
 * Applying 1,000 small migrations to an empty SQLite file: Rebound (lock row, checksums, history
 * with applied SQL and schema hashes, statement journal, a snapshot before the run, each migration
 * in BEGIN IMMEDIATE with foreign_key_check) against knex's migrator (client better-sqlite3, a
 * transaction per migration, its lock table) and umzug (a storage table in the same database, each
 * migration given a transaction), all reading the same .sql files. Same machine, same run;
 * five rounds, rotating which tool goes first.
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
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Tables, indexes and added columns in turn, each with its down section. */
function writeMigrations(dir: string, count: number): void {
  for (let i = 1; i <= count; i++) {
    const t = `t${Math.ceil(i / 3)}`;
    let up: string;
    let down: string;
    if (i % 3 === 1) {
      up = `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER);\nINSERT INTO ${t} (name, n) VALUES ('first', ${i});`;
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
    await knex.migrate.latest({
      migrationSource: {
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
      },
    });
  } finally {
    await knex.destroy();
  }
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
