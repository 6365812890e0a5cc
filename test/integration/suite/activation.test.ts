import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';

const EXTENSION_ID = 'rebound-dev.rebound';

describe('Activation', () => {
  let api: ReboundApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<ReboundApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in the test VS Code`);
    api = await ext.activate();
  });

  it('runs in the real VS Code extension host the harness started (1.100 by default)', () => {
    // The harness names the VS Code of the matrix it started; run by hand, that is 1.100.
    const expected = process.env.REBOUND_TEST_VSCODE_VERSION_EXPECTED ?? '1.100';
    assert.ok(vscode.version.startsWith(`${expected}.`) || vscode.version === expected, `VS Code ${vscode.version}, expected ${expected}`);
    assert.equal(vscode.env.appHost === undefined, false);
  });

  it('activates quickly and reports the time it took', () => {
    assert.equal(typeof api.activationTimeMs, 'number');
    console.log(`[rebound:test] activation time: ${api.activationTimeMs.toFixed(1)} ms`);
    assert.ok(api.activationTimeMs < 500, `activation took ${api.activationTimeMs} ms`);
  });

  it('does no database or disk work at activation', () => {
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.equal(existsSync(join(ws, '.rebound', 'rebound.db')), false, 'activation created the database');
  });

  it('registers its commands in the Rebound category', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { commands: Array<{ command: string; category: string }> };
    }).contributes.commands;
    assert.ok(contributed.length >= 2, `only ${contributed.length} commands contributed`);
    for (const c of contributed) {
      assert.equal(c.category, 'Rebound', `${c.command} is not in the Rebound category`);
      assert.ok(all.has(c.command), `${c.command} is contributed but not registered`);
    }
  });

  it('contributes the five views in the Rebound container', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { views: Record<string, Array<{ id: string; name: string }>> };
    };
    assert.deepEqual(
      pkg.contributes.views.rebound.map((v) => v.name),
      ['Errors', 'Dead Letters', 'Tasks', 'Migrations', 'Health'],
    );
    const all = new Set(await vscode.commands.getCommands(true));
    for (const v of pkg.contributes.views.rebound) assert.ok(all.has(`${v.id}.focus`), `view ${v.id} is not registered`);
    await vscode.commands.executeCommand('rebound.errors.focus');
  });

  it('contributes the rebound task type', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { taskDefinitions: Array<{ type: string }> };
    };
    assert.ok(pkg.contributes.taskDefinitions.some((t) => t.type === 'rebound'));
  });
});
