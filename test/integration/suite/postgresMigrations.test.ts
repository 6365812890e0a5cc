import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import type { MigrationNode } from '../../../src/extension/migrations/tree';
import type { RecoveryReport, RunReport } from '../../../src/runner/migrations';
import { root, waitFor } from './support';

/**
 * The migration commands on a real PostgreSQL database, from the editor: apply, roll back, and
 * recover a no-transaction migration that failed half-way. The harness (test/harness/run.ts)
 * starts a throwaway server for the integration phases and passes its url in
 * REBOUND_TEST_PG_URL; the suite creates a database of its own on it (t_<random>), added to
 * .rebound/config.json as `pg` (migrations-pg/) for the suite and dropped after it.
 */

const PG_URL_ENV = 'REBOUND_TEST_PG_URL';
const dir = () => join(root(), 'migrations-pg');
const configFile = () => join(root(), '.rebound', 'config.json');

const USERS = '-- rebound:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nCREATE INDEX users_name ON users (name);\n\n-- rebound:down\nDROP INDEX users_name;\nDROP TABLE users;\n';
const POSTS =
  '-- rebound:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\nALTER TABLE users ADD COLUMN email TEXT;\n\n-- rebound:down\nALTER TABLE users DROP COLUMN email;\nDROP TABLE posts;\n';
/** Runs outside a transaction: its first statement commits, its second fails. */
const PARTIAL = '-- rebound:no-transaction\n-- rebound:up\nCREATE TABLE p (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n\n-- rebound:down\nDROP TABLE p;\n';

