import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { isCancelledError, isMigrationError } from '../../../../src/engine/errors';
import type { NewDeadLetter } from '../../../../src/engine/resilience';
import { SqliteTarget, resolveDatabase, runInWorker, type MigrationProgress, type ResolvedDatabase } from '../../../../src/runner/migrations';
import { migration, sandbox, tables, type Sandbox } from './helpers';
import { workerEnv } from '../../../../src/runner/migrations/worker/client';
import { DRIVER_ENV, setDriverPreference } from '../../../../src/store/sqlite';

/** The worker as the tests build it (out/src/...), run as a real child process. */
const WORKER = join(__dirname, '..', '..', '..', '..', 'src', 'runner', 'migrations', 'worker', 'main.js');

/** One statement that runs for tens of seconds: far longer than any test waits. */
const LONG_INSERT = 'INSERT INTO big (x) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) SELECT x FROM c';

describe('migrations: the worker process', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let db: ResolvedDatabase;
  beforeEach(() => {
    sb = sandbox();
    db = resolveDatabase(sb.root, 'app', { path: 'app.db', migrations: 'migrations', groupCommit: false });
  });
  afterEach(() => sb.dispose());

  const read = <T>(fn: (t: SqliteTarget) => T): T => {
    const t = new SqliteTarget({ file: sb.db });
    try {
      return fn(t);
    } finally {
      t.close();
    }
  };

  it('applies migrations in a child process with progress; a failure comes back as the same kind of error, with its dead letter', async () => {
    sb.write('0001_a.sql', migration(['CREATE TABLE a (id INTEGER PRIMARY KEY)'], ['DROP TABLE a']));
    const progress: MigrationProgress['kind'][] = [];
    const report = await runInWorker(db, { kind: 'move', cmd: { command: 'up' } }, { workerPath: WORKER, onProgress: (p) => progress.push(p.kind) });
    assert.equal(report.to, 1);
    assert.deepEqual(report.steps.map((s) => s.version), [1]);
    assert.ok(progress.includes('run-start') && progress.includes('step-done'), progress.join(','));
    assert.deepEqual(tables(sb.raw()), ['a']);

    sb.write('0002_b.sql', migration(['CREATE TABLE b (id INTEGER PRIMARY KEY)', 'INSERT INTO missing VALUES (1)'], ['DROP TABLE b']));
    const parked: NewDeadLetter[] = [];
    let error: unknown;
    await runInWorker(db, { kind: 'move', cmd: { command: 'up' } }, { workerPath: WORKER, park: (e) => parked.push(e) }).catch((e) => (error = e));
    assert.ok(isMigrationError(error), String(error));
    assert.match((error as Error).message, /no such table: missing/);
    assert.equal(parked.length, 1);
    assert.equal(parked[0].kind, 'migration');
    assert.ok(isMigrationError(parked[0].error), 'the parked error keeps its kind');
    assert.deepEqual(tables(sb.raw()), ['a'], 'nothing of the failed migration stayed');
  });

  it('the worker uses the SQLite driver the rebound.sqliteDriver setting chose, unless REBOUND_SQLITE_DRIVER says one', () => {
    try {
      setDriverPreference('node:sqlite');
      assert.equal(workerEnv({ PATH: '/bin' })[DRIVER_ENV], 'node:sqlite');
      assert.equal(workerEnv({ PATH: '/bin', [DRIVER_ENV]: 'better-sqlite3' })[DRIVER_ENV], 'better-sqlite3', 'the variable wins, as in this process');
      assert.equal(workerEnv({ PATH: '/bin' }).ELECTRON_RUN_AS_NODE, '1');
      setDriverPreference('auto');
      assert.equal(workerEnv({ PATH: '/bin' })[DRIVER_ENV], undefined, 'auto: the worker chooses as this process did');
    } finally {
      setDriverPreference(undefined);
    }
  });

  it('Cancel stops a long statement of a transactional migration within a second: nothing of it stays, the lock is free, the run is closed', async () => {
    sb.write('0001_big.sql', migration(['CREATE TABLE big (x INTEGER)']));
    sb.write('0002_fill.sql', migration([LONG_INSERT, 'CREATE INDEX big_x ON big (x)']));
    const ac = new AbortController();
    let abortedAt = 0;
    const onProgress = (p: MigrationProgress) => {
      if (p.kind === 'step-start' && p.step.version === 2) {
        abortedAt = performance.now();
        ac.abort();
      }
    };
    let error: unknown;
    let stoppedAt = 0;
    let killed = false;
    const onExit = (info: { killed: boolean }) => {
      stoppedAt = performance.now();
      killed = info.killed;
    };
    await runInWorker(db, { kind: 'move', cmd: { command: 'up' } }, { workerPath: WORKER, signal: ac.signal, onProgress, onExit, killAfterMs: 300 }).catch((e) => (error = e));
    assert.ok(abortedAt > 0, 'migration 2 started');
    assert.ok(isCancelledError(error), String(error));
    assert.match((error as Error).message, /migration 2 \(0002_fill\.sql\).*Nothing of it was committed.*at version 1/s);
    assert.ok(killed, 'the statement did not end by itself: the worker was stopped in the middle of it');
    const tookMs = stoppedAt - abortedAt;
    assert.ok(tookMs < 1000, `stopped ${Math.round(tookMs)} ms after Cancel (the statement alone runs for tens of seconds)`);
    read((t) => {
      assert.deepEqual(t.readHistory().map((h) => [h.version, h.success]), [[1, true]], 'migration 1 stays applied, 2 is not recorded');
      assert.equal((t.db.prepare('SELECT count(*) AS n FROM big').get() as { n: number }).n, 0, 'no row of the interrupted insert stayed');
      assert.equal(t.readLock(), undefined, 'the killed runner\'s lock was released');
      const runs = t.readRuns();
      assert.equal(runs.length, 1);
      assert.equal(runs[0].state, 'interrupted');
      assert.match(runs[0].detail ?? '', /Cancelled/);
      assert.deepEqual(t.integrityCheck(), []);
    });
  });

  it('Cancel during a no-transaction migration leaves what it committed journaled, and recover reverts it', async () => {
    sb.write('0001_fill.sql', migration(['CREATE TABLE big (x INTEGER)', LONG_INSERT], ['DROP TABLE big'], true));
    const ac = new AbortController();
    const onProgress = (p: MigrationProgress) => {
      if (p.kind === 'step-start') setImmediate(() => ac.abort());
    };
    let error: unknown;
    await runInWorker(db, { kind: 'move', cmd: { command: 'up' } }, { workerPath: WORKER, signal: ac.signal, onProgress, killAfterMs: 300 }).catch((e) => (error = e));
    assert.ok(isCancelledError(error), String(error));
    assert.match((error as Error).message, /1 statement\(s\) of migration 1 stayed committed .* journaled: run Recover/);
    read((t) => {
      assert.deepEqual(t.readHistory(), []);
      const journal = t.readJournal();
      assert.equal(journal.length, 1);
      assert.equal(journal[0].state, 'running');
      assert.equal(journal[0].statementsDone, 1, 'the CREATE TABLE is journaled as done; the insert is not');
      assert.equal((t.db.prepare('SELECT count(*) AS n FROM big').get() as { n: number }).n, 0);
      assert.equal(t.readLock(), undefined);
    });
    const recovered = await runInWorker(db, { kind: 'recover' }, { workerPath: WORKER });
    assert.equal(recovered.ok, true, recovered.problems.join('; '));
    assert.deepEqual(recovered.reverted.map((r) => [r.version, r.statementsUndone]), [[1, 1]]);
    assert.deepEqual(tables(sb.raw()), [], 'the table the cancelled migration created is gone');
  });
});
