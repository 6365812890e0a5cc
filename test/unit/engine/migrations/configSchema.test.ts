import * as assert from 'node:assert/strict';
import { configJsonSchema } from '../../../../src/engine/config/jsonSchema';
import { databaseSchema, databasesSchema } from '../../../../src/engine/migrations';

describe('migrations: databases config schema', () => {
  it('accepts the documented entry and every option', () => {
    assert.ok(databaseSchema.safeParse({ path: 'data/app.db', migrations: 'migrations' }).success);
    const full = {
      path: 'app.db',
      migrations: 'db/migrations',
      engine: 'sqlite',
      historyTable: 'schema_history',
      allowOutOfOrder: true,
      busyTimeoutMs: 1000,
      busyRetry: 'quick',
      lock: { waitMs: 1000, expiryMs: 60000, heartbeatMs: 1000 },
      snapshots: { enabled: true, keep: 3, dir: '.snap' },
      groupCommit: { maxMigrations: 10, maxMs: 100 },
    };
    assert.ok(databaseSchema.safeParse(full).success, JSON.stringify(databaseSchema.safeParse(full).error?.issues));
    assert.ok(databaseSchema.safeParse({ path: 'a.db', snapshots: false, groupCommit: false }).success);
  });

  it('rejects unknown keys, a missing path and bad values, with their paths', () => {
    const r = databasesSchema.safeParse({ app: { path: 'a.db', migration: 'x' } });
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues[0].path, ['app']);
    assert.match(r.error!.issues[0].message, /migration/);
    assert.equal(databaseSchema.safeParse({ migrations: 'm' }).success, false);
    assert.equal(databaseSchema.safeParse({ path: 'a.db', historyTable: 'x; DROP TABLE y' }).success, false);
    assert.equal(databaseSchema.safeParse({ path: 'a.db', lock: { expiryMs: 5 } }).success, false);
  });

  it('converts to JSON Schema for the config file: exactly one of path (SQLite) and url (PostgreSQL)', () => {
    const schema = configJsonSchema() as { properties: { databases: { additionalProperties: { properties: Record<string, unknown>; additionalProperties: boolean; oneOf: unknown } } } };
    const db = schema.properties.databases.additionalProperties;
    assert.ok(db.properties.path && db.properties.url);
    assert.equal(db.additionalProperties, false);
    assert.deepEqual(db.oneOf, [
      { required: ['path'], not: { required: ['url'] } },
      { required: ['url'], not: { required: ['path'] } },
    ]);
    assert.equal(databaseSchema.safeParse({ path: 'a.db', url: 'postgres://app@localhost/app' }).success, false);
  });
});
