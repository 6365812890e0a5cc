import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import type { MigrationNode } from '../../../src/extension/migrations/tree';
import type { RecoveryReport, RunReport, ValidationReport } from '../../../src/runner/migrations';
import { SqliteTarget } from '../../../src/runner/migrations';
import { sqlite } from '../../../src/store/sqlite';
import { root, waitFor } from './support';

/**
 * The migration commands of the palette on a real SQLite database, and the destructive-statement
 * diagnostic. Works on a database of its own (`cmd`: migrations-cmd/ → data/cmd.db), added to
 * .rebound/config.json for the suite and removed after it, so the `app` database and its
 * migrations folder (the Migrations suite's) stay as they were.
 */

const dir = () => join(root(), 'migrations-cmd');
const dbFile = () => join(root(), 'data', 'cmd.db');
const configFile = () => join(root(), '.rebound', 'config.json');

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
const destructive = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'rebound' && codeOf(d) === 'RB-MIGRATE-DESTRUCTIVE');

const ITEMS = '-- rebound:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, note TEXT);\n\n-- rebound:down\nDROP TABLE items;\n';
const DROP_NOTE = '-- rebound:up\nALTER TABLE items DROP COLUMN note;\n\n-- rebound:down\nALTER TABLE items ADD COLUMN note TEXT;\n';

function write(fileName: string, text: string): void {
  writeFileSync(join(dir(), fileName), text);
}

