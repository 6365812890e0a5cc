import * as vscode from 'vscode';

const CONFIG_TEMPLATE = `{
  "tasks": {},
  "databases": {}
}
`;

/** The log, the commands that need no store, and the five views (empty until there is data). */
export function registerFoundation(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  const log = vscode.window.createOutputChannel('Rebound', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('rebound.showLog', () => log.show(true)),
    vscode.commands.registerCommand('rebound.openConfig', () => openConfig()),
  );
  return log;
}

async function openConfig(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('Rebound needs a workspace folder: open a folder first.');
    return;
  }
  const uri = vscode.Uri.joinPath(folder.uri, '.rebound', 'config.json');
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Rebound does not create files in a restricted workspace. Trust the workspace first.');
      return;
    }
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(CONFIG_TEMPLATE));
  }
  await vscode.window.showTextDocument(uri);
}
