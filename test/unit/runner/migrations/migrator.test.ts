import * as assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { isCancelledError, isLockError, isMigrationError, isRecoveryError, isRollbackError } from '../../../../src/engine/errors';
import { retry } from '../../../../src/engine/resilience/retry';
import { fixedBackoff } from '../../../../src/engine/resilience/backoff';
import { join } from 'node:path';
import { FINDING_CODES, analyzeMigrationFile, applyTextEdits, quickFixesFor } from '../../../../src/engine/migrations';
import { SqliteTarget, databaseForFile, runMigrationCommand, type MigrationProgress } from '../../../../src/runner/migrations';
import type { NewDeadLetter } from '../../../../src/engine/resilience';
import { migration, sandbox, tables, type Sandbox } from './helpers';

const USERS = migration(['CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)', 'CREATE INDEX users_name ON users(name)'], ['DROP INDEX users_name', 'DROP TABLE users']);
const POSTS = migration(
  ['CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id))', 'ALTER TABLE users ADD COLUMN email TEXT'],
  ['ALTER TABLE users DROP COLUMN email', 'DROP TABLE posts'],
);
const TAGS = migration(['CREATE TABLE tags (id INTEGER PRIMARY KEY)'], ['DROP TABLE tags']);

describe('migrations: migrator commands (real SQLite files)', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = sandbox();
    sb.write('0001_users.sql', USERS);
    sb.write('0002_posts.sql', POSTS);
    sb.write('0003_tags.sql', TAGS);
  });
  afterEach(() => sb.dispose());

  it('status: pending on a database that does not exist yet, without creating it', () => {
    const { migrator } = sb.open();
    const s = migrator.statusNow();
    assert.equal(s.exists, false);
    assert.deepEqual(s.entries.map((e) => e.state), ['pending', 'pending', 'pending']);
    assert.equal(existsSync(sb.db), false);
  });

  it('up: applies everything in order with progress, a snapshot and the lock released; a second up does nothing', async () => {
    const { migrator, target } = sb.open();
    const events: MigrationProgress[] = [];
    migrator.onDidProgress((e) => events.push(e));
    const r = await migrator.up();
    assert.deepEqual(r.steps.map((s) => s.version), [1, 2, 3]);
    assert.equal(r.to, 3);
    assert.ok(r.snapshot);
    assert.deepEqual(tables(sb.raw()), ['posts', 'tags', 'users']);
    assert.deepEqual(events.filter((e) => e.kind === 'step-done').map((e) => (e as { step: { version: number } }).step.version), [1, 2, 3]);
    assert.equal(target.readLock(), undefined);
    const s = migrator.statusNow();
    assert.deepEqual(s.entries.map((e) => e.state), ['applied', 'applied', 'applied']);
    assert.equal(s.drift, false);
    assert.equal((await migrator.up()).steps.length, 0);
  });

  it('up: refuses a non-transactional statement in a transactional file before running anything', async () => {
    sb.write('0004_vacuum.sql', migration(['CREATE TABLE x (a)', 'VACUUM'], ['DROP TABLE x']));
    const { migrator } = sb.open();
    await assert.rejects(migrator.up(), (e: Error) => isMigrationError(e) && /VACUUM cannot run inside a transaction/.test(e.message));
    assert.deepEqual(existsSync(sb.db) ? tables(sb.raw()) : [], []);
    sb.write('0004_vacuum.sql', migration(['CREATE TABLE x (a)', 'VACUUM'], ['DROP TABLE x'], true));
    assert.equal((await migrator.up()).steps.length, 4);
  });

  it('up: a failing migration stops the run; the ones before it stay applied, nothing of it does', async () => {
    sb.write('0003_tags.sql', migration(['CREATE TABLE tags (id)', 'INSERT INTO nowhere VALUES (1)'], ['DROP TABLE tags']));
    const { migrator } = sb.open();
    await assert.rejects(migrator.up(), (e: Error) => isMigrationError(e) && /Migration 3 \(0003_tags.sql\) failed at statement 2 of 2/.test(e.message) && /Nothing of it was committed/.test(e.message));
    assert.deepEqual(tables(sb.raw()), ['posts', 'users']);
    const s = migrator.statusNow();
    assert.deepEqual(s.entries.map((e) => e.state), ['applied', 'applied', 'failed']);
  });

  it('down: one step by default, verified against the schema recorded before the migration', async () => {
    const { migrator } = sb.open();
    await migrator.up();
    const r = await migrator.down();
    assert.deepEqual(r.steps.map((s) => s.version), [3]);
    assert.equal(r.to, 2);
    const r2 = await migrator.down({ to: 0 });
    assert.deepEqual(r2.steps.map((s) => s.version), [2, 1]);
    assert.deepEqual(tables(sb.raw()), []);
  });

  it('down: refuses up front when a migration in range has no down section', async () => {
    sb.write('0002_posts.sql', migration(['CREATE TABLE posts (id)']));
    const { migrator } = sb.open();
    await migrator.up();
    await assert.rejects(migrator.down({ to: 0 }), (e: Error) => /Migration 2 \(0002_posts.sql\) has no down section/.test(e.message));
    assert.deepEqual(tables(sb.raw()), ['posts', 'tags', 'users'], 'nothing ran, not even migration 3');
  });

  it('down: a down section that does not restore the schema is refused and not committed', async () => {
    sb.write('0003_tags.sql', migration(['CREATE TABLE tags (id)', 'CREATE INDEX tags_id ON tags(id)'], ['DROP INDEX tags_id']));
    const { migrator } = sb.open();
    await migrator.up();
    await assert.rejects(migrator.down(), (e: Error) => isRollbackError(e) && /does not match the one recorded/.test(e.message));
    assert.deepEqual(migrator.statusNow().entries.map((e) => e.state), ['applied', 'applied', 'applied']);
    assert.equal((sb.raw().prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tags_id'").get() as { n: number }).n, 1);
    const r = await migrator.down({ verify: false });
    assert.deepEqual(r.steps.map((s) => s.version), [3]);
  });

  it('to V: goes up or down to a version', async () => {
    const { migrator } = sb.open();
    assert.equal((await migrator.to(2)).to, 2);
    assert.equal((await migrator.to(1)).to, 1);
    assert.equal((await migrator.to(3)).to, 3);
    await assert.rejects(migrator.to(9), /no migration with version 9/);
  });

  it('plan: a dry run that writes nothing', () => {
    const { migrator } = sb.open();
    const p = migrator.planNow({ command: 'up', options: { steps: 2 } });
    assert.deepEqual(p.steps.map((s) => s.version), [1, 2]);
    assert.equal(existsSync(sb.db), false);
  });

  it('validate and repair: a cosmetic change is accepted only when asked, a real one never', async () => {
    const { migrator } = sb.open();
    await migrator.up();
    assert.equal((await migrator.validate()).ok, true);
    sb.write('0001_users.sql', '-- reformatted\n' + USERS.replace('CREATE TABLE users', 'create table users'));
    sb.write('0002_posts.sql', POSTS.replace('email TEXT', 'email BLOB'));
    const v = await migrator.validate();
    assert.equal(v.ok, false);
    assert.deepEqual(v.findings.map((f) => `${f.code}:${f.version}`), ['cosmetic:1', 'checksum:2']);
    const dry = await migrator.repair();
    assert.deepEqual(dry.candidates, [1]);
    assert.deepEqual(dry.accepted, []);
    const refused = await migrator.repair({ accept: [1, 2] });
    assert.deepEqual(refused.accepted, []);
    assert.match(refused.refused[0].reason, /not cosmetic/);
    const ok = await migrator.repair({ accept: 'all' });
    assert.deepEqual(ok.accepted, [1]);
    assert.deepEqual(migrator.statusNow().entries.map((e) => e.state), ['applied', 'modified', 'applied']);
  });

  it('repair --clear-failed makes a failed migration pending again', async () => {
    sb.write('0003_tags.sql', migration(['SELECT * FROM nowhere']));
    const { migrator } = sb.open();
    await assert.rejects(migrator.up());
    assert.equal(migrator.statusNow().entries[2].state, 'failed');
    const r = await migrator.repair({ clearFailed: true });
    assert.deepEqual(r.clearedFailures, [3]);
    assert.equal(migrator.statusNow().entries[2].state, 'pending');
  });

  it('test-rollback: up, down, up on a scratch copy; finds a down that does not undo; leaves the database alone', async () => {
    const { migrator } = sb.open();
    const good = await migrator.testRollback();
    assert.equal(good.ok, true, JSON.stringify(good.results));
    assert.equal(good.mode, 'pending');
    assert.equal(good.results.length, 3);
    assert.equal(existsSync(sb.db), false, 'the real database was not created');
    await migrator.up({ to: 2 });
    sb.write('0003_tags.sql', migration(['CREATE TABLE tags (id)', 'CREATE INDEX t_id ON tags(id)'], ['DROP TABLE tags', 'CREATE TABLE tags (id)', 'DROP TABLE tags', 'CREATE TABLE leftover (x)']));
    const bad = await migrator.testRollback();
    assert.equal(bad.ok, false);
    assert.match(bad.results[0].problem!, /does not undo the up section/);
    assert.deepEqual(tables(sb.raw()), ['posts', 'users']);
    sb.write('0003_tags.sql', TAGS);
    await migrator.up();
    const latest = await migrator.testRollback();
    assert.equal(latest.mode, 'latest-applied');
    assert.equal(latest.ok, true);
  });

  it('recover: reverts a half-applied no-transaction migration, then validates', async () => {
    sb.write(
      '0004_bulk.sql',
      migration(['CREATE TABLE bulk (id INTEGER PRIMARY KEY, v TEXT)', "INSERT INTO bulk (v) VALUES ('a')", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50) INSERT INTO bulk (v) SELECT 'v' || x FROM c", 'CREATE INDEX bulk_v ON bulk(v)', 'ALTER TABLE bulk ADD COLUMN w INT', 'ANALYZE', 'INSERT INTO nowhere VALUES (1)'], ['DROP TABLE bulk'], true),
    );
    const { migrator } = sb.open();
    await assert.rejects(migrator.up(), (e: Error) => /6 statement\(s\) stayed committed/.test(e.message) && /rebound migrate recover/.test(e.message));
    const before = migrator.statusNow();
    assert.equal(before.entries[3].state, 'partial');
    await assert.rejects(migrator.up(), (e: Error) => /partially applied/.test(e.message));
    const r = await migrator.recover();
    assert.equal(r.ok, true, r.problems.join('; '));
    assert.equal(r.reverted.length, 1);
    assert.equal(r.reverted[0].version, 4);
    assert.ok(r.snapshot);
    assert.deepEqual(r.checks.integrity, []);
    assert.equal(r.checks.schemaHash, r.checks.replayHash);
    assert.deepEqual(tables(sb.raw()), ['posts', 'tags', 'users']);
    assert.equal(migrator.statusNow().entries[3].state, 'pending');
  });

  it('recover: refuses what it cannot undo safely and names the snapshot to restore', async () => {
    sb.write('0004_data.sql', migration(["INSERT INTO users (name) VALUES ('x')", 'CREATE TABLE extra (a)', 'SELECT * FROM nowhere'], ['DROP TABLE extra'], true));
    const { migrator } = sb.open();
    await assert.rejects(migrator.up());
    await assert.rejects(migrator.recover(), (e: Error) => isRecoveryError(e) && /cannot be undone automatically/.test(e.message) && /rebound migrate restore/.test(e.message));
  });

  it('recover: breaks the lock of a dead runner, marks its run interrupted, and checks the database', async () => {
    const { migrator, target } = sb.open({ isProcessAlive: (pid) => pid !== 424242 });
    await migrator.up({ to: 1 });
    target.tryAcquireLock({ id: 'ghost', pid: 424242, host: hostname(), user: 'x', command: 'migrate up' }, Date.now(), 600_000, () => false);
    target.startRun({ runId: 'ghost-run', command: 'migrate up', owner: 'x', pid: 424242, host: 'h', startedAt: 1, finishedAt: null, state: 'running', detail: null });
    assert.equal(migrator.statusNow().lock!.stale, 'dead-owner');
    const r = await migrator.recover();
    assert.equal(r.ok, true);
    assert.equal(r.brokenLocks[0].holder.pid, 424242);
    assert.deepEqual(r.interruptedRuns.map((x) => x.runId), ['ghost-run']);
    assert.equal(target.readLock(), undefined);
  });

  it('recover: reports drift when the schema was changed outside migrations', async () => {
    const { migrator } = sb.open();
    await migrator.up();
    sb.raw().exec('CREATE TABLE sneaky (x)');
    assert.equal(migrator.statusNow().drift, true);
    const r = await migrator.recover();
    assert.equal(r.ok, false);
    assert.match(r.problems.join(' '), /differs from the one recorded/);
  });

  it('a held lock makes up wait, then fail with a LockError; unlock leaves a live lock alone unless forced', async () => {
    const { migrator, target } = sb.open({ lock: { waitMs: 50 } });
    target.ensureMetadata();
    target.tryAcquireLock({ id: 'other', pid: process.pid, host: hostname(), user: 'x', command: 'migrate up' }, Date.now(), 600_000, () => false);
    await assert.rejects(migrator.up(), (e: Error) => isLockError(e) && /held by x@/.test(e.message));
    await assert.rejects(migrator.unlock(), (e: Error) => isLockError(e) && /live runner/.test(e.message));
    const r = await migrator.unlock({ force: true });
    assert.equal(r.reason, 'forced');
    assert.equal((await migrator.up()).steps.length, 3);
  });

  it('snapshots and restore: back to the state before a run, with a safety snapshot of the current one', async () => {
    const { migrator } = sb.open();
    await migrator.up({ to: 1 });
    await migrator.up();
    const snaps = migrator.listSnapshots();
    assert.equal(snaps.length, 2);
    const beforeSecond = snaps.find((s) => s.version === 1)!;
    const r = await migrator.restore(beforeSecond.id.slice(0, 24));
    assert.equal(r.current, 1);
    assert.ok(r.safety);
    assert.deepEqual(tables(sb.raw()), ['users']);
    assert.deepEqual(migrator.statusNow().entries.map((e) => e.state), ['applied', 'pending', 'pending']);
    await assert.rejects(migrator.restore('nope'), /No snapshot "nope"/);
  });

  it('retries SQLITE_BUSY while nothing is committed, through the retry policy', async () => {
    const target = new SqliteTarget({ file: sb.db, busyTimeoutMs: 30 });
    const { migrator } = sb.open({ target, busyRetry: retry({ maxAttempts: 20, backoff: fixedBackoff(40), retryOn: { when: () => true } }) });
    const blocker = sb.raw();
    const events: MigrationProgress[] = [];
    migrator.onDidProgress((e) => {
      events.push(e);
      // Once the run holds the migration lock, another connection takes the write lock for a while.
      if (e.kind === 'snapshot') {
        blocker.exec('BEGIN IMMEDIATE');
        setTimeout(() => blocker.exec('COMMIT'), 250);
      }
    });
    const r = await migrator.up();
    assert.equal(r.steps.length, 3);
    assert.ok(events.some((e) => e.kind === 'step-retry'), 'the busy migration was retried');
  });

  it('a migration whose busy retries run out is parked with every attempt, in order, and the waits between them', async () => {
    const target = new SqliteTarget({ file: sb.db, busyTimeoutMs: 30 });
    const { migrator } = sb.open({ target, busyRetry: retry({ maxAttempts: 3, backoff: fixedBackoff(40), retryOn: { when: () => true } }) });
    const blocker = sb.raw();
    migrator.onDidProgress((e) => {
      // Once the run holds the migration lock, another connection keeps the write lock.
      if (e.kind === 'snapshot') blocker.exec('BEGIN IMMEDIATE');
    });
    const parked: NewDeadLetter[] = [];
    const db = { name: 'app', file: sb.db, migrationsDir: sb.dir, keepSnapshots: 0, config: { path: sb.db } };
    await assert.rejects(runMigrationCommand(migrator, db, { command: 'up' }, (entry) => parked.push(entry)), (e: Error) => isLockError(e) && /Migration 1 .* failed/.test(e.message), 'the busy failure itself, not the lock release after it');
    blocker.exec('COMMIT');
    assert.equal(parked.length, 1);
    const [entry] = parked;
    assert.equal(entry.kind, 'migration');
    assert.match(entry.operation, /^app:0001_/);
    assert.deepEqual(entry.input, { database: 'app', command: 'up' });
    assert.deepEqual(entry.attempts!.map((a) => [a.number, a.delayMs, a.outcome]), [[1, 0, 'failure'], [2, 40, 'failure'], [3, 40, 'failure']]);
    assert.equal(entry.attempts![2].errorCode, 'RB-LOCK-SQLITE-BUSY');
  });

  it('a parked bounded run aims at the version of the plan made under the lock, not the one seen before waiting for it', async () => {
    await sb.open().migrator.up();
    // Migration 4 can be applied but not rolled back.
    sb.write('0004_extra.sql', migration(['CREATE TABLE extra (x)'], ['INSERT INTO nowhere VALUES (1)']));
    const holder = new SqliteTarget({ file: sb.db });
    holder.tryAcquireLock({ id: 'other', pid: process.pid, host: hostname(), user: 'carol', command: 'migrate up' }, Date.now(), 600_000, () => false);
    const { migrator } = sb.open({ lock: { waitMs: 10_000 } });
    const other = sb.open().migrator;
    const events: MigrationProgress[] = [];
    let applied: Promise<unknown> | undefined;
    migrator.onDidProgress((e) => {
      events.push(e);
      // While `down --steps 1` waits (it saw version 3), the other runner applies migration 4.
      if (e.kind === 'lock-wait' && !applied) {
        holder.releaseLock('other');
        applied = other.up();
      }
    });
    const parked: NewDeadLetter[] = [];
    const db = { name: 'app', file: sb.db, migrationsDir: sb.dir, keepSnapshots: 0, config: { path: sb.db } };
    await assert.rejects(runMigrationCommand(migrator, db, { command: 'down', options: { steps: 1 } }, (entry) => parked.push(entry)), (e: Error) => isRollbackError(e) && /Rollback of migration 4/.test(e.message));
    assert.ok(applied, 'the run waited for the lock');
    await applied;
    assert.deepEqual(
      events.filter((e) => e.kind === 'run-start'),
      [{ kind: 'run-start', runId: (events.find((e) => e.kind === 'run-start') as { runId: string }).runId, direction: 'down', from: 4, to: 3, total: 1, versions: [4] }],
    );
    assert.equal(parked.length, 1);
    assert.deepEqual(parked[0].input, { database: 'app', command: 'down', to: 3, versions: [4] }, 'a retry rolls back migration 4 only, not 3 as well');
  });

  it('stops between migrations when cancelled, keeping what was committed', async () => {
    const controller = new AbortController();
    const { migrator } = sb.open({ signal: controller.signal, groupCommit: false });
    migrator.onDidProgress((e) => {
      if (e.kind === 'step-done' && e.step.version === 1) controller.abort(new Error('stop'));
    });
    await assert.rejects(migrator.up(), (e: Error) => isCancelledError(e) && /1 of 3 done/.test(e.message));
    assert.deepEqual(migrator.statusNow().entries.map((e) => e.state), ['applied', 'pending', 'pending']);
  });

  it('gives the editor what it needs: the database of a file and the applied text of a changed file', async () => {
    const { migrator } = sb.open();
    await migrator.up({ to: 1 });
    assert.equal(await migrator.appliedInfo('0002_posts.sql'), undefined);
    const applied = (await migrator.appliedInfo(join(sb.dir, '0001_users.sql')))!;
    assert.equal(applied.source, USERS);
    const edited = USERS.replace('name TEXT', 'name BLOB');
    const [finding] = analyzeMigrationFile(edited, '0001_users.sql', applied);
    assert.equal(finding.code, FINDING_CODES.modified);
    const [fix] = quickFixesFor(finding, edited, '0001_users.sql', { applied });
    assert.equal(applyTextEdits(edited, fix.edits), USERS);
    const dbs = { app: { path: 'app.db', migrations: 'migrations' }, other: { path: 'o.db', migrations: 'elsewhere' } };
    assert.equal(databaseForFile(sb.root, dbs, join(sb.dir, '0001_users.sql'))!.name, 'app');
    assert.equal(databaseForFile(sb.root, dbs, join(sb.root, 'README.sql')), undefined);
  });

  it('refuses two files with one version', () => {
    sb.write('0003_other.sql', TAGS);
    const { migrator } = sb.open();
    assert.throws(() => migrator.statusNow(), /share a version/);
  });
});
