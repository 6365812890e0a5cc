import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryOnlyNotice, NativeModuleError, SqliteError, sqlite, sqliteDriver, type Database } from '../../../src/store/sqlite';
import { sqliteCodeName } from '../../../src/store/sqliteCodes';

/** The driver interface, on whichever driver runs (the unit phase runs this file once per driver). */
describe(`SQLite driver (${process.env.REBOUND_SQLITE_DRIVER ?? 'auto'}, Node ${process.versions.node})`, () => {
  let dir: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rb-driver-'));
    db = new (sqlite())(join(dir, 'x.db'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b BLOB, c REAL)');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the driver it runs and honours REBOUND_SQLITE_DRIVER', () => {
    const info = sqliteDriver();
    const wanted = process.env.REBOUND_SQLITE_DRIVER;
    if (wanted && wanted !== 'auto') assert.equal(info.name, wanted);
    else assert.equal(info.name, 'better-sqlite3', 'auto prefers better-sqlite3 where it loads');
    assert.match(info.sqliteVersion, /^3\.\d+\.\d+$/);
    assert.equal(info.persistent, info.name !== 'sql.js', 'only sql.js keeps its databases in memory');
    const notice = memoryOnlyNotice(info);
    if (info.persistent) assert.equal(notice, undefined);
    else assert.match(notice ?? '', /^Rebound uses sql\.js \(chosen by REBOUND_SQLITE_DRIVER\), which cannot save to disk\. .*in memory only/);
  });

  it('binds as better-sqlite3 does: positional, arrays, named, undefined as NULL, Buffers', () => {
    const ins = db.prepare('INSERT INTO t (a, b, c) VALUES (?, ?, ?)');
    const r = ins.run('one', Buffer.from([0, 1, 2]), 1.5);
    assert.equal(r.changes, 1);
    assert.equal(Number(r.lastInsertRowid), 1);
    ins.run(['two', null, undefined]);
    db.prepare('INSERT INTO t (a, c) VALUES (@a, @c)').run({ a: 'three', c: 3 });
    const rows = db.prepare('SELECT a, b, c FROM t ORDER BY id').all() as Array<{ a: string; b: Buffer | null; c: number | null }>;
    assert.deepStrictEqual(rows, [
      { a: 'one', b: Buffer.from([0, 1, 2]), c: 1.5 },
      { a: 'two', b: null, c: null },
      { a: 'three', b: null, c: 3 },
    ]);
    assert.ok(Buffer.isBuffer(rows[0].b), 'BLOBs read back as Buffers');
    assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype, 'rows are plain objects');
  });

  it('pluck, raw, get, iterate and columns', () => {
    db.prepare('INSERT INTO t (a, c) VALUES (?, ?), (?, ?)').run('x', 1, 'y', 2);
    assert.deepStrictEqual(db.prepare('SELECT a FROM t ORDER BY id').pluck().all(), ['x', 'y']);
    assert.deepStrictEqual(db.prepare('SELECT a, c FROM t ORDER BY id').raw().all(), [['x', 1], ['y', 2]]);
    const st = db.prepare('SELECT a, c FROM t WHERE a = ?');
    assert.deepStrictEqual(st.get('y'), { a: 'y', c: 2 });
    assert.equal(st.get('none'), undefined);
    assert.deepStrictEqual([...(db.prepare('SELECT c FROM t ORDER BY id').pluck().iterate() as Iterable<number>)], [1, 2]);
    assert.deepStrictEqual(st.pluck().pluck(false).get('x'), { a: 'x', c: 1 }, 'pluck(false) restores objects');
    assert.deepStrictEqual(db.prepare('SELECT a, c AS cc FROM t').columns().map((c) => c.name), ['a', 'cc']);
  });

  it('pragma answers rows, or one value with simple', () => {
    assert.equal(db.pragma('journal_mode = WAL', { simple: true }), 'wal');
    assert.deepStrictEqual(db.pragma('user_version'), [{ user_version: 0 }]);
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are enforced by default, as with better-sqlite3');
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000, 'a 5 s busy timeout by default, as with better-sqlite3');
  });

  it('transactions commit, roll back on a throw, and nest through savepoints', () => {
    const ins = db.prepare('INSERT INTO t (a) VALUES (?)');
    const outer = db.transaction((names: string[]) => {
      assert.equal(db.inTransaction, true);
      for (const n of names) ins.run(n);
      try {
        db.transaction(() => {
          ins.run('inner');
          throw new Error('inner fails');
        })();
      } catch {
        /* the savepoint is rolled back, the outer transaction goes on */
      }
      return names.length;
    });
    assert.equal(outer.immediate(['a', 'b']), 2);
    assert.equal(db.inTransaction, false);
    assert.deepStrictEqual(db.prepare('SELECT a FROM t ORDER BY id').pluck().all(), ['a', 'b']);
    assert.throws(() => db.transaction(() => ins.run('a'))(), (e: unknown) => (e as SqliteError).name === 'SqliteError' && (e as SqliteError).code === 'SQLITE_CONSTRAINT_UNIQUE');
    assert.equal(db.inTransaction, false, 'a failed transaction is rolled back');
    assert.throws(() => db.transaction(async () => undefined)(), /cannot return a promise/);
  });

  it("reports SQLite's errors with better-sqlite3's string codes", () => {
    assert.throws(() => db.exec('SELECT * FROM missing'), (e: unknown) => (e as SqliteError).code === 'SQLITE_ERROR' && /no such table: missing/.test((e as Error).message));
    const other = new (sqlite())(join(dir, 'x.db'), { timeout: 0 });
    try {
      if (sqliteDriver().persistent) {
        db.exec('BEGIN IMMEDIATE');
        assert.throws(() => other.exec('BEGIN IMMEDIATE'), (e: unknown) => (e as SqliteError).code === 'SQLITE_BUSY');
        db.exec('ROLLBACK');
      } else {
        // sql.js: one in-memory database per path in a process, which every open of the path shares.
        db.prepare('INSERT INTO t (a) VALUES (?)').run('seen by the other');
        assert.deepStrictEqual(other.prepare('SELECT a FROM t').pluck().all(), ['seen by the other']);
      }
    } finally {
      other.close();
    }
    assert.throws(() => db.prepare('INSERT INTO t (id, a) VALUES (1, ?), (2, ?)').run('same', 'same'), (e: unknown) => (e as SqliteError).code === 'SQLITE_CONSTRAINT_UNIQUE');
    db.exec('CREATE TABLE child (p INTEGER NOT NULL REFERENCES t(id))');
    assert.throws(() => db.prepare('INSERT INTO child (p) VALUES (?)').run(99), (e: unknown) => (e as SqliteError).code === 'SQLITE_CONSTRAINT_FOREIGNKEY');
    assert.throws(() => db.prepare('INSERT INTO child (p) VALUES (?)').run(null), (e: unknown) => (e as SqliteError).code === 'SQLITE_CONSTRAINT_NOTNULL');
    assert.equal(sqliteCodeName(2067), 'SQLITE_CONSTRAINT_UNIQUE');
    assert.equal(sqliteCodeName(517), 'SQLITE_BUSY_SNAPSHOT');
    assert.equal(sqliteCodeName(26), 'SQLITE_NOTADB');
    assert.equal(sqliteCodeName(11 | (99 << 8)), 'SQLITE_CORRUPT');
  });

  it('backs up a consistent copy to a file', async () => {
    db.prepare('INSERT INTO t (a) VALUES (?)').run('kept');
    const copy = join(dir, 'copy.db');
    if (!sqliteDriver().persistent) {
      await assert.rejects(db.backup(copy), /in memory only: there is no file to back up/);
      return;
    }
    await db.backup(copy);
    const c = new (sqlite())(copy, { readonly: true });
    try {
      assert.deepStrictEqual(c.prepare('SELECT a FROM t').pluck().all(), ['kept']);
    } finally {
      c.close();
    }
  });

  it('close is idempotent and open says so', () => {
    assert.equal(db.open, true);
    db.close();
    assert.equal(db.open, false);
    db.close();
    db = new (sqlite())(':memory:');
  });

  it('an unknown REBOUND_SQLITE_DRIVER, or a driver that cannot load, is a clear error naming what is missing', () => {
    const script = `const s = require(${JSON.stringify(join(__dirname, '..', '..', '..', 'src', 'store', 'sqlite.js'))}); try { s.sqlite(); console.log('loaded ' + s.sqliteDriver().name); } catch (e) { console.log(e.code + ' ' + e.message); }`;
    const run = (value: string) => spawnSync(process.execPath, ['-e', script], { env: { ...process.env, REBOUND_SQLITE_DRIVER: value }, encoding: 'utf8' }).stdout;
    assert.match(run('sqlite4'), /^RB-STORE-NATIVE .*REBOUND_SQLITE_DRIVER="sqlite4" is not a driver/);
    const nodeHasSqlite = Number(process.versions.node.split('.')[0]) >= 23 || (process.versions.node.startsWith('22.') && Number(process.versions.node.split('.')[1]) >= 13);
    const out = run('node:sqlite');
    if (nodeHasSqlite) assert.match(out, /^loaded node:sqlite/);
    else assert.match(out, /^RB-STORE-NATIVE Rebound cannot load a SQLite driver: node:sqlite \(chosen by REBOUND_SQLITE_DRIVER\) could not load.*Node 22\.13 or later/);
    assert.match(run('sql.js'), /^loaded sql\.js/);
    assert.match(new NativeModuleError('x').message, /^Rebound cannot load a SQLite driver: x\. This runtime is Node [\d.]+.*Node 22\.13 or later.*platform-specific Rebound VSIX/);
  });
});
