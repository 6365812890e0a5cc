import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import type { RunReport } from '../../../src/runner/migrations';
import { sqlite } from '../../../src/store/sqlite';
import { root, waitFor } from './support';

/**
 * A migration that really fails on a real SQLite database gets a diagnostic at its failing
 * statement with quick fixes; a cosmetic change of an applied file offers repair. Works on a
 * database of its own (`fails`: migrations-fails/ → data/fails.db), added to config.json for the
 * suite and removed after it.
 */
const dir = () => join(root(), 'migrations-fails');
const dbFile = () => join(root(), 'data', 'fails.db');
const configFile = () => join(root(), '.rebound', 'config.json');
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'rebound');

const OK = '-- rebound:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);\n\n-- rebound:down\nDROP TABLE items;\n';
const BAD = '-- rebound:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\nINSERT INTO labels (id) VALUES (1);\n\n-- rebound:down\nDROP TABLE tags;\n';

async function actionsAt(uri: vscode.Uri, range: vscode.Range, title: string): Promise<vscode.CodeAction[]> {
  const end = Date.now() + 10_000;
  let last: vscode.CodeAction[] = [];
  while (Date.now() < end) {
    last = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range);
    if (last.some((a) => a.title === title)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no "${title}" action; got ${last.map((a) => a.title).join(', ')}`);
}

describe('Failed migrations: a diagnostic at the failing statement, and repair as a quick fix', function () {
  this.timeout(60_000);
  let api: ReboundApi;
  let originalConfig: string;

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    mkdirSync(dir(), { recursive: true });
    writeFileSync(join(dir(), '0001_items.sql'), OK);
    writeFileSync(join(dir(), '0002_tags.sql'), BAD);
    originalConfig = readFileSync(configFile(), 'utf8');
    const config = JSON.parse(originalConfig) as { databases?: Record<string, unknown> };
    config.databases = { ...config.databases, fails: { path: 'data/fails.db', migrations: 'migrations-fails' } };
    writeFileSync(configFile(), JSON.stringify(config, null, 2));
    await vscode.commands.executeCommand('rebound.refresh');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const store = api.session!.store();
    for (const d of store?.deadLetters.list({ states: ['pending'], kinds: ['migration'] }) ?? []) if (d.operation.startsWith('fails:')) store!.deadLetters.discard(d.id, 'test cleanup');
    writeFileSync(configFile(), originalConfig);
    await vscode.commands.executeCommand('rebound.refresh');
    rmSync(dir(), { recursive: true, force: true });
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(dbFile() + suffix, { force: true });
    rmSync(join(root(), '.rebound', 'snapshots', 'fails'), { recursive: true, force: true });
  });

  it('marks the statement SQLite refused, offers to run again and the guidance, and clears once fixed and applied', async () => {
    const uri = vscode.Uri.file(join(dir(), '0002_tags.sql'));
    const r = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.up', { database: 'fails' });
    assert.equal(r, undefined, 'the run failed');
    const [d] = await waitFor(() => {
      const x = ours(uri);
      return x.length === 1 && x;
    }, 'a diagnostic on the failed migration');
    assert.deepEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [2, 0, 2, 'INSERT INTO labels (id) VALUES (1);'.length], 'on the INSERT');
    assert.match(d.message, /statement 2 of the up section failed: no such table: labels/);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(codeOf(d), 'RB-MIGRATE-001');
    // Health names the failed migration, from the database's own state.
    const health = api.ui!.health;
    await waitFor(() => {
      const n = health.getChildren().find((x) => x.kind === 'component' && x.health.component === 'migrations');
      return n?.kind === 'component' && n.health.status !== 'healthy' && n.health.reasons.some((r) => r === 'fails: migration 2 (0002_tags.sql) failed');
    }, 'Health to name the failed migration');

    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const actions = await actionsAt(uri, d.range, 'Apply the pending migrations of fails again');
    assert.ok(actions.some((a) => a.title === 'Show guidance for RB-MIGRATE-001'), actions.map((a) => a.title).join(', '));

    // Fixing the file clears the mark; the quick fix then applies it.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, d.range, 'INSERT INTO tags (id) VALUES (1);');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(() => ours(uri).every((x) => codeOf(x) !== 'RB-MIGRATE-001'), 'the failure mark to clear once the file changes');
    await doc.save();
    const again = actions.find((a) => a.title === 'Apply the pending migrations of fails again')!;
    const report = await vscode.commands.executeCommand<RunReport | undefined>(again.command!.command, ...(again.command!.arguments ?? []));
    assert.ok(report, 'the second run succeeded');
    const db = new (sqlite())(dbFile(), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT id FROM tags').all(), [{ id: 1 }]);
    } finally {
      db.close();
    }
  });

  it('offers repair on a cosmetic change of an applied file, and the warning goes once accepted', async () => {
    const uri = vscode.Uri.file(join(dir(), '0001_items.sql'));
    writeFileSync(uri.fsPath, `-- the items table\n${OK}`);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('rebound.refresh');
    const [d] = await waitFor(() => {
      const x = ours(uri).filter((y) => codeOf(y) === 'RB-MIGRATE-MODIFIED');
      return x.length === 1 && x;
    }, 'the changed-since-applied warning');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning, 'a cosmetic change');
    assert.doesNotMatch(d.message, /`rebound migrate repair`\.$/, 'the fix is offered, not only the CLI named');
    const actions = await actionsAt(uri, d.range, 'Accept this cosmetic change (repair: record the file\'s new checksum in fails)');
    const repair = actions.find((a) => a.title.startsWith('Accept this cosmetic change'))!;
    const r = await vscode.commands.executeCommand<{ accepted: number[] }>(repair.command!.command, ...(repair.command!.arguments ?? []));
    assert.deepEqual(r?.accepted, [1]);
    await waitFor(() => ours(uri).every((x) => codeOf(x) !== 'RB-MIGRATE-MODIFIED'), 'the warning to go');
  });
});
