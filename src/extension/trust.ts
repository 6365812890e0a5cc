import * as vscode from 'vscode';

/**
 * Workspace Trust: in a restricted workspace Rebound executes nothing (no task, no migration, no
 * recovery, no retry); stored events stay visible and can be triaged. Returns true when the action
 * may run; otherwise explains why not (without waiting for the message to be dismissed) and
 * offers to manage trust.
 */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window
    .showWarningMessage(
      `Rebound cannot ${action} in a restricted workspace: running it would execute code from this workspace. ` +
        `Stored errors stay visible and can still be triaged.`,
      manage,
    )
    .then((pick) => {
      if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}
