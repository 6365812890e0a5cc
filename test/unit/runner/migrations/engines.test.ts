import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isLockError, isMigrationError, isRollbackError } from '../../../../src/engine/errors';
import { Migrator, type MigrationTarget } from '../../../../src/runner/migrations';
import { ENGINES, type EngineDb } from './engines';
import { migration } from './helpers';

const CLI = resolve(__dirname, '..', '..', '..', '..', 'src', 'cli', 'main.js');

for (const engine of ENGINES) {
  describe(`migrations on ${engine.name} (real database)`, function () {
    this.timeout(60_000);
    let root: string;
    let dir: string;
    let db: EngineDb;
    const migrator = (target: MigrationTarget = db.target()) => new Migrator({ target, migrationsDir: dir, database: 'app', scratchDir: root, lock: { waitMs: 0 } });
    const write = (f: string, text: string) => writeFileSync(join(dir, f), text);
    const userTables = async () =>
      (engine.name === 'sqlite'
        ? await db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'rebound_%' ORDER BY name")
        : await db.exec("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'rebound_%' ORDER BY 1")
      ).map((r) => (r as { name: string }).name);

    beforeEach(async () => {
      root = mkdtempSync(join(tmpdir(), `rebound-eng-${engine.name}-`));
      dir = join(root, 'migrations');
      mkdirSync(dir);
      db = await engine.fresh(root);
      write('0001_users.sql', migration(['CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)', 'CREATE INDEX users_name ON users(name)'], ['DROP INDEX users_name', 'DROP TABLE users']));
      write('0002_posts.sql', migration(['CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id))', 'ALTER TABLE users ADD COLUMN email TEXT'], ['ALTER TABLE users DROP COLUMN email', 'DROP TABLE posts']));
    });
    afterEach(async () => {
      await db.dispose();
      rmSync(root, { recursive: true, force: true });
    });

    it('up, status, down verified against the recorded schema, up again', async () => {
      const m = migrator();
      assert.deepEqual((await m.status()).entries.map((e) => e.state), ['pending', 'pending']);
      const r = await m.up();
      assert.deepEqual(r.steps.map((s) => s.version), [1, 2]);
      assert.deepEqual(await userTables(), ['posts', 'users']);
      const s = await m.status();
      assert.deepEqual(s.entries.map((e) => e.state), ['applied', 'applied']);
      assert.equal(s.drift, false);
      assert.equal((await m.validate()).ok, true);
      assert.equal((await m.down({ to: 0 })).to, 0);
      assert.deepEqual(await userTables(), []);
      assert.equal((await m.up()).to, 2);
      assert.equal((await m.testRollback()).ok, true);
    });

    it('a down that does not undo its up is refused by rollback verification; drift is reported', async () => {
      write('0003_tags.sql', migration(['CREATE TABLE tags (id INTEGER PRIMARY KEY)', 'CREATE TABLE tags2 (id INTEGER)'], ['DROP TABLE tags']));
      const m = migrator();
      await m.up();
      await assert.rejects(m.down(), (e: Error) => isRollbackError(e) && /does not match/.test(e.message));
      assert.deepEqual(await userTables(), ['posts', 'tags', 'tags2', 'users'], 'the refused rollback left everything');
      await db.exec('CREATE TABLE outside (id INTEGER)');
      assert.equal((await m.status()).drift, true);
      assert.equal((await m.validate()).ok, false);
    });

    it('a failing migration keeps the ones before it and nothing of itself', async () => {
      write('0003_bad.sql', migration(['CREATE TABLE tags (id INTEGER)', 'INSERT INTO nowhere VALUES (1)'], ['DROP TABLE tags']));
      const m = migrator();
      await assert.rejects(m.up(), (e: Error) => isMigrationError(e) && /failed at statement 2 of 2/.test(e.message));
      assert.deepEqual(await userTables(), ['posts', 'users']);
      assert.deepEqual((await m.status()).entries.map((e) => e.state), ['applied', 'applied', 'failed']);
    });

    it('a statement that cannot run in a transaction is refused unless the file is marked no-transaction', async () => {
      const outside = engine.name === 'sqlite' ? 'VACUUM' : 'CREATE INDEX CONCURRENTLY users_email ON users(email)';
      const down = engine.name === 'sqlite' ? ['DROP TABLE x'] : ['DROP INDEX CONCURRENTLY users_email', 'DROP TABLE x'];
      write('0003_outside.sql', migration(['CREATE TABLE x (a INTEGER)', outside], down));
      const m = migrator();
      await assert.rejects(m.up(), (e: Error) => isMigrationError(e) && /cannot run inside a transaction/.test(e.message));
      assert.deepEqual(await userTables(), []);
      write('0003_outside.sql', migration(['CREATE TABLE x (a INTEGER)', outside], down, true));
      assert.equal((await m.up()).to, 3);
      const journal = await db.target().readJournal();
      assert.ok(journal.some((j) => j.version === 3 && j.noTransaction && j.state === 'committed' && j.statementsDone === 2));
      assert.equal((await m.down()).to, 2);
    });

    it('one runner at a time: a second one gets a LockError naming the holder; status shows it', async () => {
      const other = migrator();
      const blocker = migrator(db.target());
      const lock = (blocker as unknown as { core: { newLock(c: string): { acquire(): Promise<void>; release(): Promise<void> } } }).core.newLock('up');
      await lock.acquire();
      const status = await other.status();
      assert.ok(status.lock, 'status shows the holder');
      assert.equal(status.lock.command, 'migrate up');
      assert.equal(status.lock.stale, undefined);
      if (engine.name === 'postgres') assert.ok(status.lock.session && status.lock.session.backendPid > 0, 'with its session from pg_stat_activity');
      await assert.rejects(other.up(), (e: Error) => isLockError(e) && /held by/.test(e.message) && /migrate up/.test(e.message));
      await lock.release();
      assert.equal((await other.up()).to, 2);
    });

    it('a lock wait shorter than one attempt ends in the LockError naming the holder, not a timeout; the attempt keeps nothing', async () => {
      const blocker = migrator(db.target());
      const lock = (blocker as unknown as { core: { newLock(c: string): { acquire(): Promise<void>; release(): Promise<void> } } }).core.newLock('up');
      await lock.acquire();
      // 1 ms: on PostgreSQL an attempt (a few round trips) outlasts the wait, which used to end it in RB-TIMEOUT-001.
      const short = new Migrator({ target: db.target(), migrationsDir: dir, database: 'app', scratchDir: root, lock: { waitMs: 1 } });
      await assert.rejects(short.up(), (e: Error) => isLockError(e) && e.code === 'RB-LOCK-MIGRATE' && /held by/.test(e.message));
      await lock.release();
      const status = await migrator().status();
      assert.equal(status.lock, undefined, 'the abandoned attempt left no lock');
      assert.equal((await migrator().up()).to, 2);
    });
  });
}

