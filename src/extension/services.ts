import * as vscode from 'vscode';
import { workspacePaths, type WorkspacePaths } from '../store/location';

/**
 * Per-workspace services, opened lazily: activation touches no disk; the first view, command or
 * task that needs the database opens it. Changes made by this window fire `onDidChange` directly;
 * changes made by the CLI are seen through a file watcher on the database's WAL (no polling).
 */
export class LazyResource<T extends { close?(): void }> implements vscode.Disposable {
  private value: T | undefined;
  private failure: Error | undefined;

  constructor(private readonly open: () => T) {}

  /** The resource, or undefined when it could not be opened (see `error`). */
  get(): T | undefined {
    if (this.value || this.failure) return this.value;
    try {
      this.value = this.open();
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
    return this.value;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  get isOpen(): boolean {
    return this.value !== undefined;
  }

  /** Forget a failure or close the resource so the next `get` tries again. */
  reset(): void {
    this.value?.close?.();
    this.value = undefined;
    this.failure = undefined;
  }

  dispose(): void {
    this.reset();
  }
}

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
