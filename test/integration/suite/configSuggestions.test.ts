import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { codeActionsWith, openConfigWithOneProblem, root, waitFor } from './support';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'rebound');

async function fix(uri: vscode.Uri, range: vscode.Range, title: string): Promise<vscode.CodeAction> {
  return (await codeActionsWith(uri, range, title)).find((a) => a.title === title)!;
}

describe('Config "did you mean" quick fixes and one squiggle per mistake', function () {
  this.timeout(40_000);
  const folders: string[] = [];

  before(async () => {
    await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of folders) await vscode.workspace.fs.delete(vscode.Uri.file(join(root(), f)), { recursive: true, useTrash: false });
  });

  it('a misspelt retry preset gets one squiggle (not the schema\'s too) and "Change to" fixes it', async () => {
    folders.push('config-suggest-preset');
    const text = `{\n  "tasks": {\n    "build": { "command": "make", "retry": "standrd" }\n  }\n}\n`;
    const { uri, doc, diagnostic } = await openConfigWithOneProblem('config-suggest-preset', text);
    assert.match(diagnostic.message, /did you mean "standard"\?/);
    // Give the JSON language server (schema validation) time to report what it would.
    await new Promise((r) => setTimeout(r, 2500));
    const all = vscode.languages.getDiagnostics(uri);
    assert.equal(all.length, 1, `one diagnostic for one mistake: ${all.map((d) => `${d.source}: ${d.message}`).join(' | ')}`);
    const change = await fix(uri, diagnostic.range, 'Change to "standard"');
    assert.equal(change.isPreferred, true);
    assert.ok(change.edit && (await vscode.workspace.applyEdit(change.edit)));
    assert.equal(doc.getText(), text.replace('"standrd"', '"standard"'));
    await waitFor(() => vscode.languages.getDiagnostics(uri).length === 0, 'no diagnostic left');
    await doc.save();
  });

  it('suggests the fallback task and the breaker a typo was meant to name', async () => {
    folders.push('config-suggest-names');
    const text = `{\n  "tasks": {\n    "build": { "command": "make", "fallback": "bulid-offline" },\n    "build-offline": { "command": "make offline", "breaker": "registy" }\n  },\n  "breakers": { "registry": { "kind": "consecutive", "threshold": 3, "halfOpenAfterMs": 1000 } }\n}\n`;
    const uri = vscode.Uri.file(join(root(), 'config-suggest-names', '.rebound', 'config.json'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor(() => {
      const d = ours(uri);
      return d.length === 2 && d;
    }, 'two Rebound diagnostics');
    const fallback = diags.find((d) => /fallback/.test(d.message))!;
    const breaker = diags.find((d) => /breaker/.test(d.message))!;
    assert.match(fallback.message, /did you mean "build-offline"\?/);
    assert.match(breaker.message, /did you mean "registry"\?/);
    const f1 = await fix(uri, fallback.range, 'Change to "build-offline"');
    assert.ok(f1.edit && (await vscode.workspace.applyEdit(f1.edit)));
    const after = await waitFor(() => {
      const d = ours(uri);
      return d.length === 1 && d;
    }, 'one diagnostic left');
    const f2 = await fix(uri, after[0].range, 'Change to "registry"');
    assert.ok(f2.edit && (await vscode.workspace.applyEdit(f2.edit)));
    await waitFor(() => ours(uri).length === 0, 'no diagnostic left');
    assert.equal(doc.getText(), text.replace('"bulid-offline"', '"build-offline"').replace('"registy"', '"registry"'));
    await doc.save();
  });
});
