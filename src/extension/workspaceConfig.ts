import * as vscode from 'vscode';
import { GuidanceCatalog } from '../engine/guidance';
import type { UserRule } from '../engine/classify';
import { loadConfig, type LoadedConfig } from '../runner/config';
import { readDatabasesSection, resolveDatabase, type ResolvedDatabase } from '../runner/migrations';
import { watch } from './services';
import { Disposable } from './lifecycle';

/**
 * `.rebound/config.json` of one workspace folder, read on first use and again after the file
 * changes (seen through a watcher). A broken file does not throw here: `error` says why, and the
 * editor shows the problems on the file itself (configDiagnostics).
 *
 * Every reader in the window goes through this one cache, so the file is read and validated once
 * per change, not once per use (typing in a migration file asks for the databases on every key).
 */
export class WorkspaceConfig extends Disposable {
  private loaded: LoadedConfig | undefined;
  private failure: Error | undefined;
  private catalog: GuidanceCatalog | undefined;
  /** The `databases` section on its own (a problem elsewhere in the file does not stop migrations). */
  private dbs: { value: ResolvedDatabase[] } | { error: Error } | undefined;
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires after the file changed on disk (the next read sees the new content). */
  readonly onDidChange = this.changed.event;
  /** How many times the file was read and validated (whole file, or the databases section). */
  reads = 0;

  constructor(private readonly folder: vscode.WorkspaceFolder) {
    super();
    this._register(
      watch(folder, '.rebound/config.json', () => {
        this.invalidate();
        this.changed.fire();
      }),
    );
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
    this.reads++;
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

  /**
   * The configured databases, resolved (absolute paths, defaults); throws the ConfigurationError
   * of a bad `databases` section, the same one until the file changes.
   */
  databases(): ResolvedDatabase[] {
    if (!this.dbs) {
      const root = this.folder.uri.fsPath;
      this.reads++;
      try {
        this.dbs = { value: Object.entries(readDatabasesSection(root)).map(([name, cfg]) => resolveDatabase(root, name, cfg)) };
      } catch (err) {
        this.dbs = { error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
    if ('error' in this.dbs) throw this.dbs.error;
    return this.dbs.value;
  }

  invalidate(): void {
    this.dbs = undefined;
    this.loaded = undefined;
    this.failure = undefined;
    this.catalog = undefined;
  }

}