/** A plain connection to data/cmd.db, closed after `fn`. */
function query<T>(fn: (db: import('../../../src/store/sqlite').Database) => T): T {
  const db = new (sqlite())(dbFile(), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const history = () => query((db) => db.prepare('SELECT version, success FROM rebound_migrations ORDER BY version').all() as Array<{ version: number; success: number }>);
const columns = (table: string) => query((db) => (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
const tables = () =>
  query((db) => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'rebound_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name));

/** The pid of a process that has exited (a real child, run to completion and reaped). */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'exit 0']);
  assert.ok(r.pid && r.pid > 0);
  assert.throws(() => process.kill(r.pid, 0), 'the child has exited');
  return r.pid;
}

describe('Migration commands on a real database', () => {
  let api: ReboundApi;
  let originalConfig: string;

  const tree = () => api.ui!.migrations;
  const dbNode = () => {
    const n = tree().getChildren().find((c) => String(tree().getTreeItem(c).label) === 'cmd');
    assert.ok(n, `the cmd database is in the Migrations view; got ${tree().getChildren().map((c) => tree().getTreeItem(c).label).join(', ')}`);
    return n;
  };
  const description = (n: MigrationNode) => String(tree().getTreeItem(n).description);
  /** "0001 create_items: applied · 1 minute ago" per migration of the cmd database. */
  const rows = () => tree().getChildren(dbNode()).map((n) => `${String(tree().getTreeItem(n).label)}: ${description(n)}`);

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    mkdirSync(dir(), { recursive: true });
    write('0001_create_items.sql', ITEMS);
    write('0002_drop_note.sql', DROP_NOTE);
    originalConfig = readFileSync(configFile(), 'utf8');
    const config = JSON.parse(originalConfig) as { databases?: Record<string, unknown> };
    config.databases = { ...config.databases, cmd: { path: 'data/cmd.db', migrations: 'migrations-cmd' } };
    writeFileSync(configFile(), JSON.stringify(config, null, 2));
    await vscode.commands.executeCommand('rebound.refresh');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const store = api.session!.store();
    for (const d of store?.deadLetters.list({ states: ['pending'], kinds: ['migration'] }) ?? []) if (d.operation.startsWith('cmd:')) store!.deadLetters.discard(d.id, 'test cleanup');
    writeFileSync(configFile(), originalConfig);
    await vscode.commands.executeCommand('rebound.refresh');
    rmSync(dir(), { recursive: true, force: true });
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(dbFile() + suffix, { force: true });
    rmSync(join(root(), '.rebound', 'snapshots', 'cmd'), { recursive: true, force: true });
  });

  it('flags DROP TABLE and DROP COLUMN the down section does not restore, at their lines, and not those it restores', async () => {
    const uri = vscode.Uri.file(join(dir(), '0003_cleanup.sql'));
    write(
      '0003_cleanup.sql',
      ['-- rebound:up', 'DROP TABLE legacy;', 'DROP TABLE archive;', 'ALTER TABLE items DROP COLUMN name;', '', '-- rebound:down', 'CREATE TABLE legacy (id INTEGER PRIMARY KEY);', ''].join('\n'),
    );
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const found = await waitFor(() => destructive(uri).length === 2 && destructive(uri), 'two destructive-statement diagnostics');
    const byLine = [...found].sort((a, b) => a.range.start.line - b.range.start.line);
    assert.deepEqual(
      byLine.map((d) => [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character]),
      [
        [2, 0, 2, 'DROP TABLE archive;'.length],
        [3, 0, 3, 'ALTER TABLE items DROP COLUMN name;'.length],
      ],
      'on the DROP TABLE archive and DROP COLUMN name statements, not on DROP TABLE legacy (its down section recreates it)',
    );
    assert.match(byLine[0].message, /table archive/);
    assert.match(byLine[1].message, /column name of items/);
    assert.ok(byLine.every((d) => d.severity === vscode.DiagnosticSeverity.Warning));
    assert.ok(byLine.every((d) => typeof d.code === 'object' && d.code.target.scheme === 'command'), 'the code links to guidance');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    rmSync(uri.fsPath);

    // A file whose down section restores the column has none; taking the restore away makes one appear.
    const restoring = vscode.Uri.file(join(dir(), '0002_drop_note.sql'));
    const doc2 = await vscode.workspace.openTextDocument(restoring);
    const editor = await vscode.window.showTextDocument(doc2);
    const downLine = doc2.lineAt(4);
    assert.equal(downLine.text, 'ALTER TABLE items ADD COLUMN note TEXT;');
    await editor.edit((e) => e.replace(downLine.range, 'SELECT 1;'));
    const d = await waitFor(() => destructive(restoring)[0], 'the diagnostic once the down section no longer restores the column');
    assert.equal(d.range.start.line, 1);
    await editor.edit((e) => e.replace(doc2.lineAt(4).range, 'ALTER TABLE items ADD COLUMN note TEXT;'));
    await waitFor(() => destructive(restoring).length === 0, 'no diagnostic when the down section restores the column');
    await doc2.save();
    assert.equal(readFileSync(restoring.fsPath, 'utf8'), DROP_NOTE);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('typing in a migration file reads config.json no more and checks the file once per pause', async () => {
    const ui = api.ui!;
    const uri = vscode.Uri.file(join(dir(), '0003_typing.sql'));
    write('0003_typing.sql', '-- rebound:up\n\n-- rebound:down\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await waitFor(() => ui.migrationFiles.checks > 0 && vscode.languages.getDiagnostics(uri).length >= 0, 'the first check of the opened file');
    try {
      const readsBefore = ui.config.reads;
      const checksBefore = ui.migrationFiles.checks;
      const text = 'DROP TABLE archive;';
      for (let i = 0; i < text.length; i++) {
        await editor.edit((e) => e.insert(new vscode.Position(1, i), text[i]), { undoStopBefore: false, undoStopAfter: false });
      }
      const d = await waitFor(() => destructive(uri)[0], 'the diagnostic of the typed DROP TABLE');
      assert.equal(d.range.start.line, 1);
      assert.equal(ui.config.reads, readsBefore, `config.json was read ${ui.config.reads - readsBefore} more time(s) while typing`);
      // Each check waits for a 250 ms pause: keystrokes closer together than that are checked once
      // (on a loaded machine an edit's round trip can exceed the pause, so fewer, not exactly one).
      const checks = ui.migrationFiles.checks - checksBefore;
      assert.ok(checks >= 1 && checks < text.length, `${text.length} keystrokes made ${checks} check(s) of the file`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      rmSync(uri.fsPath, { force: true });
    }
  });

  it('rebound.migrate.up applies the pending migrations of the named database', async () => {
    await vscode.commands.executeCommand('rebound.refresh');
    assert.deepEqual(rows(), ['0001 create_items: pending', '0002 drop_note: pending']);
    const r = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.up', { database: 'cmd' });
    assert.ok(r, 'the command reports what it did');
    assert.deepEqual(r.steps.map((s) => s.version), [1, 2]);
    assert.deepEqual(history(), [
      { version: 1, success: 1 },
      { version: 2, success: 1 },
    ]);
    assert.deepEqual(columns('items'), ['id', 'name']);
    assert.equal(query((db) => db.prepare('SELECT COUNT(*) AS n FROM rebound_migrations_lock').get() as { n: number }).n, 0, 'the lock was released');
    assert.equal(existsSync(join(root(), 'data', 'app.db')), false, 'the other database was left alone');
    assert.match(description(dbNode()), /^v2 · 2 applied$/);
    assert.ok(rows().every((row) => / applied · /.test(row)), rows().join(' | '));
  });

  it('rebound.migrate.down refuses arguments that do not say exactly what to roll back, and rolls back nothing', async () => {
    const before = history();
    for (const args of [{ to: '1' }, { to: -1 }, { steps: 1.5 }, { steps: 0 }, { to: 1, steps: 1 }]) {
      const r = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.down', { database: 'cmd', ...args });
      assert.equal(r, undefined, `${JSON.stringify(args)} ran a rollback`);
      assert.deepEqual(history(), before, `${JSON.stringify(args)} changed the history`);
    }
  });

  it('rebound.migrate.down rolls back one step without asking when called with { database, steps }, verified against the schema', async () => {
    const r = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.down', { database: 'cmd', steps: 1 });
    assert.ok(r, 'the rollback ran (no confirmation or failure in between)');
    assert.equal(r.direction, 'down');
    assert.deepEqual(r.steps.map((s) => s.version), [2]);
    assert.deepEqual(history(), [{ version: 1, success: 1 }]);
    assert.deepEqual(columns('items'), ['id', 'name', 'note'], 'the down section put the column back');
    assert.match(description(dbNode()), /^v1 · 1 applied · 1 pending$/);
    const again = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.up', { database: 'cmd' });
    assert.deepEqual(again?.steps.map((s) => s.version), [2]);
  });

  it('the Migrations view shows applied, pending, failed and modified migrations, and rebound.migrate.validate reports the modified file', async () => {
    write('0003_broken.sql', '-- rebound:up\nCREATE TABLE broken (x);\nINSERT INTO nowhere VALUES (1);\n\n-- rebound:down\nDROP TABLE broken;\n');
    write('0004_tags.sql', '-- rebound:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n\n-- rebound:down\nDROP TABLE tags;\n');
    const r = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.up', { database: 'cmd' });
    assert.equal(r, undefined, 'the run failed');
    assert.deepEqual(history(), [
      { version: 1, success: 1 },
      { version: 2, success: 1 },
      { version: 3, success: 0 },
    ]);
    assert.deepEqual(tables(), ['items'], 'nothing of the failed migration (or after it) stayed');
    const events = api.session!.store()!.errors.events.list({ component: 'migrations', text: 'nowhere' }).items;
    assert.ok(events.length >= 1, 'the failure is recorded as an error event');

    write('0001_create_items.sql', ITEMS.replace('note TEXT)', 'note TEXT, extra TEXT)'));
    await vscode.commands.executeCommand('rebound.refresh');
    const shown = rows();
    assert.match(shown[0], /^0001 create_items: modified \(significant\) · /);
    assert.match(shown[1], /^0002 drop_note: applied · /);
    assert.match(shown[2], /^0003 broken: failed · /);
    assert.equal(shown[3], '0004 tags: pending');
    assert.equal(description(dbNode()), 'v2 · 1 applied · 1 pending · 1 failed · 1 modified');
    assert.equal(tree().getTreeItem(tree().getChildren(dbNode())[2]).contextValue, 'rebound.migration.failed');

    const v = await vscode.commands.executeCommand<ValidationReport | undefined>('rebound.migrate.validate', { database: 'cmd' });
    assert.ok(v);
    assert.equal(v.ok, false);
    assert.deepEqual(v.findings.filter((f) => f.severity === 'error').map((f) => `${f.code}:${f.version}`), ['checksum:1']);
    assert.ok(v.findings.some((f) => f.code === 'failed' && f.version === 3), 'the failed migration is reported as a warning');

    write('0001_create_items.sql', ITEMS);
    const ok = await vscode.commands.executeCommand<ValidationReport | undefined>('rebound.migrate.validate', { database: 'cmd' });
    assert.equal(ok?.ok, true, JSON.stringify(ok?.findings));
  });

  it('rebound.migrate.recover breaks the stale lock of a dead runner, marks its run interrupted and clears the failure', async () => {
    const pid = deadPid();
    const target = new SqliteTarget({ file: dbFile() });
    try {
      const attempt = target.tryAcquireLock({ id: 'ghost', pid, host: hostname(), user: 'ghost', command: 'migrate up' }, Date.now(), 600_000, () => false);
      assert.ok(attempt.acquired, 'the ghost lock was written');
      target.startRun({ runId: 'ghost-run', command: 'migrate up', owner: 'ghost', pid, host: hostname(), startedAt: Date.now(), finishedAt: null, state: 'running', detail: null });
    } finally {
      target.close();
    }
    await vscode.commands.executeCommand('rebound.refresh');
    assert.match(description(dbNode()), / · stale lock$/);

    const r = await vscode.commands.executeCommand<RecoveryReport | undefined>('rebound.migrate.recover', { database: 'cmd' });
    assert.ok(r, 'recover ran');
    assert.equal(r.ok, true, r.problems.join('; '));
    assert.deepEqual(r.brokenLocks.map((b) => [b.holder.pid, b.reason]), [[pid, 'dead-owner']]);
    assert.deepEqual(r.interruptedRuns.map((x) => x.runId), ['ghost-run']);
    assert.deepEqual(r.clearedFailures, [3]);
    assert.deepEqual(r.checks.integrity, []);
    assert.deepEqual(r.checks.foreignKeys, []);
    assert.equal(r.checks.schemaHash, r.checks.replayHash, 'the schema matches a fresh replay of the history');

    assert.equal(query((db) => db.prepare('SELECT COUNT(*) AS n FROM rebound_migrations_lock').get() as { n: number }).n, 0, 'no lock is held');
    assert.equal(query((db) => (db.prepare("SELECT state FROM rebound_migrations_runs WHERE run_id = 'ghost-run'").get() as { state: string }).state), 'interrupted');
    assert.deepEqual(history(), [
      { version: 1, success: 1 },
      { version: 2, success: 1 },
    ]);
    assert.equal(description(dbNode()), 'v2 · 2 applied · 2 pending');
    assert.deepEqual(rows().slice(2), ['0003 broken: pending', '0004 tags: pending']);
  });

  it('rebound.migrate.recover reverts a half-applied no-transaction migration shown as partial', async () => {
    rmSync(join(dir(), '0003_broken.sql'));
    rmSync(join(dir(), '0004_tags.sql'));
    write('0003_partial.sql', '-- rebound:no-transaction\n-- rebound:up\nCREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE INDEX p_id ON p(id);\nINSERT INTO nowhere VALUES (1);\n\n-- rebound:down\nDROP TABLE p;\n');
    assert.equal(await vscode.commands.executeCommand('rebound.migrate.up', { database: 'cmd' }), undefined, 'the run failed');
    assert.deepEqual(tables(), ['items', 'p'], 'the statements before the failure stayed committed');
    const partial = rows()[2];
    assert.match(partial, /^0003 partial: partial/);
    assert.equal(description(dbNode()), 'v2 · 2 applied · 1 failed');
    assert.match(String(tree().getTreeItem(dbNode()).contextValue), /\.broken$/);

    const r = await vscode.commands.executeCommand<RecoveryReport | undefined>('rebound.migrate.recover', { database: 'cmd' });
    assert.ok(r);
    assert.equal(r.ok, true, r.problems.join('; '));
    assert.deepEqual(r.reverted.map((x) => [x.version, x.direction, x.statementsUndone]), [[3, 'up', 2]]);
    assert.deepEqual(tables(), ['items'], 'the half-applied statements were undone');
    assert.equal(rows()[2], '0003 partial: pending');
    rmSync(join(dir(), '0003_partial.sql'));
  });

  it('rebound.migrate.down with { database, to } rolls back to a version', async () => {
    const r = await vscode.commands.executeCommand<RunReport | undefined>('rebound.migrate.down', { database: 'cmd', to: 0 });
    assert.deepEqual(r?.steps.map((s) => s.version), [2, 1]);
    assert.deepEqual(history(), []);
    assert.deepEqual(tables(), []);
    assert.deepEqual(rows(), ['0001 create_items: pending', '0002 drop_note: pending']);
  });

  it('parks a failed migration as a dead letter; Retry in the Dead Letters view applies it once the file is fixed', async () => {
    const late = (statements: string) => write('0003_late.sql', `-- rebound:up\nCREATE TABLE late (id INTEGER PRIMARY KEY);\n${statements}\n-- rebound:down\nDROP TABLE late;\n`);
    late('INSERT INTO nowhere VALUES (1);\n');
    assert.equal(await vscode.commands.executeCommand('rebound.migrate.up', { database: 'cmd' }), undefined, 'the run failed');
    const store = api.session!.store()!;
    const entry = store.deadLetters.list({ states: ['pending'], kinds: ['migration'] }).find((d) => d.operation === 'cmd:0003_late.sql');
    assert.ok(entry, 'the failed migration is parked');
    assert.deepEqual(entry.input, { database: 'cmd', command: 'up' });
    await waitFor(() => api.ui!.deadLetters.getChildren().some((n) => JSON.stringify(api.ui!.deadLetters.getTreeItem(n).label).includes('0003_late')), 'the Dead Letters view to list it');

    late('');
    await vscode.commands.executeCommand('rebound.deadLetter.retry', entry.id);
    assert.equal(store.deadLetters.get(entry.id)?.state, 'resolved');
    assert.deepEqual(history().map((h) => [h.version, h.success]), [[1, 1], [2, 1], [3, 1]]);
    assert.deepEqual(tables(), ['items', 'late']);
    assert.deepEqual(rows().map((r) => r.split(':')[0]), ['0001 create_items', '0002 drop_note', '0003 late'], 'the Migrations view follows the retry');
    assert.ok(rows().every((r) => / applied · /.test(r)), rows().join(' | '));
  });
});
