import * as vscode from 'vscode';
import { workspacePaths, type WorkspacePaths } from '../store/location';

/** Where the workspace's database is: the `rebound.databasePath` setting, else `.rebound/rebound.db`. */
export function paths(folder: vscode.WorkspaceFolder): WorkspacePaths {
  const configured = vscode.workspace.getConfiguration('rebound', folder).get<string>('databasePath')?.trim();
  const base = workspacePaths(folder.uri.fsPath);
  return configured ? workspacePaths(folder.uri.fsPath, vscode.Uri.joinPath(folder.uri, configured).fsPath) : base;
}

/** Fires (debounced) when files matching `pattern` in the folder change on disk. */
export function watch(folder: vscode.WorkspaceFolder, pattern: string, onChange: () => void, debounceMs = 250): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, pattern));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
  };
  const subs = [watcher, watcher.onDidChange(fire), watcher.onDidCreate(fire), watcher.onDidDelete(fire)];
  return {
    dispose: () => {
      if (timer) clearTimeout(timer);
      for (const s of subs) s.dispose();
    },
  };
}
