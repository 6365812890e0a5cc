import * as assert from 'node:assert/strict';
import { describeStatement, inverseStatement, isDestructive, nonTransactionalReason, splitStatements } from '../../../../src/engine/migrations';

const info = (sql: string) => describeStatement(splitStatements(sql).statements[0]);
const inverse = (sql: string) => inverseStatement(info(sql));
const nonTx = (sql: string) => nonTransactionalReason(info(sql));

describe('migrations: statement analysis', () => {
  it('recognises schema statements and their names', () => {
    assert.deepEqual(info('CREATE TABLE IF NOT EXISTS main."Users" (id INTEGER PRIMARY KEY, "Name" TEXT, CONSTRAINT pk UNIQUE (id))').columns, ['id', 'name']);
    const idx = info('CREATE UNIQUE INDEX ux ON users(email)');
    assert.equal(idx.kind, 'create-index');
    assert.equal(idx.table!.id, 'users');
    assert.equal(info('CREATE TRIGGER tr AFTER UPDATE OF name ON accounts BEGIN SELECT 1; END').table!.id, 'accounts');
    assert.equal(info('ALTER TABLE users ADD email TEXT').column!.id, 'email');
    assert.equal(info('ALTER TABLE users DROP COLUMN email').kind, 'alter-drop-column');
    assert.equal(info('ALTER TABLE users RENAME TO people').newName!.id, 'people');
    assert.equal(info('INSERT OR REPLACE INTO t (a) VALUES (1)').name!.id, 't');
    assert.equal(info('WITH x AS (SELECT 1) DELETE FROM t').kind, 'delete');
    const cte = info('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 9) INSERT INTO metrics (id) SELECT x FROM c');
    assert.equal(cte.kind, 'insert');
    assert.equal(cte.name!.id, 'metrics');
    assert.equal(info('ROLLBACK TO SAVEPOINT s').kind, 'savepoint');
  });

  it('derives inverses of simple statements only', () => {
    assert.equal(inverse('CREATE TABLE main.users (id INT)'), 'DROP TABLE main.users');
    assert.equal(inverse('CREATE INDEX IF NOT EXISTS "ix" ON t(a)'), 'DROP INDEX "ix"');
    assert.equal(inverse('CREATE VIEW v AS SELECT 1'), 'DROP VIEW v');
    assert.equal(inverse('CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END'), 'DROP TRIGGER tr');
    assert.equal(inverse('ALTER TABLE t ADD COLUMN c TEXT NOT NULL DEFAULT 0'), 'ALTER TABLE t DROP COLUMN c');
    assert.equal(inverse('ALTER TABLE main.t RENAME TO u'), 'ALTER TABLE main.u RENAME TO t');
    assert.equal(inverse('ALTER TABLE t RENAME COLUMN a TO b'), 'ALTER TABLE t RENAME COLUMN b TO a');
    assert.equal(inverse('DROP TABLE t'), undefined);
    assert.equal(inverse("INSERT INTO t VALUES ('x')"), undefined);
  });

  it('finds statements SQLite cannot run inside a transaction', () => {
    assert.match(nonTx('VACUUM')!, /VACUUM/);
    assert.match(nonTx("VACUUM INTO 'x.db'")!, /VACUUM/);
    assert.match(nonTx('PRAGMA journal_mode = WAL')!, /journal_mode/);
    assert.match(nonTx('PRAGMA main.foreign_keys=OFF')!, /silently ignored/);
    assert.match(nonTx('pragma synchronous(0)')!, /synchronous/);
    assert.match(nonTx('PRAGMA wal_checkpoint')!, /wal_checkpoint/);
    assert.match(nonTx('BEGIN TRANSACTION')!, /BEGIN/);
    assert.match(nonTx('END')!, /END/);
    assert.match(nonTx('DETACH other')!, /DETACH/);
    assert.equal(nonTx('PRAGMA foreign_keys'), undefined);
    assert.equal(nonTx('PRAGMA user_version = 3'), undefined);
    assert.equal(nonTx('SAVEPOINT a'), undefined);
    assert.equal(nonTx('CREATE TABLE t (x)'), undefined);
  });

  it('marks DROP TABLE and DROP COLUMN as destructive', () => {
    assert.equal(isDestructive(info('DROP TABLE t')), true);
    assert.equal(isDestructive(info('ALTER TABLE t DROP COLUMN c')), true);
    assert.equal(isDestructive(info('DROP INDEX i')), false);
  });
});
