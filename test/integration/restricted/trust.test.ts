import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { ErrorStore } from '../../../src/store/errorStore';

const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('Workspace Trust (restricted workspace)', () => {
  let api: ReboundApi;

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
  });

  it('runs in a restricted workspace', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('applies no migration', async () => {
    await vscode.commands.executeCommand('rebound.migrate.up');
    assert.equal(existsSync(join(root(), 'data', 'app.db')), false, 'a migration ran in a restricted workspace');
  });

  it('still shows stored events and lets them be triaged', async () => {
    const store = ErrorStore.open(join(root(), '.rebound', 'rebound.db'), { workspaceRoot: root() });
    const { issueId } = store.record({ message: 'connect ECONNREFUSED 127.0.0.1:5432', context: { task: 'build', component: 'tasks' } });
    store.close();
    api.session!.reopen();
    const tree = api.ui!.errors;
    const roots = tree.getChildren();
    assert.equal(roots.length, 1);
    const issues = tree.getChildren(roots[0]).flatMap((s) => tree.getChildren(s));
    assert.equal(issues.length, 1);
    await vscode.commands.executeCommand('rebound.issue.resolve', issueId);
    assert.equal(api.session!.store()!.errors.getIssue(issueId)!.status, 'resolved');
  });

  it('marks the commands that execute workspace code as needing trust', () => {
    const pkg = vscode.extensions.getExtension('rebound-dev.rebound')!.packageJSON as { contributes: { commands: Array<{ command: string; enablement?: string }> } };
    for (const id of ['rebound.migrate.up', 'rebound.migrate.down', 'rebound.migrate.recover', 'rebound.deadLetter.retry', 'rebound.deadLetter.retryAll']) {
      const c = pkg.contributes.commands.find((x) => x.command === id);
      assert.ok(c, `${id} is not contributed`);
      assert.match(c.enablement ?? '', /isWorkspaceTrusted/, `${id} is enabled in a restricted workspace`);
    }
  });
});
