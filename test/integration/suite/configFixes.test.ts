import * as assert from 'node:assert/strict';
import { parse, type ParseError } from 'jsonc-parser';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { codeActionsWith, openConfigWithOneProblem, root, waitFor } from './support';

const isConfigDiagnostic = (d: vscode.Diagnostic) => d.source === 'rebound' && typeof d.code === 'object' && d.code.value === 'RB-CONFIG-001';
const configDiagnostics = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter(isConfigDiagnostic);

describe('Config quick fixes for unknown keys', function () {
  this.timeout(30_000);
  const folders: string[] = [];

  before(async () => {
    await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of folders) await vscode.workspace.fs.delete(vscode.Uri.file(join(root(), f)), { recursive: true, useTrash: false });
  });

  it('renames a misspelt key to the allowed one ("did you mean"), and the diagnostic clears', async () => {
    folders.push('config-fix-rename');
    const text = `{\n  "tasks": {\n    "build": { "command": "make", "retyr": "quick" }\n  }\n}\n`;
    const { uri, doc, diagnostic } = await openConfigWithOneProblem('config-fix-rename', text, isConfigDiagnostic);
    assert.equal(diagnostic.message, `tasks.build.retyr: unknown key "retyr"; did you mean 'retry'?`);

    const actions = await codeActionsWith(uri, diagnostic.range, 'Remove the unknown key "retyr"');
    assert.equal(actions[0]?.title, `Rename to 'retry'`, `the preferred fix comes first: ${actions.map((a) => a.title).join(', ')}`);
    const rename = actions.find((a) => a.title === `Rename to 'retry'`);
    assert.ok(rename?.edit, `a rename is offered: ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(rename.isPreferred, true);
    assert.ok(actions.some((a) => a.title === 'Remove the unknown key "retyr"' && a.edit && !a.isPreferred), 'removing is offered too');

    assert.ok(await vscode.workspace.applyEdit(rename.edit));
    assert.equal(doc.getText(), text.replace('"retyr"', '"retry"'), 'only the key changed');
    await waitFor(() => configDiagnostics(uri).length === 0, 'the diagnostic to clear');
    await doc.save();
  });

  it('removes an unrelated unknown key with its comma: the JSON stays valid and the diagnostic clears', async () => {
    folders.push('config-fix-remove');
    const text = `{\n  // keep this comment\n  "tasks": {\n    "build": {\n      "colour": "red",\n      "command": "make"\n    },\n    "test": { "command": "make test", "flavour": 1 }\n  }\n}\n`;
    const { uri, doc } = await openConfigWithOneProblem('config-fix-remove', text.replace(`"flavour": 1`, `"retry": "quick"`), isConfigDiagnostic);
    const [colour] = configDiagnostics(uri);
    assert.equal(colour.message, 'tasks.build.colour: unknown key "colour"', 'no suggestion for an unrelated key');
    let actions = await codeActionsWith(uri, colour.range, 'Remove the unknown key "colour"');
    assert.ok(!actions.some((a) => a.title.startsWith('Rename')), 'nothing close to rename to');
    let remove = actions.find((a) => a.title === 'Remove the unknown key "colour"');
    assert.ok(remove?.edit);
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    const errors: ParseError[] = [];
    const value = parse(doc.getText(), errors, { allowTrailingComma: false });
    assert.deepEqual(errors, [], `valid JSON (no trailing comma left):\n${doc.getText()}`);
    assert.deepEqual(value, { tasks: { build: { command: 'make' }, test: { command: 'make test', retry: 'quick' } } });
    assert.match(doc.getText(), /\/\/ keep this comment/);
    await waitFor(() => configDiagnostics(uri).length === 0, 'the diagnostic to clear');

    // The last key of an object: the comma before it goes.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text.replace(`"colour": "red",\n      `, ''));
    await vscode.workspace.applyEdit(edit);
    const [flavour] = await waitFor(() => {
      const d = configDiagnostics(uri);
      return d.length === 1 && d;
    }, 'the flavour diagnostic');
    actions = await codeActionsWith(uri, flavour.range, 'Remove the unknown key "flavour"');
    remove = actions.find((a) => a.title === 'Remove the unknown key "flavour"');
    assert.ok(remove?.edit);
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    const errors2: ParseError[] = [];
    assert.deepEqual(parse(doc.getText(), errors2, { allowTrailingComma: false }), { tasks: { build: { command: 'make' }, test: { command: 'make test' } } });
    assert.deepEqual(errors2, [], doc.getText());
    await waitFor(() => configDiagnostics(uri).length === 0, 'the diagnostic to clear');
    await doc.save();
  });

  it('removes the last key without touching the comment on the line before or a one-line object', async () => {
    folders.push('config-fix-comment');
    const text = `{\n  "retention": { "days": 3 }, // keep 3 days\n  "colour": "red"\n}\n`;
    const { uri, doc, diagnostic } = await openConfigWithOneProblem('config-fix-comment', text, isConfigDiagnostic);
    assert.equal(diagnostic.message, 'colour: unknown key "colour"');
    const actions = await codeActionsWith(uri, diagnostic.range, 'Remove the unknown key "colour"');
    const remove = actions.find((a) => a.title === 'Remove the unknown key "colour"');
    assert.ok(remove?.edit);
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    assert.equal(doc.getText(), `{\n  "retention": { "days": 3 } // keep 3 days\n}\n`, 'only the key and the comma before it went');
    await waitFor(() => configDiagnostics(uri).length === 0, 'the diagnostic to clear');
    await doc.save();
  });
});