describe('migrations on postgres: recover after the CLI is killed mid-run (SIGKILL)', function () {
  this.timeout(60_000);
  it('a no-transaction migration killed after its first statement is reverted by `migrate recover`', async () => {
    const engine = ENGINES.find((e) => e.name === 'postgres')!;
    const root = mkdtempSync(join(tmpdir(), 'rebound-pgkill-'));
    const db = await engine.fresh(root);
    try {
      mkdirSync(join(root, '.rebound'));
      mkdirSync(join(root, 'migrations'));
      writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ databases: { app: { ...db.config, migrations: 'migrations', snapshots: false } } }));
      writeFileSync(join(root, 'migrations', '0001_a.sql'), migration(['CREATE TABLE a (id INTEGER)'], ['DROP TABLE a']));
      writeFileSync(join(root, 'migrations', '0002_b.sql'), migration(['CREATE TABLE b (id INTEGER)', 'SELECT pg_sleep(60)', 'CREATE TABLE c (id INTEGER)'], ['DROP TABLE c', 'DROP TABLE b'], true));
      const child = spawn(process.execPath, [CLI, '-C', root, 'migrate', 'up'], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      // Kill once the journal says the first statement of 0002 committed (the second one sleeps).
      for (;;) {
        const rows = (await db.exec(`SELECT to_regclass('rebound_migrations_journal') IS NOT NULL AS ok`)) as Array<{ ok: boolean }>;
        if (rows[0].ok) {
          const j = (await db.exec('SELECT statements_done FROM rebound_migrations_journal WHERE version = 2')) as Array<{ statements_done: number }>;
          if (j[0]?.statements_done === 1) break;
        }
        await new Promise((r) => setImmediate(r));
      }
      child.kill('SIGKILL');
      await exited;
      const recover = spawn(process.execPath, [CLI, '-C', root, 'migrate', 'recover', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      recover.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise((r) => recover.once('exit', r));
      const report = JSON.parse(out) as { ok: boolean; reverted: Array<{ version: number; direction: string }>; brokenLocks: unknown[]; problems: string[] };
      assert.equal(code, 0, out);
      assert.equal(report.ok, true, report.problems.join('; '));
      assert.deepEqual(report.reverted.map((r) => r.version), [2]);
      assert.equal(report.brokenLocks.length, 1, 'the dead runner\'s lock row was replaced: PostgreSQL had released its advisory lock');
      const tables = ((await db.exec("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'rebound_%' ORDER BY 1")) as Array<{ tablename: string }>).map((r) => r.tablename);
      assert.deepEqual(tables, ['a'], 'statement 1 of 0002 was undone; 0001 stays');
    } finally {
      await db.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('migrations on postgres: recover after the CLI is killed inside CREATE INDEX CONCURRENTLY (SIGKILL)', function () {
  this.timeout(60_000);
  it('the dead runner\'s statement is ended and the index it was building dropped; the migration is pending again', async () => {
    const engine = ENGINES.find((e) => e.name === 'postgres')!;
    const root = mkdtempSync(join(tmpdir(), 'rebound-pgcic-'));
    const db = await engine.fresh(root);
    try {
      mkdirSync(join(root, '.rebound'));
      mkdirSync(join(root, 'migrations'));
      writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ databases: { app: { ...db.config, migrations: 'migrations', snapshots: false } } }));
      // slow(): 0.5 s a row, so building an index on it over 40 rows takes 20 s.
      writeFileSync(
        join(root, 'migrations', '0001_a.sql'),
        migration(
          [
            "CREATE FUNCTION slow(x INTEGER) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS 'SELECT x + 0 * length(pg_sleep(0.5)::text)'",
            'CREATE TABLE a (id INTEGER)',
            'INSERT INTO a SELECT g FROM generate_series(1, 40) g',
          ],
          ['DROP TABLE a', 'DROP FUNCTION slow(INTEGER)'],
        ),
      );
      // The index goes on a table of an earlier migration: undoing 0002's journaled statements does not drop it.
      writeFileSync(
        join(root, 'migrations', '0002_b.sql'),
        migration(['CREATE TABLE b (id INTEGER)', 'CREATE INDEX CONCURRENTLY a_slow ON a ((slow(id)))', 'CREATE TABLE c (id INTEGER)'], ['DROP TABLE c', 'DROP INDEX CONCURRENTLY a_slow', 'DROP TABLE b'], true),
      );
      const child = spawn(process.execPath, [CLI, '-C', root, 'migrate', 'up'], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      // Kill once the index is in the catalog (CONCURRENTLY commits it invalid first) and being built.
      for (;;) {
        const rows = (await db.exec(`SELECT to_regclass('a_slow') IS NOT NULL AS ok`)) as Array<{ ok: boolean }>;
        if (rows[0].ok) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGKILL');
      await exited;
      const building = async () =>
        ((await db.exec("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY a_slow%' AND state = 'active'")) as Array<{ n: number }>)[0].n;
      assert.equal(await building(), 1, 'PostgreSQL carries on the dead client\'s statement');
      const recover = spawn(process.execPath, [CLI, '-C', root, 'migrate', 'recover', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      recover.stdout.on('data', (d: Buffer) => (out += d.toString()));
      recover.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise((r) => recover.once('exit', r));
      assert.equal(code, 0, `${out}${err}`);
      const report = JSON.parse(out) as { ok: boolean; reverted: Array<{ version: number }>; problems: string[] };
      assert.equal(report.ok, true, report.problems.join('; '));
      assert.deepEqual(report.reverted.map((r) => r.version), [2]);
      assert.equal(await building(), 0, 'the orphaned CREATE INDEX was ended');
      assert.deepEqual(await db.exec(`SELECT to_regclass('a_slow') AS i, to_regclass('b') AS b`), [{ i: null, b: null }], 'the index and table b are gone');
      const up = spawn(process.execPath, [CLI, '-C', root, 'migrate', 'validate'], { stdio: 'ignore' });
      assert.equal(await new Promise((r) => up.once('exit', r)), 0, 'validate is clean');
    } finally {
      await db.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
