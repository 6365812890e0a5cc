import * as vscode from 'vscode';
import { GuidanceCatalog } from '../engine/guidance';
import type { UserRule } from '../engine/classify';
import { loadConfig, type LoadedConfig } from '../runner/config';
import { watch } from './services';

/**
 * `.rebound/config.json` of one workspace folder, read on first use and again after the file
 * changes (seen through a watcher). A broken file does not throw here: `error` says why, and the
 * editor shows the problems on the file itself (configDiagnostics).
 */
export class WorkspaceConfig implements vscode.Disposable {
  private loaded: LoadedConfig | undefined;
  private failure: Error | undefined;
  private catalog: GuidanceCatalog | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after the file changed on disk (the next read sees the new content). */
  readonly onDidChange = this.changed.event;
  private readonly watcher: vscode.Disposable;

  constructor(private readonly folder: vscode.WorkspaceFolder) {
    this.watcher = watch(folder, '.rebound/config.json', () => {
      this.invalidate();
      this.changed.fire();
    });
  }

  /** The validated config; throws the ConfigurationError (with line, column and path) of a bad file. */
  require(): LoadedConfig {
    const c = this.get();
    if (!c) throw this.failure!;
    return c;
  }

  /** The validated config, or undefined when the file is invalid (see `error`). */
  get(): LoadedConfig | undefined {
    if (this.loaded || this.failure) return this.loaded;
    try {
      this.loaded = loadConfig(this.folder.uri.fsPath);
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
    return this.loaded;
  }

  get error(): Error | undefined {
    this.get();
    return this.failure;
  }

  /** The workspace's classification rules (none while the file is invalid). */
  rules(): readonly UserRule[] {
    return this.get()?.config.rules ?? [];
  }

  /** Retention in days: config.json's `retention.days`, else the `rebound.retention.days` setting. */
  retentionDays(): number {
    return this.get()?.config.retention?.days ?? vscode.workspace.getConfiguration('rebound', this.folder).get<number>('retention.days', 30);
  }

  /** The guidance catalog: built-in entries plus the workspace rules' own guidance. */
  guidance(): GuidanceCatalog {
    return (this.catalog ??= new GuidanceCatalog(this.rules()));
  }

  invalidate(): void {
    this.loaded = undefined;
    this.failure = undefined;
    this.catalog = undefined;
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}
