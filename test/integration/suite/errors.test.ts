import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import type { ErrorsNode } from '../../../src/extension/errors/tree';
import { ErrorStore } from '../../../src/store/errorStore';

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));

describe('Errors view, dead letters, health and status bar on a seeded store', () => {
  let api: ReboundApi;
  let issueIds: number[] = [];

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // Seed through the store a second process (the CLI) would use.
    const store = ErrorStore.open(join(root, '.rebound', 'rebound.db'), { workspaceRoot: root });
    const now = Date.now();
    const results = store.recordBatch([
      { message: 'read ECONNRESET', output: 'npm ERR! code ECONNRESET', context: { task: 'fetch-deps', component: 'tasks', exitCode: 1, attempt: 1 }, time: now - 5000 },
      { message: 'read ECONNRESET', output: 'npm ERR! code ECONNRESET', context: { task: 'fetch-deps', component: 'tasks', exitCode: 1, attempt: 2 }, time: now - 4000 },
      { message: "Type 'string' is not assignable to type 'number'.", context: { task: 'build', component: 'tasks', file: 'src/index.ts', line: 1, column: 14, exitCode: 2 }, time: now - 3000 },
      { message: 'Disk full while writing the report <img src=x onerror=alert(1)>', error: Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }), context: { task: 'report', component: 'tasks' }, time: now - 2000 },
    ]);
    issueIds = [...new Set(results.map((r) => r.issueId))];
    store.close();
    api.session!.reopen();
    api.ui!.refresh();
  });

  it('groups issues by status, then severity, and expands an issue to its latest events', async () => {
    const tree = api.ui!.errors;
    const roots = tree.getChildren();
    assert.deepEqual(roots.map((n) => label(tree.getTreeItem(n))), ['Unresolved']);
    const severities = tree.getChildren(roots[0]);
    assert.ok(severities.length >= 1);
    const issues = severities.flatMap((s) => tree.getChildren(s));
    assert.equal(issues.length, issueIds.length, 'every seeded issue appears once');
    const reset = issues.find((n) => n.kind === 'issue' && n.issue.task === 'fetch-deps') as Extract<ErrorsNode, { kind: 'issue' }>;
    assert.ok(reset, 'the ECONNRESET issue is listed');
    assert.equal(reset.issue.count, 2, 'two events were grouped into one issue');
    const item = tree.getTreeItem(reset);
    assert.match(String(item.description), /2×/);
    assert.equal(item.contextValue, 'rebound.issue.unresolved.task', 'no source location: Open Source Location is not offered');
    const build = issues.find((n) => n.kind === 'issue' && n.issue.task === 'build')!;
    assert.equal(tree.getTreeItem(build).contextValue, 'rebound.issue.unresolved.task.source', 'an issue with a located event offers Open Source Location');
    const events = tree.getChildren(reset);
    assert.equal(events.length, 2);
  });

  it('renders untrusted text in tooltips as text, not markup', () => {
    const tree = api.ui!.errors;
    const all = tree.getChildren().flatMap((g) => tree.getChildren(g)).flatMap((s) => tree.getChildren(s));
    const disk = all.find((n) => n.kind === 'issue' && /no space/i.test(n.issue.title + ' ' + (n.issue.culprit ?? '')) ) ?? all.find((n) => n.kind === 'issue' && n.issue.task === 'report');
    assert.ok(disk, 'the ENOSPC issue is listed');
    const events = tree.getChildren(disk);
    const tip = tree.getTreeItem(events[0]).tooltip as vscode.MarkdownString;
    assert.equal(tip.isTrusted, false);
    assert.equal(tip.supportHtml, false);
    assert.ok(!/(^|[^\\])<img/.test(tip.value), `an unescaped tag reached the Markdown: ${tip.value}`);
    assert.ok(tip.value.includes('\\<img'), 'the tag is escaped as text');
  });

  it('resolves, ignores and reopens through the commands and the tree follows', async () => {
    const tree = api.ui!.errors;
    const id = issueIds[0];
    await vscode.commands.executeCommand('rebound.issue.resolve', id);
    assert.deepEqual(tree.getChildren().map((n) => label(tree.getTreeItem(n))), ['Unresolved', 'Resolved']);
    await vscode.commands.executeCommand('rebound.issue.ignore', id, { mode: 'count', count: 5 });
    assert.ok(tree.getChildren().some((n) => label(tree.getTreeItem(n)) === 'Ignored'));
    await vscode.commands.executeCommand('rebound.issue.reopen', id);
    assert.deepEqual(tree.getChildren().map((n) => label(tree.getTreeItem(n))), ['Unresolved']);
  });

  it('groups by task when asked', async () => {
    const tree = api.ui!.errors;
    await vscode.commands.executeCommand('rebound.errors.groupBy', 'task');
    try {
      const labels = tree.getChildren().map((n) => label(tree.getTreeItem(n))).sort();
      assert.deepEqual(labels, ['build', 'fetch-deps', 'report'], 'task names keep their case');
    } finally {
      await vscode.commands.executeCommand('rebound.errors.groupBy', 'status');
    }
  });

  it('shows the health summary in the status bar', () => {
    api.ui!.refresh();
    const text = api.ui!.statusBar.item.text;
    assert.match(text, /Rebound/);
    assert.match(text, new RegExp(`${issueIds.length} open`));
    assert.equal(api.ui!.statusBar.item.command, 'rebound.openDashboard');
  });

  it('shows component health in the Health view', () => {
    const tree = api.ui!.health;
    const labels = tree.getChildren().map((n) => label(tree.getTreeItem(n)));
    for (const c of ['tasks', 'migrations', 'store', 'breakers']) assert.ok(labels.includes(c), `${c} is missing from ${labels.join(', ')}`);
  });
});
