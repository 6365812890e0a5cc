import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { joinStatements, partialEntries } from '../../../../src/engine/migrations';
import { SqliteTarget, type ApplyRequest } from '../../../../src/runner/migrations';
import { sandbox, tables, type Sandbox } from './helpers';

let n = 0;
function req(version: number, statements: string[], over: Partial<ApplyRequest> = {}): ApplyRequest {
  return {
    runId: `run-${++n}`,
    version,
    direction: 'up',
    statements,
    noTransaction: false,
    now: () => Date.now(),
    history: {
      version,
      name: `m${version}`,
      fileName: `${version}_m.sql`,
      checksum: `c${version}`,
      upChecksum: `u${version}`,
      source: statements.join(';\n'),
      upSql: joinStatements(statements),
      downSql: null,
      noTransaction: over.noTransaction ?? false,
      appliedBy: 'tester',
    },
    ...over,
  };
}

describe('migrations: SQLite target (real files)', () => {
  let sb: Sandbox;
  let target: SqliteTarget;
  beforeEach(() => {
    sb = sandbox();
    target = new SqliteTarget({ file: sb.db, busyTimeoutMs: 50 });
  });
  afterEach(() => {
    target.close();
    sb.dispose();
  });

  it('does not create the database for reads', () => {
    assert.deepEqual(target.readHistory(), []);
    assert.equal(target.readLock(), undefined);
    assert.equal(existsSync(sb.db), false);
  });

  it('applies a migration with its history and journal in the same transaction', () => {
    const before = target.schemaHash();
    const out = target.apply(req(1, ['CREATE TABLE a (x)', 'INSERT INTO a VALUES (1)']));
    assert.equal(out.ok, true);
    if (!out.ok) return;
    assert.equal(out.schemaBefore, before);
    assert.equal(out.schemaAfter, target.schemaHash());
    const [h] = target.readHistory();
    assert.equal(h.success, true);
    assert.equal(h.upSql, 'CREATE TABLE a (x);\nINSERT INTO a VALUES (1);');
    assert.equal(h.schemaAfter, out.schemaAfter);
    const [j] = target.readJournal();
    assert.equal(j.state, 'committed');
    assert.equal(j.statementsDone, 2);
  });

  it('rolls back a failing migration completely and journals how far it got', () => {
    const out = target.apply(req(1, ['CREATE TABLE a (x)', 'INSERT INTO a VALUES (1)', 'INSERT INTO missing VALUES (1)']));
    assert.equal(out.ok, false);
    if (out.ok) return;
    assert.equal(out.statementsDone, 2);
    assert.equal(out.failedStatement, 2);
    assert.equal(out.committed, false);
    assert.deepEqual(tables(sb.raw()), []);
    const [j] = target.readJournal();
    assert.equal(j.state, 'failed');
    assert.equal(j.statementsDone, 2);
    assert.match(j.error!, /no such table: missing/);
    const [h] = target.readHistory();
    assert.equal(h.success, false);
  });

  it('runs with foreign keys off, so a table rebuild keeps child rows, and checks foreign keys before commit', () => {
    const raw = sb.raw();
    raw.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (pid INTEGER REFERENCES parent(id) ON DELETE CASCADE); INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1);');
    target.db.pragma('foreign_keys = ON');
    const rebuild = target.apply(
      req(1, ['CREATE TABLE parent_new (id INTEGER PRIMARY KEY, note TEXT)', 'INSERT INTO parent_new (id) SELECT id FROM parent', 'DROP TABLE parent', 'ALTER TABLE parent_new RENAME TO parent']),
    );
    assert.equal(rebuild.ok, true);
    assert.equal((raw.prepare('SELECT count(*) AS n FROM child').get() as { n: number }).n, 1, 'the cascade did not delete the child row');
    assert.equal(target.db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on again after the migration');
    const dangling = target.apply(req(2, ['DELETE FROM parent']));
    assert.equal(dangling.ok, false);
    if (dangling.ok) return;
    assert.match((dangling.error as Error).message, /Foreign key check failed/);
    assert.equal((raw.prepare('SELECT count(*) AS n FROM parent').get() as { n: number }).n, 1, 'nothing was committed');
  });

  it('group commit: migrations before a failure are committed, the failing one is not, the rest do not run', () => {
    const r = target.applyGroup([req(1, ['CREATE TABLE a (x)']), req(2, ['CREATE TABLE b (x)', 'SELECT * FROM nope']), req(3, ['CREATE TABLE c (x)'])]);
    assert.equal(r.applied.length, 1);
    assert.equal(r.failure!.index, 1);
    assert.deepEqual(tables(sb.raw()), ['a']);
    assert.deepEqual(
      target.readHistory().map((h) => [h.version, h.success]),
      [
        [1, true],
        [2, false],
      ],
    );
  });

  it('no-transaction: commits statement by statement; a failure leaves a partial entry', () => {
    const out = target.apply(req(1, ['CREATE TABLE a (x)', 'VACUUM', 'CREATE TABLE b (x)', 'CREATE TABLE a (dup)'], { noTransaction: true }));
    assert.equal(out.ok, false);
    if (out.ok) return;
    assert.equal(out.committed, true);
    assert.equal(out.statementsDone, 3);
    assert.deepEqual(tables(sb.raw()), ['a', 'b']);
    const [p] = partialEntries(target.readJournal());
    assert.equal(p.statementsDone, 3);
    assert.ok(p.schemaObjectsBefore);
    assert.deepEqual(target.readHistory(), []);
  });

  it('keeps the per-migration schema hash right incrementally, equal to a fresh replay', () => {
    const steps = [
      ['CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT UNIQUE)', 'CREATE INDEX a_x ON a(x)'],
      ['ALTER TABLE a ADD COLUMN y INT', 'CREATE TABLE b (id INT)'],
      ['CREATE TRIGGER a_ai AFTER INSERT ON a BEGIN INSERT INTO b (id) VALUES (new.id); END', 'CREATE VIEW v AS SELECT * FROM a'],
      ['DROP TABLE b', 'CREATE TABLE b (id INT, z INT)'],
      ['INSERT INTO a (x) VALUES (1)'],
      ['ALTER TABLE a RENAME TO a2', 'ALTER TABLE a2 RENAME COLUMN y TO w'],
      ['DROP INDEX a_x', 'ALTER TABLE a2 DROP COLUMN w'],
      ['DROP TABLE a2'],
      ['CREATE TABLE "Mixed Case" ("Col" INT)', 'ALTER TABLE "mixed case" ADD COLUMN d INT'],
    ];
    const r = target.applyGroup(steps.map((s, i) => req(i + 1, s)));
    assert.equal(r.failure, undefined, String((r.failure?.outcome.error as Error)?.message));
    r.applied.forEach((out, i) => {
      assert.equal(out.schemaAfter, target.replayHash(null, steps.slice(0, i + 1).flat()), `after step ${i + 1}`);
    });
    assert.equal(target.schema.incrementalOff, false);
  });

  it('the incremental hash matches a full read for random schema changes', () => {
    const op = fc.oneof(
      fc.integer({ min: 0, max: 4 }).map((i) => `CREATE TABLE IF NOT EXISTS t${i} (id INTEGER PRIMARY KEY, a TEXT)`),
      fc.integer({ min: 0, max: 4 }).map((i) => `DROP TABLE IF EXISTS t${i}`),
      fc.integer({ min: 0, max: 4 }).map((i) => `CREATE INDEX IF NOT EXISTS i${i} ON t${i}(a)`),
      fc.integer({ min: 0, max: 4 }).map((i) => `DROP INDEX IF EXISTS i${i}`),
      fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 })).map(([i, c]) => `ALTER TABLE t${i} ADD COLUMN c${c} INT`),
      fc.integer({ min: 0, max: 4 }).map((i) => `CREATE VIEW IF NOT EXISTS v${i} AS SELECT ${i}`),
      fc.integer({ min: 0, max: 4 }).map((i) => `INSERT INTO t${i} (a) VALUES ('x')`),
    );
    let k = 0;
    fc.assert(
      fc.property(fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), (groups) => {
        const file = join(sb.root, `prop-${k++}.db`);
        const t = new SqliteTarget({ file });
        try {
          const r = t.applyGroup(groups.map((g, i) => req(i + 1, g)));
          const applied = r.applied.length;
          for (let i = 0; i < applied; i++) assert.equal(r.applied[i].schemaAfter, t.replayHash(null, groups.slice(0, i + 1).flat()), `group ${i}`);
          if (r.failure) assert.equal(t.schemaHash(), applied > 0 ? r.applied[applied - 1].schemaAfter : t.replayHash(null, []));
          // The full-read cross-check before commit never had to fall back.
          assert.equal(t.schema.incrementalOff, false);
        } finally {
          t.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reports SQLITE_BUSY as busy and uncommitted when another connection holds the write lock', () => {
    target.ensureMetadata();
    const other = sb.raw();
    other.exec('BEGIN IMMEDIATE');
    try {
      const out = target.apply(req(1, ['CREATE TABLE a (x)']));
      assert.equal(out.ok, false);
      if (out.ok) return;
      assert.equal(out.busy, true);
      assert.equal(out.committed, false);
    } finally {
      other.exec('ROLLBACK');
    }
  });

  it('snapshots a consistent copy and restores it in place, with the lock row of the restorer', async () => {
    target.apply(req(1, ['CREATE TABLE a (x)']));
    const old = { id: 'old', pid: 1, host: 'h', user: 'u', command: 'migrate up' };
    target.tryAcquireLock(old, 1, 1000, () => false);
    const snap = join(sb.root, 'snap.db');
    target.snapshotTo(snap);
    target.releaseLock('old');
    target.apply(req(2, ['CREATE TABLE b (x)']));
    target.tryAcquireLock({ ...old, id: 'me', command: 'migrate restore' }, 2, 1000, () => false);
    await target.restoreFrom(snap, target.readLock());
    assert.deepEqual(tables(sb.raw()), ['a']);
    assert.deepEqual(target.readHistory().map((h) => h.version), [1]);
    assert.equal(target.readLock()!.id, 'me', 'the snapshot\'s lock row was replaced by the restorer\'s');
    assert.deepEqual(target.integrityCheck(), []);
    await target.restoreFrom(snap, undefined);
    assert.equal(target.readLock(), undefined);
    const clone = target.cloneTo(join(sb.root, 'clone.db'));
    try {
      assert.deepEqual(clone.readHistory().map((h) => h.version), [1]);
      assert.equal(clone.readLock(), undefined);
    } finally {
      clone.close();
    }
  });
});
