import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { root, runTask, waitFor } from '../suite/support';

/**
 * The extension where no SQLite driver that saves to disk loads (the harness's "memory-only"
 * profile runs the extension host with REBOUND_SQLITE_DRIVER=sql.js): tasks still run, retry and
 * are classified, the views and diagnostics show them for the life of the window, the Health view
 * says nothing is saved, nothing is written to .rebound/, and migrations are refused.
 */
describe('Rebound with no SQLite driver that saves (sql.js, in memory)', function () {
  this.timeout(60_000);
  let api: ReboundApi;

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
  });

  it('retries and records a transient failure, in memory, and the views show it', async () => {
    await runTask('fetch');
    assert.equal(readFileSync(join(root(), 'tmp', 'flaky.count'), 'utf8').trim(), '3', 'the command ran three times');
    const store = api.session!.store();
    assert.ok(store, `the store opened (${api.session!.error?.message ?? ''})`);
    const events = store.errors.events.list({ task: 'fetch' }).items;
    assert.equal(events.length, 2, 'each failed attempt is an event');
    assert.ok(events.every((e) => e.category === 'transient'));
    const tree = api.ui!.errors;
    const issues = await waitFor(() => {
      const found = tree.getChildren().flatMap((g) => tree.getChildren(g)).flatMap((s) => tree.getChildren(s));
      return found.length > 0 && found;
    }, 'the Errors view to list the issue');
    assert.equal(issues.length, 1);
  });

  it('shows the diagnostics of a failed task', async () => {
    await runTask('compile');
    const uri = vscode.Uri.file(join(root(), 'src', 'app.ts'));
    const diagnostics = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'rebound');
      return d.length === 2 && d;
    }, 'two diagnostics on src/app.ts');
    assert.deepEqual(diagnostics.map((d) => d.range.start.line).sort(), [2, 4]);
  });

  it('says in the Health view that nothing is saved, and writes nothing to disk', () => {
    const driver = api.session!.driver();
    assert.ok(!(driver instanceof Error), String(driver));
    assert.equal(driver.name, 'sql.js');
    assert.equal(driver.persistent, false);
    const tree = api.ui!.health;
    const store = tree.getChildren().find((n) => n.kind === 'store');
    assert.ok(store, 'the Health view lists the store');
    const item = tree.getTreeItem(store);
    assert.equal(item.description, 'sql.js · in memory: nothing is saved');
    assert.deepEqual(
      readdirSync(join(root(), '.rebound')).filter((f) => f.startsWith('rebound.db')),
      [],
      'no database file',
    );
  });

  it('refuses to apply migrations (they need a database file) and creates none', async () => {
    await vscode.commands.executeCommand('rebound.migrate.up');
    assert.equal(existsSync(join(root(), 'data', 'app.db')), false);
  });
});
