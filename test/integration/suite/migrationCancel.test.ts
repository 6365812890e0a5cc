import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import type { RunReport } from '../../../src/runner/migrations';
import { sqlite, type Database } from '../../../src/store/sqlite';
import { root, waitFor } from './support';

/**
 * Cancelling a migration while one of its statements runs: the statement runs in the migration
 * worker process, which Cancel stops. Works on a database of its own (`cancel`:
 * migrations-cancel/ → data/cancel.db), added to .rebound/config.json for the suite.
 */

const dir = () => join(root(), 'migrations-cancel');
const dbFile = () => join(root(), 'data', 'cancel.db');
const configFile = () => join(root(), '.rebound', 'config.json');

/** A statement that runs for minutes: the test cancels it after it has started. */
const FILL =
  '-- rebound:up\nINSERT INTO big (x) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) SELECT x FROM c;\nCREATE INDEX big_x ON big (x);\n\n-- rebound:down\nDROP INDEX big_x;\n';

/** A read-only look at data/cancel.db; undefined while a writer keeps it busy. */
function query<T>(fn: (db: Database) => T): T | undefined {
  let db: Database | undefined;
  try {
    if (!existsSync(dbFile())) return undefined;
    db = new (sqlite())(dbFile(), { readonly: true });
    return fn(db);
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

describe('Cancelling a running migration', function () {
  this.timeout(60_000);
  let api: ReboundApi;
  let originalConfig: string;

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    mkdirSync(dir(), { recursive: true });
    writeFileSync(join(dir(), '0001_big.sql'), '-- rebound:up\nCREATE TABLE big (x INTEGER);\n\n-- rebound:down\nDROP TABLE big;\n');
    writeFileSync(join(dir(), '0002_fill.sql'), FILL);
    originalConfig = readFileSync(configFile(), 'utf8');
    const config = JSON.parse(originalConfig) as { databases?: Record<string, unknown> };
    config.databases = { ...config.databases, cancel: { path: 'data/cancel.db', migrations: 'migrations-cancel', groupCommit: false, snapshots: false } };
    writeFileSync(configFile(), JSON.stringify(config, null, 2));
    await vscode.commands.executeCommand('rebound.refresh');
  });

  after(async () => {
    const store = api.session!.store();
    for (const d of store?.deadLetters.list({ states: ['pending'], kinds: ['migration'] }) ?? []) if (d.operation.startsWith('cancel:')) store!.deadLetters.discard(d.id, 'test cleanup');
    writeFileSync(configFile(), originalConfig);
    await vscode.commands.executeCommand('rebound.refresh');
    rmSync(dir(), { recursive: true, force: true });
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(dbFile() + suffix, { force: true });
  });

  it('Cancel stops the statement at once; the migration leaves nothing, its history and lock say so', async () => {
    const up = vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.up', { database: 'cancel' });
    // Migration 1 is committed on its own (groupCommit off), so once it is in the history,
    // migration 2's endless statement is running.
    await waitFor(() => query((db) => (db.prepare('SELECT count(*) AS n FROM rebound_migrations WHERE version = 1').get() as { n: number }).n === 1), 'migration 1 applied');

    // The Migrations view does not wait on the database the worker is writing (the extension
    // host's thread would stall for SQLite's busy timeout): it shows the database migrating.
    const tree = api.ui!.migrations;
    const node = tree.getChildren().find((n) => n.kind === 'database' && n.state.db.name === 'cancel');
    assert.ok(node, 'the view lists the database');
    assert.match(String(tree.getTreeItem(node).description), /^migrating…/, 'the last status read, marked migrating');

    const cancelledAt = Date.now();
    const cancelled = await vscode.commands.executeCommand<number>('rebound.migrate.cancel');
    assert.equal(cancelled, 1, 'one migration job was running');
    const result = await up;
    const tookMs = Date.now() - cancelledAt;
    assert.equal(result, undefined, 'the command reports that nothing finished');
    assert.ok(tookMs < 2000, `the migration stopped ${tookMs} ms after Cancel`);

    const state = query((db) => ({
      history: db.prepare('SELECT version, success FROM rebound_migrations ORDER BY version').all(),
      rows: (db.prepare('SELECT count(*) AS n FROM big').get() as { n: number }).n,
      index: db.prepare("SELECT name FROM sqlite_master WHERE name = 'big_x'").get(),
      lock: db.prepare('SELECT * FROM rebound_migrations_lock').all(),
      runs: db.prepare('SELECT state, detail FROM rebound_migrations_runs ORDER BY started_at').all() as Array<{ state: string; detail: string | null }>,
      integrity: db.pragma('integrity_check', { simple: true }),
    }));
    assert.ok(state, 'the database can be read after the cancel');
    assert.deepEqual(state.history, [{ version: 1, success: 1 }], 'migration 2 is not recorded: nothing of it was committed');
    assert.equal(state.rows, 0, 'no row of the interrupted insert stayed');
    assert.equal(state.index, undefined);
    assert.deepEqual(state.lock, [], 'the stopped runner holds no lock');
    assert.equal(state.runs.at(-1)?.state, 'interrupted');
    assert.match(state.runs.at(-1)?.detail ?? '', /Cancelled/);
    assert.equal(state.integrity, 'ok');

    const events = api.session!.store()!.errors.listEvents({ component: 'migrations', text: 'Cancelled while migration 2' }).items;
    assert.equal(events.length, 1, 'the cancellation is recorded, naming the migration');
  });

  it('a database another process is writing shows as busy with its last status, and reads again once it is free', async () => {
    const tree = api.ui!.migrations;
    const description = () => {
      const node = tree.getChildren().find((n) => n.kind === 'database' && n.state.db.name === 'cancel');
      assert.ok(node, 'the view lists the database');
      return String(tree.getTreeItem(node).description);
    };
    await vscode.commands.executeCommand('rebound.refresh');
    assert.match(description(), /^v1 · 1 applied · 1 pending/);
    // Another writer (here a second connection) holds the database's write lock.
    const writer = new (sqlite())(dbFile());
    try {
      writer.exec('BEGIN EXCLUSIVE');
      await vscode.commands.executeCommand('rebound.refresh');
      assert.match(description(), /^busy · v1 · 1 applied · 1 pending/);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
    await vscode.commands.executeCommand('rebound.refresh');
    assert.match(description(), /^v1 · 1 applied · 1 pending/);
  });
});
