import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { root, waitFor } from './support';

function diagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'rebound');
}

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

describe('Migrations in the editor', () => {
  let api: ReboundApi;
  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
  });

  it('flags a migration without a down section, and the quick fix writes one', async () => {
    const uri = vscode.Uri.file(join(root(), 'migrations', '0002_create_notes.sql'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const d = await waitFor(() => diagnostics(uri).find((x) => codeOf(x) === 'RB-MIGRATE-NO-DOWN'), 'the missing-down diagnostic');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(typeof d.code === 'object' && d.code.target.scheme === 'command', 'the code links to guidance');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
    const fix = actions.find((a) => /down section/i.test(a.title) && a.edit);
    assert.ok(fix, `no quick fix offered; got ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(fix.isPreferred, true);
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    const text = doc.getText();
    assert.match(text, /-- rebound:down/);
    assert.match(text, /DROP INDEX notes_body;[\s\S]*DROP TABLE notes;/, `the down section undoes the up section in reverse order:\n${text}`);
    await waitFor(() => !diagnostics(uri).some((x) => codeOf(x) === 'RB-MIGRATE-NO-DOWN'), 'the diagnostic to clear');
    await doc.save();
  });

  it('flags a statement SQLite cannot run in a transaction and offers to move it out', async () => {
    const uri = vscode.Uri.file(join(root(), 'migrations', '0003_vacuum.sql'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('-- rebound:up\nCREATE TABLE t (id INTEGER PRIMARY KEY);\nVACUUM;\n\n-- rebound:down\nDROP TABLE t;\n'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const d = await waitFor(() => diagnostics(uri).find((x) => codeOf(x) === 'RB-MIGRATE-NON-TRANSACTIONAL'), 'the non-transactional diagnostic');
    assert.equal(d.range.start.line, 2);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
    const move = actions.find((a) => /move/i.test(a.title) && a.edit);
    assert.ok(move, `no move fix; got ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(move.edit!));
    assert.doesNotMatch(doc.getText(), /VACUUM/);
    await doc.save();
    const created = (await vscode.workspace.fs.readDirectory(vscode.Uri.file(join(root(), 'migrations')))).map(([n]) => n).filter((n) => n !== '0003_vacuum.sql' && n.startsWith('0004'));
    assert.equal(created.length, 1, 'a new migration file was created');
    // The new file is created and filled in the editor (unsaved, like any refactoring).
    const movedDoc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(root(), 'migrations', created[0])));
    const moved = movedDoc.getText();
    await movedDoc.save();
    assert.match(moved, /rebound:no-transaction/);
    assert.match(moved, /VACUUM/);
  });

  it('lists the database in the Migrations view and applies pending migrations', async () => {
    const tree = api.ui!.migrations;
    const label = (n: Parameters<typeof tree.getTreeItem>[0]) => String(tree.getTreeItem(n).label);
    const desc = (n: Parameters<typeof tree.getTreeItem>[0]) => String(tree.getTreeItem(n).description);
    await vscode.commands.executeCommand('rebound.refresh');
    let [db] = tree.getChildren();
    assert.equal(label(db), 'app');
    const before = tree.getChildren(db);
    assert.deepEqual(before.map(label), ['0001 create_users', '0002 create_notes', '0003 vacuum', '0004 vacuum']);
    assert.ok(before.every((n) => desc(n).startsWith('pending')), before.map(desc).join(' | '));
    await vscode.commands.executeCommand('rebound.migrate.up');
    assert.ok(existsSync(join(root(), 'data', 'app.db')), 'the target database was created');
    [db] = tree.getChildren();
    assert.match(desc(db), /^v4 · 4 applied/);
    assert.ok(tree.getChildren(db).every((n) => desc(n).startsWith('applied')));
  });

  it('flags an applied migration whose file changed and restores it', async () => {
    const uri = vscode.Uri.file(join(root(), 'migrations', '0001_create_users.sql'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.replace(new vscode.Range(1, 0, 1, doc.lineAt(1).text.length), 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);'));
    const d = await waitFor(() => diagnostics(uri).find((x) => codeOf(x) === 'RB-MIGRATE-MODIFIED'), 'the modified diagnostic');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
    const restore = actions.find((a) => /restore/i.test(a.title) && a.edit);
    assert.ok(restore, `no restore fix; got ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(restore.edit!));
    assert.doesNotMatch(doc.getText(), /email/);
    await waitFor(() => !diagnostics(uri).some((x) => codeOf(x) === 'RB-MIGRATE-MODIFIED'), 'the diagnostic to clear');
    await doc.save();
  });
});
