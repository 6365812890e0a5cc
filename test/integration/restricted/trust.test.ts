import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('Workspace Trust (restricted workspace)', () => {
  it('runs in a restricted workspace', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });
});
