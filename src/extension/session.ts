import * as vscode from 'vscode';
import { AttemptRepository } from '../store/attempts';
import { BreakerRepository } from '../store/breakers';
import { DeadLetterRepository } from '../store/deadLetters';
import { ErrorStore, type ErrorStoreOptions } from '../store/errorStore';
import { ExplorerQueries } from '../store/explorer';
import type { WorkspacePaths } from '../store/location';
import { memoryOnlyNotice, setDriverPreference, sqliteDriver, storeExists, type DriverInfo, type DriverPreference } from '../store/sqlite';
import { Disposable, MutableDisposable } from './lifecycle';
import { paths, watch } from './services';

/** The memory-only warning is shown once per window, not once per workspace folder or reopen. */
let memoryNoticeShown = false;

export interface StoreHandles {
  errors: ErrorStore;
  explorer: ExplorerQueries;
  deadLetters: DeadLetterRepository;
  breakers: BreakerRepository;
  attempts: AttemptRepository;
}

/**
 * One workspace folder's Rebound state. Nothing is opened at activation: the database is opened
 * the first time a view, command or task needs it, and only created when something is written.
 * `onDidChange` fires (coalesced) after this window writes and when another process (the CLI)
 * writes the database, seen through a file watcher rather than polling.
 */
export class ReboundSession extends Disposable {
  private handles: StoreHandles | undefined;
  private openError: Error | undefined;
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  /** The open store's change subscription: one at a time, replaced when the store reopens. */
  private readonly storeChanges = this._register(new MutableDisposable<vscode.Disposable>());
  private pending: ReturnType<typeof setTimeout> | undefined;
  private leases = 0;
  private reopenPending = false;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    private readonly log: vscode.LogOutputChannel,
    /** Rules, retention and health thresholds from the workspace's config, read when the store opens. */
    private readonly storeOptions: () => Partial<ErrorStoreOptions> = () => ({}),
  ) {
    super();
    this._register(watch(folder, '.rebound/rebound.db*', () => this.fireChanged()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('rebound.databasePath', folder) || e.affectsConfiguration('rebound.sqliteDriver')) this.reopen();
      }),
    );
    this._register({ dispose: () => this.close() });
  }

  get paths(): WorkspacePaths {
    return paths(this.folder);
  }

  /** Why the database could not be opened, if it could not. */
  get error(): Error | undefined {
    return this.openError;
  }

  /** The SQLite driver the store uses (loading it if needed), or why none can load. */
  driver(): DriverInfo | Error {
    try {
      setDriverPreference(vscode.workspace.getConfiguration('rebound').get<DriverPreference>('sqliteDriver', 'auto'));
      return sqliteDriver();
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /**
   * The store, or undefined when there is no database yet (and `create` is false) or it cannot be
   * opened (see `error`; the failure is logged and reported once).
   */
  store(create = false): StoreHandles | undefined {
    if (this.handles) return this.handles;
    if (this.openError) return undefined;
    const file = this.paths.db;
    if (!create && !storeExists(file)) return undefined;
    try {
      const driver = this.driver();
      if (driver instanceof Error) throw driver;
      const errors = ErrorStore.open(file, { ...this.storeOptions(), workspaceRoot: this.folder.uri.fsPath });
      const db = errors.db;
      this.handles = {
        errors,
        explorer: new ExplorerQueries(db),
        deadLetters: new DeadLetterRepository(db),
        breakers: new BreakerRepository(db),
        attempts: new AttemptRepository(db),
      };
      this.storeChanges.value = errors.onDidChange(() => this.fireChanged());
      this.log.info(`opened ${file} with SQLite driver ${driver.name} (SQLite ${driver.sqliteVersion}; ${driver.reason})`);
      const memoryOnly = memoryOnlyNotice(driver, file);
      if (memoryOnly && !memoryNoticeShown) {
        memoryNoticeShown = true;
        this.log.warn(memoryOnly);
        void vscode.window.showWarningMessage(memoryOnly, 'Show Log').then((pick) => {
          if (pick) this.log.show(true);
        });
      }
      for (const notice of errors.notices) {
        this.log.warn(notice);
        void vscode.window.showWarningMessage(notice);
      }
      return this.handles;
    } catch (err) {
      this.openError = err instanceof Error ? err : new Error(String(err));
      this.log.error(`cannot open ${file}: ${this.openError.message}`);
      void vscode.window.showErrorMessage(`Rebound cannot open its database: ${this.openError.message}`, 'Show Log').then((pick) => {
        if (pick) this.log.show(true);
      });
      this.fireChanged();
      return undefined;
    }
  }

  /** Tells the views something changed (coalesced into one refresh). */
  fireChanged(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.changed.fire();
    }, 50);
  }

  /**
   * Keeps the database open until the lease is disposed (a task run writes to it): a reopen asked
   * for meanwhile happens when the last lease ends.
   */
  lease(): vscode.Disposable {
    this.leases++;
    let released = false;
    return {
      dispose: () => {
        if (released) return;
        released = true;
        this.leases--;
        if (this.leases === 0 && this.reopenPending) {
          this.reopenPending = false;
          this.reopen();
        }
      },
    };
  }

  /** Closes the database so the next use reopens it (a new path, new rules, or a retry after an error). */
  reopen(): void {
    if (this.leases > 0) {
      this.reopenPending = true;
      return;
    }
    this.close();
    this.openError = undefined;
    this.fireChanged();
  }

  private close(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    this.storeChanges.value = undefined;
    this.handles?.errors.close();
    this.handles = undefined;
  }
}
