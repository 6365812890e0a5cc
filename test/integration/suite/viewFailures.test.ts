import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { isFailure } from '../../../src/extension/ui/failure';
import { sqlite } from '../../../src/store/sqlite';
import { root, waitFor } from './support';

/**
 * Views that cannot be filled say so: one row with the cause and a command to act on it, never
 * an empty view. A database the store refuses (written by a newer Rebound) stands for any
 * database that cannot be read; an invalid `databases` section for a config problem.
 */
describe('Views that fail say so', function () {
  this.timeout(60_000);
  let api: ReboundApi;
  const future = () => join(root(), '.rebound', 'future.db');
  const configFile = () => join(root(), '.rebound', 'config.json');
  let originalConfig: string;

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    originalConfig = readFileSync(configFile(), 'utf8');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('rebound').update('databasePath', undefined, vscode.ConfigurationTarget.Workspace);
    writeFileSync(configFile(), originalConfig);
    await vscode.commands.executeCommand('rebound.refresh');
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(future() + suffix, { force: true });
  });

  it('a database the store refuses: the Errors, Dead Letters and Health views each show the cause with Retry', async () => {
    const db = new (sqlite())(future());
    db.pragma('user_version = 9999');
    db.close();
    await vscode.workspace.getConfiguration('rebound').update('databasePath', '.rebound/future.db', vscode.ConfigurationTarget.Workspace);
    const ui = api.ui!;
    const providers = { errors: ui.errors, 'dead letters': ui.deadLetters, health: ui.health } as const;
    await waitFor(() => ui.errors.getChildren().some(isFailure), 'the Errors view to show the failure');
    for (const [name, provider] of Object.entries(providers)) {
      const children = (provider as vscode.TreeDataProvider<unknown>).getChildren() as unknown[];
      const rows = children.filter(isFailure);
      assert.equal(rows.length, 1, `the ${name} view shows the failure`);
      assert.ok(children.every((c) => isFailure(c) || (c as { kind?: string }).kind === 'store'), `the ${name} view shows nothing it could not read`);
      const [row] = rows;
      const item = (provider as vscode.TreeDataProvider<unknown>).getTreeItem(row) as vscode.TreeItem;
      assert.match(String(item.label), /^Cannot show /);
      assert.match(String(item.description), /schema version 9999.*Retry/, `the ${name} row names the cause`);
      assert.equal(item.command?.command, 'rebound.refresh');
    }
    await waitFor(() => /cannot open its database/.test(ui.views.errors.message ?? ''), 'the Errors view\'s message to name the failure');

    // Pointing back at the workspace's database: Retry brings the views back.
    await vscode.workspace.getConfiguration('rebound').update('databasePath', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('rebound.refresh');
    await waitFor(() => !ui.errors.getChildren().some(isFailure), 'the Errors view to read the database again');
  });

  it('an invalid databases section: the Migrations view says where, with a command to open config.json', async () => {
    const config = JSON.parse(originalConfig) as Record<string, unknown>;
    config.databases = { broken: { path: 42 } };
    writeFileSync(configFile(), JSON.stringify(config, null, 2));
    await vscode.commands.executeCommand('rebound.refresh');
    const tree = api.ui!.migrations;
    const row = await waitFor(() => tree.getChildren().find(isFailure), 'the Migrations view to show the failure');
    const item = tree.getTreeItem(row);
    assert.match(String(item.label), /^Cannot show the databases/);
    assert.match(String(item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip), /databases\.broken\.path/);
    assert.equal(item.command?.command, 'rebound.openConfig');
    writeFileSync(configFile(), originalConfig);
    await vscode.commands.executeCommand('rebound.refresh');
    await waitFor(() => !tree.getChildren().some(isFailure), 'the Migrations view to list the databases again');
  });
});
