import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTaskRunner } from '../../../src/runner/tasks';
import { ErrorStore } from '../../../src/store/errorStore';
import { workspacePaths } from '../../../src/store/location';
import { createClassifier } from '../../../src/engine/classify/classifier';
import { spooledInput, SpoolWriter } from '../../../src/store/spool';
import { fileSqlite, memoryOnlyNotice, NativeModuleError, resetSqliteDriver, sqlite, sqliteDriver, storeExists } from '../../../src/store/sqlite';

/**
 * Rebound where no driver that saves to disk loads: the sql.js driver (run by the harness's
 * "unit (sql.js)" pass, REBOUND_SQLITE_DRIVER=sql.js). Tasks still run, retry and are classified;
 * the store works for the life of the process; nothing reaches the disk.
 */
describe('memory only (sql.js): Rebound runs without persistence where no SQLite driver loads', function () {
  this.timeout(60_000);
  let root: string;
  before(() => {
    assert.equal(sqliteDriver().name, 'sql.js', 'this file runs with REBOUND_SQLITE_DRIVER=sql.js (the harness sets it)');
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rb-memory-only-'));
    mkdirSync(join(root, '.rebound'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a failing task is retried, classified and recorded as an issue with a dead letter, in memory only', async () => {
    // A real tool failing for real: curl against a port where nothing listens.
    writeFileSync(
      join(root, '.rebound', 'config.json'),
      JSON.stringify({ tasks: { fetch: { command: 'curl -sS --max-time 5 http://127.0.0.1:9/health', retry: { maxAttempts: 3, backoff: { kind: 'fixed', baseMs: 0 } } } } }),
    );
    const opened = openTaskRunner(root, { task: 'fetch' });
    let outcome;
    try {
      outcome = await opened.runner.run('fetch');
    } finally {
      opened.dispose();
    }
    assert.equal(outcome.ok, false);
    assert.equal(outcome.attempts, 3, 'a refused connection is transient: retried up to the limit');
    assert.equal(outcome.error?.code, 'RB-NET-ECONNREFUSED');
    assert.equal(outcome.error?.category, 'transient');
    assert.ok(outcome.issueId !== undefined && outcome.deadLetterId !== undefined, 'an issue and a dead letter, as with any driver');
    assert.equal(outcome.spooled, undefined, 'nothing spooled to disk either');

    // Reopened in the same process (as the extension's views do), the store still has it all.
    const file = workspacePaths(root).db;
    assert.equal(storeExists(file), true);
    const again = ErrorStore.open(file, { workspaceRoot: root });
    try {
      const issue = again.getIssue(outcome.issueId!);
      assert.ok(issue, 'the issue is there after a reopen');
      assert.equal(issue.code, 'RB-NET-ECONNREFUSED');
      assert.equal(issue.count, 3, 'one event per attempt');
      // Health says so: nothing of this is saved.
      const store = again.health().components.find((c) => c.component === 'store')!;
      assert.equal(store.status, 'degraded');
      assert.match(store.reasons.join(' '), /in memory only \(the sql\.js driver\): nothing is saved/);
    } finally {
      again.close();
    }
    // And nothing of it is on disk.
    assert.deepEqual(readdirSync(join(root, '.rebound')).sort(), ['config.json']);
    assert.equal(existsSync(file), false);
  });

  it('a database file that must be on disk (a migration target) is refused, naming what is missing', () => {
    const target = join(root, 'app.db');
    assert.throws(
      () => new (fileSqlite())(target),
      (e: unknown) => e instanceof NativeModuleError && /^Rebound cannot open a SQLite database file: only sql\.js \(in memory, nothing on disk\) is in use.*needs a database file.*Node 22\.13 or later/.test(e.message),
    );
    assert.equal(existsSync(target), false);
  });

  it('leaves spool files on disk alone: they wait for a driver that saves (importing them into memory would lose them)', () => {
    const file = workspacePaths(root).db;
    const input = { message: 'connect ECONNREFUSED 127.0.0.1:5432', context: { task: 'build', component: 'tasks' as const } };
    const now = Date.now();
    const spool = new SpoolWriter(file).append([{ id: 'spooled-1', spooledAt: now, reason: 'SQLITE_FULL', input: spooledInput(input, createClassifier().classify({ message: input.message }), now) }]);
    const before = readFileSync(spool, 'utf8');
    const store = ErrorStore.open(file, { workspaceRoot: root });
    try {
      assert.equal(store.listEvents().items.filter((e) => e.message.includes('ECONNREFUSED')).length, 0, 'not imported into memory');
    } finally {
      store.close();
    }
    assert.equal(readFileSync(spool, 'utf8'), before, 'the spool file is untouched');
  });

  it('says that a database file written elsewhere is not read here', () => {
    const file = join(root, '.rebound', 'rebound.db');
    writeFileSync(file, 'written by Rebound on another driver');
    const notice = memoryOnlyNotice(sqliteDriver(), file) ?? '';
    assert.match(notice, /^Rebound uses sql\.js \(chosen by REBOUND_SQLITE_DRIVER\), which cannot save to disk\./);
    assert.ok(notice.includes(`${file} exists but is not read`), notice);
    assert.doesNotMatch(memoryOnlyNotice(sqliteDriver(), join(root, 'none.db')) ?? '', /exists but is not read/);
  });

  it('can be chosen again in the same process (a changed setting), though sql.js initialises once', () => {
    resetSqliteDriver();
    const db = new (sqlite())(':memory:');
    try {
      assert.equal(db.prepare('SELECT 1 + 1').pluck().get(), 2);
    } finally {
      db.close();
    }
    assert.equal(sqliteDriver().name, 'sql.js');
  });
});
