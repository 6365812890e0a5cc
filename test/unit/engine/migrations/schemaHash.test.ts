import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { SchemaHasher, schemaHash, schemaKey, type SchemaObject } from '../../../../src/engine/migrations';

const t = (name: string, sql: string, type = 'table', tableName = name): SchemaObject => ({ type, name, tableName, sql });

describe('migrations: schema hash', () => {
  it('does not depend on object order, spacing, keyword case or quoting of simple names', () => {
    const a = [t('users', 'CREATE TABLE users (id INTEGER, name TEXT)'), t('ix', 'CREATE INDEX ix ON users(name)', 'index', 'users')];
    const b = [t('ix', 'create index "ix" on "users" ( name )', 'index', 'users'), t('users', 'CREATE TABLE "users"(id integer,\n  name text)')];
    assert.equal(schemaHash(a), schemaHash(b));
  });

  it('changes with any real difference and leaves out sqlite_ and excluded objects', () => {
    const base = [t('users', 'CREATE TABLE users (id INTEGER)')];
    assert.notEqual(schemaHash(base), schemaHash([t('users', 'CREATE TABLE users (id TEXT)')]));
    assert.notEqual(schemaHash(base), schemaHash([t('users', "CREATE TABLE users (id INTEGER DEFAULT 'A')")]));
    assert.equal(schemaHash(base), schemaHash([...base, t('sqlite_sequence', 'CREATE TABLE sqlite_sequence(name,seq)'), t('rebound_migrations', 'CREATE TABLE rebound_migrations (v)')], { exclude: (n) => n === 'rebound_migrations' }));
  });

  it('SchemaHasher add/remove always equals a fresh hash of the current set', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6 })), { maxLength: 40 }), (ops) => {
        const h = new SchemaHasher();
        const present = new Map<number, SchemaObject>();
        for (const [add, i] of ops) {
          const o = t(`t${i}`, `CREATE TABLE t${i} (x${i} INT)`);
          if (add && !present.has(i)) {
            h.add(schemaKey(o));
            present.set(i, o);
          } else if (!add && present.has(i)) {
            h.remove(schemaKey(o));
            present.delete(i);
          }
        }
        assert.equal(h.hex(), schemaHash([...present.values()]));
      }),
    );
  });
});
