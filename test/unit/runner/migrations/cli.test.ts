import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorStore } from '../../../../src/store/errorStore';
import { SqliteTarget } from '../../../../src/runner/migrations';
import { runCli } from '../../../crash/migrationsHarness';
import { migration, sandbox, type Sandbox } from './helpers';

/** The transpiled CLI of this very build (the bundle may be older). */
const CLI = resolve(__dirname, '..', '..', '..', '..', 'src', 'cli', 'main.js');

function config(sb: Sandbox, databases: Record<string, unknown>): void {
  mkdirSync(join(sb.root, '.rebound'), { recursive: true });
  writeFileSync(join(sb.root, '.rebound', 'config.json'), JSON.stringify({ databases }));
}

describe('migrations: `rebound migrate` CLI (real processes)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  beforeEach(() => {
    sb = sandbox();
    sb.write('0001_users.sql', migration(['CREATE TABLE users (id INTEGER PRIMARY KEY)'], ['DROP TABLE users']));
    sb.write('0002_posts.sql', migration(['CREATE TABLE posts (id INTEGER PRIMARY KEY)'], ['DROP TABLE posts']));
  });
  afterEach(() => sb.dispose());

  it('exit 2 on bad usage and bad config, naming the databases to choose from', async () => {
    let r = await runCli(CLI, sb.root, ['migrate', 'status']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no databases configured/);
    config(sb, { app: { path: 'app.db' }, logs: { path: 'logs.db' } });
    r = await runCli(CLI, sb.root, ['migrate', 'status']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--db NAME \(app, logs\)/);
    r = await runCli(CLI, sb.root, ['migrate', 'status', '--db', 'nope']);
    assert.equal(r.code, 2);
    r = await runCli(CLI, sb.root, ['migrate', 'sideways', '--db', 'app']);
    assert.equal(r.code, 2);
    config(sb, { app: { path: 'app.db', typo: true } });
    r = await runCli(CLI, sb.root, ['migrate', 'status']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /databases\.app/);
  });

  it('up, status, plan, down, to, validate, test-rollback, snapshots, restore, recover with --json', async () => {
    config(sb, { app: { path: 'app.db', migrations: 'migrations' } });
    const json = async (args: string[], code = 0) => {
      const r = await runCli(CLI, sb.root, ['migrate', ...args, '--json']);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    assert.deepEqual((await json(['plan'])).plan.steps.map((s: { version: number }) => s.version), [1, 2]);
    assert.equal((await json(['up'])).to, 2);
    assert.deepEqual((await json(['status'])).entries.map((e: { state: string }) => e.state), ['applied', 'applied']);
    assert.equal((await json(['down'])).to, 1);
    assert.equal((await json(['to', '2'])).to, 2);
    assert.equal((await json(['validate'])).ok, true);
    assert.equal((await json(['test-rollback'])).ok, true);
    const snaps = (await json(['snapshots'])).snapshots;
    assert.ok(snaps.length >= 3);
    assert.equal((await json(['restore', 'latest'])).ok, true);
    assert.equal((await json(['recover'])).ok, true);
    const human = await runCli(CLI, sb.root, ['migrate', 'status']);
    assert.match(human.stdout, /0001_users\.sql\s+applied/);
  });

  it('exit 3 with a LockError naming the holder when another live runner holds the lock', async () => {
    config(sb, { app: { path: 'app.db', lock: { waitMs: 100 } } });
    const t = new SqliteTarget({ file: join(sb.root, 'app.db') });
    t.ensureMetadata();
    t.tryAcquireLock({ id: 'other', pid: process.pid, host: hostname(), user: 'carol', command: 'migrate up' }, Date.now(), 600_000, () => false);
    t.close();
    const r = await runCli(CLI, sb.root, ['migrate', 'up']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /RB-LOCK-MIGRATE/);
    assert.match(r.stderr, new RegExp(`held by carol@.* \\(pid ${process.pid}\\)`));
    const unlock = await runCli(CLI, sb.root, ['migrate', 'unlock']);
    assert.equal(unlock.code, 3);
    assert.equal((await runCli(CLI, sb.root, ['migrate', 'unlock', '--force'])).code, 0);
  });

  it('exit 1 on a failed migration, recorded as an error event in the workspace store', async () => {
    config(sb, { app: { path: 'app.db' } });
    sb.write('0003_bad.sql', migration(['CREATE TABLE bad (x)', 'INSERT INTO nowhere VALUES (1)'], ['DROP TABLE bad']));
    const r = await runCli(CLI, sb.root, ['migrate', 'up']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /applied\s+0002 0002_posts\.sql/);
    assert.match(r.stderr, /Migration 3 \(0003_bad\.sql\) failed at statement 2 of 2/);
    const store = ErrorStore.open(join(sb.root, '.rebound', 'rebound.db'));
    try {
      const page = store.events.list({}, { limit: 10 });
      assert.equal(page.items.length, 1);
      assert.equal(page.items[0].component, 'migrations');
      assert.equal(page.items[0].migration, '0003_bad.sql');
    } finally {
      store.close();
    }
    const plan = await runCli(CLI, sb.root, ['migrate', 'plan', 'down', '--to', '0']);
    assert.equal(plan.code, 0);
  });

  it('parks a failed migration as a dead letter; once the file is fixed, `dlq retry` applies it and resolves the entry', async () => {
    config(sb, { app: { path: 'app.db' } });
    sb.write('0003_bad.sql', migration(['CREATE TABLE bad (x)', 'INSERT INTO nowhere VALUES (1)'], ['DROP TABLE bad']));
    sb.write('0004_tags.sql', migration(['CREATE TABLE tags (id INTEGER PRIMARY KEY)'], ['DROP TABLE tags']));
    const r = await runCli(CLI, sb.root, ['migrate', 'up', '--steps', '3', '--json']);
    assert.equal(r.code, 1);
    const failed = JSON.parse(r.stdout) as { ok: boolean; deadLetterId: number };
    assert.equal(failed.ok, false);
    assert.match(r.stderr, new RegExp(`parked as dead letter #${failed.deadLetterId} \\(once fixed: rebound dlq retry ${failed.deadLetterId}\\)`));
    const list = JSON.parse((await runCli(CLI, sb.root, ['dlq', 'list', '--json'])).stdout) as { entries: Array<{ id: number; kind: string; operation: string; input: unknown }> };
    // --steps 3 from version 0 aims at version 3: the entry keeps that version, not the count.
    assert.deepEqual(list.entries.map((e) => [e.id, e.kind, e.operation, e.input]), [[failed.deadLetterId, 'migration', 'app:0003_bad.sql', { database: 'app', command: 'up', to: 3 }]]);

    const parked = (JSON.parse((await runCli(CLI, sb.root, ['dlq', 'show', String(failed.deadLetterId), '--json'])).stdout) as { entry: { attempts: Array<{ outcome: string; errorCode: string }> } }).entry;
    assert.deepEqual(parked.attempts.map((a) => [a.outcome, a.errorCode]), [['failure', 'RB-MIGRATE-001']]);
    const again = await runCli(CLI, sb.root, ['dlq', 'retry', String(failed.deadLetterId)]);
    assert.equal(again.code, 1, 'still broken: the retry fails and the entry stays');
    assert.equal((JSON.parse((await runCli(CLI, sb.root, ['dlq', 'list', '--json'])).stdout) as { entries: unknown[] }).entries.length, 1, 'a failed retry adds no second entry');

    sb.write('0003_bad.sql', migration(['CREATE TABLE bad (x)'], ['DROP TABLE bad']));
    const retry = await runCli(CLI, sb.root, ['dlq', 'retry', String(failed.deadLetterId)]);
    assert.equal(retry.code, 0, retry.stderr);
    const status = JSON.parse((await runCli(CLI, sb.root, ['migrate', 'status', '--json'])).stdout) as { current: number; entries: Array<{ state: string }> };
    assert.equal(status.current, 3, 'the retry went to version 3, as the failed run meant to, and no further');
    assert.deepEqual(status.entries.map((e) => e.state), ['applied', 'applied', 'applied', 'pending']);
    const show = (JSON.parse((await runCli(CLI, sb.root, ['dlq', 'show', String(failed.deadLetterId), '--json'])).stdout) as { entry: { state: string } }).entry;
    assert.equal(show.state, 'resolved');
  });

  it('a parked `migrate to` keeps its direction: retried after the database went further, it rolls nothing back', async () => {
    config(sb, { app: { path: 'app.db' } });
    sb.write('0003_bad.sql', migration(['CREATE TABLE bad (x)', 'INSERT INTO nowhere VALUES (1)'], ['DROP TABLE bad']));
    sb.write('0004_tags.sql', migration(['CREATE TABLE tags (id INTEGER PRIMARY KEY)'], ['DROP TABLE tags']));
    const failed = await runCli(CLI, sb.root, ['migrate', 'to', '3', '--json']);
    assert.equal(failed.code, 1);
    const id = (JSON.parse(failed.stdout) as { deadLetterId: number }).deadLetterId;
    const entry = (JSON.parse((await runCli(CLI, sb.root, ['dlq', 'show', String(id), '--json'])).stdout) as { entry: { input: unknown } }).entry;
    assert.deepEqual(entry.input, { database: 'app', command: 'up', to: 3 });
    // Fixed, and applied to the end by hand before anyone retries the entry.
    sb.write('0003_bad.sql', migration(['CREATE TABLE bad (x)'], ['DROP TABLE bad']));
    assert.equal((await runCli(CLI, sb.root, ['migrate', 'up'])).code, 0);
    const retry = await runCli(CLI, sb.root, ['dlq', 'retry', String(id)]);
    assert.equal(retry.code, 0, retry.stderr);
    const status = JSON.parse((await runCli(CLI, sb.root, ['migrate', 'status', '--json'])).stdout) as { current: number };
    assert.equal(status.current, 4, 'version 4 stayed applied');
  });

  it('a parked rollback of a migration applied out of order retries exactly that one, although it sits below the version left', async () => {
    config(sb, { app: { path: 'app.db' } });
    // 1 and 3 applied, then 2 out of order: `down` rolls back 2 (the latest applied), leaving version 3.
    const posts = migration(['CREATE TABLE posts (id INTEGER PRIMARY KEY)'], ['DROP TABLE posts']);
    sb.remove('0002_posts.sql');
    sb.write('0003_tags.sql', migration(['CREATE TABLE tags (id INTEGER PRIMARY KEY)'], ['DROP TABLE tags']));
    assert.equal((await runCli(CLI, sb.root, ['migrate', 'up'])).code, 0);
    sb.write('0002_posts.sql', posts);
    assert.equal((await runCli(CLI, sb.root, ['migrate', 'up', '--allow-out-of-order'])).code, 0);
    // Its down section fails while the table is gone.
    const raw = sb.raw();
    raw.exec('DROP TABLE posts');
    const failed = await runCli(CLI, sb.root, ['migrate', 'down', '--json']);
    assert.equal(failed.code, 1, failed.stderr);
    const id = (JSON.parse(failed.stdout) as { deadLetterId: number }).deadLetterId;
    const entry = (JSON.parse((await runCli(CLI, sb.root, ['dlq', 'show', String(id), '--json'])).stdout) as { entry: { input: unknown } }).entry;
    assert.deepEqual(entry.input, { database: 'app', command: 'down', to: 3, versions: [2] });
    raw.exec('CREATE TABLE posts (id INTEGER PRIMARY KEY)');
    const retry = await runCli(CLI, sb.root, ['dlq', 'retry', String(id)]);
    assert.equal(retry.code, 0, retry.stderr);
    const status = JSON.parse((await runCli(CLI, sb.root, ['migrate', 'status', '--json'])).stdout) as { current: number; entries: Array<{ version: number; state: string }> };
    assert.deepEqual(status.entries.map((e) => [e.version, e.state]), [[1, 'applied'], [2, 'pending'], [3, 'applied']], 'migration 2 was rolled back, 3 stayed');
  });

  it('parks nothing when no migration failed: a held lock or a blocked plan is settled by running again', async () => {
    config(sb, { app: { path: 'app.db', lock: { waitMs: 100 } } });
    const t = new SqliteTarget({ file: join(sb.root, 'app.db') });
    t.ensureMetadata();
    t.tryAcquireLock({ id: 'other', pid: process.pid, host: hostname(), user: 'carol', command: 'migrate up' }, Date.now(), 600_000, () => false);
    t.close();
    assert.equal((await runCli(CLI, sb.root, ['migrate', 'up'])).code, 3);
    assert.equal((await runCli(CLI, sb.root, ['migrate', 'unlock', '--force'])).code, 0);
    assert.equal((await runCli(CLI, sb.root, ['migrate', 'up'])).code, 0);
    sb.write('0001_users.sql', migration(['CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)'], ['DROP TABLE users']));
    sb.write('0003_tags.sql', migration(['CREATE TABLE tags (id INTEGER PRIMARY KEY)'], ['DROP TABLE tags']));
    const blocked = await runCli(CLI, sb.root, ['migrate', 'up']);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /is blocked/);
    const list = JSON.parse((await runCli(CLI, sb.root, ['dlq', 'list', '--json'])).stdout) as { entries: unknown[] };
    assert.deepEqual(list.entries, []);
  });
});
