import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { root, waitFor, runTask } from './support';

/** Markdown as the text a reader sees (escapes and non-breaking spaces undone). */
const plain = (md: string) => md.replace(/&nbsp;/g, ' ').replace(/\*\*/g, '').replace(/\\(.)/g, '$1');
const codeValue = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

describe('Remediation code actions on task-output diagnostics', function () {
  this.timeout(60_000);
  let api: ReboundApi;
  const app = () => vscode.Uri.file(join(root(), 'src', 'app.ts'));
  let diagnostic: vscode.Diagnostic;
  let issueId: number;

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    rmSync(join(root(), 'tmp', 'fixed'), { force: true });
    const lettersBefore = new Set(api.session!.store(true)!.deadLetters.list({ states: ['pending'] }).map((d) => d.id));
    await runTask('compile');
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(app()).filter((x) => x.source === 'rebound');
      return d.length === 2 && d;
    }, 'two diagnostics on src/app.ts');
    diagnostic = [...diags].sort((a, b) => a.range.start.line - b.range.start.line)[0];
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(app()));
    const store = api.session!.store()!;
    const issue = store.errors.events.list({ task: 'compile' }).items[0];
    assert.ok(issue, 'the failed compile recorded an event');
    issueId = issue.issueId;
    // The failed run may park a dead letter; the task suites expect only their own.
    for (const d of store.deadLetters.list({ states: ['pending'] })) if (!lettersBefore.has(d.id) && d.operation === 'compile') store.deadLetters.discard(d.id, 'test cleanup');
  });

  it('offers resolve, ignore and guidance for a compiler error, and no retry (retrying does not fix code)', async () => {
    assert.equal(codeValue(diagnostic), 'RB-BUILD-TS');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', app(), diagnostic.range);
    const ours = actions.filter((a) => a.command?.command.startsWith('rebound.') || /Rebound|guidance/.test(a.title));
    const titles = ours.map((a) => a.title).sort();
    assert.deepEqual(titles, ['Ignore the Rebound issue…', 'Resolve the Rebound issue', 'Show guidance for RB-BUILD-TS'], JSON.stringify(actions.map((a) => a.title)));
    const resolve = ours.find((a) => a.title === 'Resolve the Rebound issue')!;
    assert.equal(resolve.command!.command, 'rebound.issue.resolve');
    assert.deepEqual(resolve.command!.arguments, [issueId], 'the action names the issue the diagnostic came from');
    assert.equal(resolve.kind?.value, vscode.CodeActionKind.QuickFix.value);
    const guidance = ours.find((a) => a.title.startsWith('Show guidance'))!;
    assert.deepEqual([guidance.command!.command, guidance.command!.arguments], ['rebound.showGuidance', ['RB-BUILD-TS']]);
    assert.ok(!actions.some((a) => a.command?.command === 'rebound.runTask'), 'no "run again" for a compile error');
  });

  it('shows the guidance in a hover on the diagnostic', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', app(), diagnostic.range.start);
    const text = plain(hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n'));
    assert.match(text, /TypeScript compile error/);
  });

  it('applying "Resolve the Rebound issue" resolves the issue in the store', async () => {
    const store = api.session!.store()!;
    assert.equal(store.errors.getIssue(issueId)!.status, 'unresolved');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', app(), diagnostic.range);
    const resolve = actions.find((a) => a.title === 'Resolve the Rebound issue');
    assert.ok(resolve?.command);
    await vscode.commands.executeCommand(resolve.command.command, ...(resolve.command.arguments ?? []));
    assert.equal(store.errors.getIssue(issueId)!.status, 'resolved');
  });
});