describe('Migration commands on a real PostgreSQL database', function () {
  this.timeout(60_000);
  let api: ReboundApi;
  let originalConfig: string | undefined;
  let server: string;
  let database: string | undefined;
  let dbUrl: string;

  /** Runs `sql` on the suite's database over a connection of its own. */
  async function query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]> {
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      return (await c.query(sql, values)).rows as T[];
    } finally {
      await c.end();
    }
  }
  /** On the server's own database (CREATE/DROP DATABASE). */
  async function admin(sql: string): Promise<void> {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  }

  const tables = async () => (await query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'rebound_%' ORDER BY 1")).map((r) => r.name);
  const columns = async (table: string) =>
    (await query<{ name: string }>("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position", [table])).map((r) => r.name);
  const history = async () => (await query<{ version: string; success: boolean }>('SELECT version, success FROM rebound_migrations ORDER BY version')).map((r) => ({ version: Number(r.version), success: r.success }));
  const locks = async () => Number((await query<{ n: string }>('SELECT count(*) AS n FROM rebound_migrations_lock'))[0].n);

  const tree = () => api.ui!.migrations;
  const dbNode = (): MigrationNode | undefined => tree().getChildren().find((c) => c.kind === 'database' && c.state.db.name === 'pg');
  const description = (n: MigrationNode) => String(tree().getTreeItem(n).description);
  /** "0001 users: applied · 1 minute ago" per migration of the pg database. */
  const rows = (n: MigrationNode) => tree().getChildren(n).map((m) => `${String(tree().getTreeItem(m).label)}: ${description(m)}`);
  /**
   * The view reads PostgreSQL asynchronously (it shows `reading…` until the read ends, then
   * refreshes): waits until the database's description matches `pattern`, then returns its node.
   */
  const shown = async (pattern: RegExp, what: string) => {
    let last = '(not listed)';
    try {
      return await waitFor(() => {
        const n = dbNode();
        last = n ? description(n) : '(not listed)';
        return n && pattern.test(last) && n;
      }, what);
    } catch (err) {
      throw new Error(`${(err as Error).message}; the view shows "${last}"`);
    }
  };

  before(async () => {
    const url = process.env[PG_URL_ENV];
    if (!url) {
      throw new Error(
        `${PG_URL_ENV} is not set in the extension host: the PostgreSQL suite needs a server. test/harness/run.ts starts one for the integration phases when PostgreSQL is installed (apt-get install postgresql, or scripts/setup.sh).`,
      );
    }
    server = url;
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    const name = `t_${randomBytes(6).toString('hex')}`;
    await admin(`CREATE DATABASE "${name}"`);
    database = name;
    const u = new URL(server);
    u.pathname = `/${name}`;
    dbUrl = u.toString();
    mkdirSync(dir(), { recursive: true });
    writeFileSync(join(dir(), '0001_users.sql'), USERS);
    writeFileSync(join(dir(), '0002_posts.sql'), POSTS);
    originalConfig = readFileSync(configFile(), 'utf8');
    const config = JSON.parse(originalConfig) as { databases?: Record<string, unknown> };
    config.databases = { ...config.databases, pg: { url: dbUrl, migrations: 'migrations-pg', snapshots: false } };
    writeFileSync(configFile(), JSON.stringify(config, null, 2));
    await vscode.commands.executeCommand('rebound.refresh');
  });

  after(async () => {
    if (api) {
      const store = api.session!.store();
      for (const d of store?.deadLetters.list({ states: ['pending'], kinds: ['migration'] }) ?? []) if (d.operation.startsWith('pg:')) store!.deadLetters.discard(d.id, 'test cleanup');
    }
    if (originalConfig !== undefined) {
      writeFileSync(configFile(), originalConfig);
      await vscode.commands.executeCommand('rebound.refresh');
    }
    rmSync(dir(), { recursive: true, force: true });
    if (database) await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });

  it('the Migrations view lists the database (read asynchronously) with its pending migrations', async () => {
    const n = await shown(/^v0 · 0 applied · 2 pending$/, 'the pg database read, with 2 pending migrations');
    assert.deepEqual(rows(n), ['0001 users: pending', '0002 posts: pending']);
    assert.equal(tree().getTreeItem(n).label, 'pg');
  });

  it('rebound.migrate.up applies the migrations: tables, history and lock on the server, the version in the view', async () => {
    // The view is being read (as when it is rendered) while the migration starts: that read ends
    // before the migration does, and must not stand for the status after it.
    await vscode.commands.executeCommand('rebound.refresh');
    assert.match(description(dbNode()!), /^reading…/);
    const r = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.up', { database: 'pg' });
    assert.ok(r, 'the command reports what it did');
    assert.deepEqual(r.steps.map((s) => s.version), [1, 2]);
    assert.equal(r.to, 2);
    assert.deepEqual(await tables(), ['posts', 'users']);
    assert.deepEqual(await columns('users'), ['id', 'name', 'email']);
    assert.deepEqual(await history(), [
      { version: 1, success: true },
      { version: 2, success: true },
    ]);
    assert.equal(await locks(), 0, 'the lock was released');
    const n = await shown(/^v2 · 2 applied$/, 'the view to show version 2');
    const shownRows = rows(n);
    assert.deepEqual(shownRows.map((row) => row.split(':')[0]), ['0001 users', '0002 posts']);
    assert.ok(shownRows.every((row) => / applied · /.test(row)), shownRows.join(' | '));
  });

  it('rebound.migrate.down { database, steps: 1 } rolls back the last migration, verified against the schema', async () => {
    const r = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.down', { database: 'pg', steps: 1 });
    assert.ok(r, 'the rollback ran');
    assert.equal(r.direction, 'down');
    assert.deepEqual(r.steps.map((s) => s.version), [2]);
    assert.equal(r.to, 1);
    assert.deepEqual(await tables(), ['users'], 'the down section dropped posts');
    assert.deepEqual(await columns('users'), ['id', 'name'], 'and the email column');
    assert.deepEqual(await history(), [{ version: 1, success: true }]);
    assert.equal(await locks(), 0);
    const n = await shown(/^v1 · 1 applied · 1 pending$/, 'the view to show version 1');
    assert.match(rows(n)[0], /^0001 users: applied · /);
    assert.equal(rows(n)[1], '0002 posts: pending');
  });

  it('a no-transaction migration failing at its 2nd statement shows as partial; rebound.migrate.recover reverts its 1st', async () => {
    writeFileSync(join(dir(), '0003_partial.sql'), PARTIAL);
    const up = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.up', { database: 'pg' });
    assert.equal(up, undefined, 'the run failed');
    assert.deepEqual(await tables(), ['p', 'posts', 'users'], 'migration 2 applied; the 1st statement of migration 3 stayed committed');
    assert.deepEqual(
      (await history()).filter((h) => h.success),
      [
        { version: 1, success: true },
        { version: 2, success: true },
      ],
    );
    const journal = await query<{ version: string; state: string; statements_done: number }>('SELECT version, state, statements_done FROM rebound_migrations_journal WHERE version = 3 ORDER BY id');
    assert.deepEqual(journal.map((j) => [Number(j.version), j.state, j.statements_done]), [[3, 'failed', 1]], 'the journal says how far it got');
    const parked = api.session!.store()!.deadLetters.list({ states: ['pending'], kinds: ['migration'] }).find((d) => d.operation === 'pg:0003_partial.sql');
    assert.ok(parked, 'the failed migration is parked as a dead letter');
    assert.ok(api.session!.store()!.errors.listEvents({ component: 'migrations', text: 'nowhere' }).items.length >= 1, 'the failure is recorded as an error event');

    const broken = await shown(/^v2 · 2 applied · 1 failed$/, 'the view to show the failed migration');
    assert.match(rows(broken)[2], /^0003 partial: partial/);
    assert.match(String(tree().getTreeItem(broken).contextValue), /\.broken$/);

    const r = await vscode.commands.executeCommand<RecoveryReport | undefined>('rebound.migrate.recover', { database: 'pg' });
    assert.ok(r, 'recover ran');
    assert.equal(r.ok, true, r.problems.join('; '));
    assert.deepEqual(r.reverted.map((x) => [x.version, x.direction, x.statementsUndone]), [[3, 'up', 1]]);
    assert.deepEqual(r.brokenLocks, [], 'the failed run had released its lock');
    assert.equal(r.checks.schemaHash, r.checks.recordedHash, 'the schema is the one recorded after migration 2');
    assert.equal(r.checks.schemaHash, r.checks.replayHash, 'and that of a fresh replay of the history');

    assert.deepEqual(await tables(), ['posts', 'users'], 'the committed CREATE TABLE p was undone');
    assert.deepEqual(await history(), [
      { version: 1, success: true },
      { version: 2, success: true },
    ], 'no failure is recorded any more');
    assert.equal(await locks(), 0, 'no lock is held');
    const journalAfter = await query<{ state: string }>('SELECT state FROM rebound_migrations_journal WHERE version = 3 ORDER BY id');
    assert.deepEqual(journalAfter.map((j) => j.state), ['reverted']);
    const running = await query<{ command: string }>("SELECT command FROM rebound_migrations_runs WHERE state = 'running'");
    assert.deepEqual(running, [], 'no run is left running');

    const n = await shown(/^v2 · 2 applied · 1 pending$/, 'the view to show migration 3 pending again');
    assert.equal(rows(n)[2], '0003 partial: pending');
    assert.doesNotMatch(String(tree().getTreeItem(n).contextValue), /\.broken$/);
  });
});
