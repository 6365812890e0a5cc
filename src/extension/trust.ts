import * as vscode from 'vscode';

/**
 * Workspace Trust: in a restricted workspace Rebound executes nothing (no task, no migration, no
 * recovery, no retry); stored events stay visible and can be triaged. Returns true when the action
 * may run, otherwise explains why not and offers to manage trust.
 */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const pick = await vscode.window.showWarningMessage(
    `Rebound cannot ${action} in a restricted workspace: running it would execute code from this workspace. ` +
      `Stored errors stay visible and can still be triaged.`,
    manage,
  );
  if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
