import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { HealthNote } from '../../engine/health/evaluate';
import type { AppliedFileInfo, AppliedMigration } from '../../engine/migrations';
import {
  openMigrator,
  registerMigrationRetryHandler,
  runInWorker,
  type JobResult,
  type MigrationCommand,
  type MigrationJob,
  type Migrator,
  type MigrationProgress,
  type ResolvedDatabase,
  type RunReport,
  type StatusReport,
} from '../../runner/migrations';
import type { ReboundSession } from '../session';
import { Disposable } from '../lifecycle';

export interface DatabaseState {
  db: ResolvedDatabase;
  /** The status read now, or (while `activity` says why it cannot be read) the last one read. */
  status?: StatusReport;
  error?: string;
  /**
   * Why the status is the last one read: this window is migrating the database, or another
   * process (the CLI, another window) holds its write lock.
   */
  activity?: 'migrating' | 'busy' | 'reading';
}

/**
 * How long a read on the extension host's thread waits for a database another process is writing
 * (SQLite's busy_timeout): the host never stalls for the 5 s a migration runner waits; a busy
 * database shows its last status and is read again shortly.
 */
export const HOST_BUSY_TIMEOUT_MS = 50;
/** When a busy database is read again. */
const BUSY_REREAD_MS = 2000;

/**
 * The workspace's migration targets as the editor sees them: status per database, the applied
 * history for file diagnostics, and the commands (up, down, recover, validate) run with progress
 * and cancellation. Status is read on demand and cached until the next change.
 *
 * The commands run in the migration worker process (dist/migrationWorker.js), never on the
 * extension host's thread: the host keeps no database write transaction open, and Cancel stops a
 * statement that is running (see runInWorker).
 */
export class MigrationsService extends Disposable {
  private cache: DatabaseState[] | undefined;
  private history = new Map<string, Map<string, AppliedMigration>>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** A database's status may have changed (files, history, config): views and health read it again. */
  readonly onDidChange = this.changed.event;
  private readonly activity = this._register(new vscode.EventEmitter<void>());
  /** Only what runs changed (a job started on a database): nothing any database holds. */
  readonly onDidChangeActivity = this.activity.event;

  private readonly watchers = new Map<string, vscode.Disposable>();
  /** Folders are watched from the first read of the status on (activation reads nothing). */
  private watching = false;
  /** The jobs running now (their cancellation). */
  private readonly running = new Set<AbortController>();
  /** How many jobs run on each database (by name): it is not read while they do. */
  private readonly migrating = new Map<string, number>();
  /** The last status read of each database (by name), shown while it cannot be read. */
  private readonly lastStatus = new Map<string, StatusReport>();
  private rereadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly session: ReboundSession,
    private readonly databases: () => ResolvedDatabase[],
    /** dist/migrationWorker.js of the extension. */
    private readonly workerPath: string,
  ) {
    // Dead letters of kind `migration` (the Dead Letters view) re-run on the database config.json
    // names now, in the worker too.
    super();
    this._register(
      registerMigrationRetryHandler(
      (_root, name) => this.databases().find((d) => d.name === name),
      () => this.invalidate(),
        (db, cmd, signal) => runInWorker(db, { kind: 'move', cmd }, { workerPath: this.workerPath, signal }),
      ),
    );
  }

  /**
   * Runs `migrate up|down|to`; a migration that fails is parked in the dead-letter queue (and
   * recorded as an error event, as every failure of `run`).
   */
  move(db: ResolvedDatabase, title: string, cmd: MigrationCommand, onProgress?: (p: MigrationProgress, report: (message: string) => void) => void): Promise<RunReport | undefined> {
    return this.run(db, title, { kind: 'move', cmd }, onProgress);
  }

  /** How many migration jobs are running now. */
  runningCount(): number {
    return this.running.size;
  }

  /** Cancels every running migration job (as the Cancel button of its progress does). */
  cancelAll(): number {
    const n = this.running.size;
    for (const ac of this.running) ac.abort(new Error('Cancelled'));
    return n;
  }

  invalidate(): void {
    this.generation++;
    this.cache = undefined;
    this.history.clear();
    this.changed.fire();
    if (this.watching) this.watchFolders();
  }

  /**
   * A job started on `db`: its row shows it migrating, from the status read last. Nothing is read
   * (the other databases did not change), so the command that starts the job stays short on the
   * host thread; when the job ends, `invalidate` reads everything again.
   */
  private activityChanged(db: ResolvedDatabase): void {
    if (this.cache) this.cache = this.cache.map((s) => (s.db.name === db.name ? this.readState(s.db) : s));
    this.activity.fire();
  }

  /**
   * Watches each database's migrations folder, so a migration file added, changed or deleted
   * there shows in the view without a Refresh. The folders are those config.json names now
   * (watched again when it changes).
   */
  private watchFolders(): void {
    const folders = new Set(this.folders());
    for (const [dir, w] of this.watchers) {
      if (folders.has(dir)) continue;
      w.dispose();
      this.watchers.delete(dir);
    }
    for (const dir of folders) {
      if (this.watchers.has(dir)) continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*.sql'));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const fire = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          this.invalidate();
        }, 200);
      };
      const subs = [watcher, watcher.onDidCreate(fire), watcher.onDidChange(fire), watcher.onDidDelete(fire)];
      this.watchers.set(dir, {
        dispose: () => {
          if (timer) clearTimeout(timer);
          for (const d of subs) d.dispose();
        },
      });
    }
  }

  /** Each database with its status (or why it cannot be read); none while config.json's databases are invalid. */
  states(): DatabaseState[] {
    try {
      return this.readStates();
    } catch {
      // A bad config.json is reported on the file itself and in the Migrations view.
      return [];
    }
  }

  /** As `states`, but throws the ConfigurationError of an invalid `databases` section (the Migrations view shows it). */
  readStates(): DatabaseState[] {
    if (this.cache) return this.cache;
    if (!this.watching) {
      this.watching = true;
      this.watchFolders();
    }
    const dbs = this.databases();
    this.cache = dbs.map((db) => this.readState(db));
    return this.cache;
  }

  private readState(db: ResolvedDatabase): DatabaseState {
    const last = this.lastStatus.get(db.name);
    // The worker holds the database's write lock while it migrates: reading it here would wait.
    if (this.migrating.has(db.name)) return { db, status: last, activity: 'migrating' };
    if (db.url !== undefined) return this.readStateAsync(db, last);
    try {
      const status = this.withMigrator(db, (m, target) => {
        try {
          return m.statusNow();
        } catch (err) {
          if (target.isBusy(err)) return undefined;
          throw err;
        }
      });
      if (!status) {
        this.rereadSoon();
        return { db, status: last, activity: 'busy' };
      }
      this.lastStatus.set(db.name, status);
      return { db, status };
    } catch (err) {
      return { db, error: (err as Error).message };
    }
  }

  /**
   * A PostgreSQL database is read over the network, asynchronously: the view shows the last status
   * (or none) as `reading` and is refreshed when the read ends. The host thread never waits.
   */
  private readStateAsync(db: ResolvedDatabase, last: StatusReport | undefined): DatabaseState {
    let done = this.asyncReads.get(db.name);
    if (done && !done.pending) {
      this.asyncReads.delete(db.name);
      if (done.generation === this.generation) {
        if (done.error !== undefined) return { db, error: done.error };
        return { db, status: last };
      }
      // Started before the last change (a migration job ran meanwhile): it may say what was
      // before the change, so the database is read again.
      done = undefined;
    }
    if (!done) {
      const generation = this.generation;
      const read = { pending: true, error: undefined as string | undefined, generation };
      this.asyncReads.set(db.name, read);
      const { migrator, target } = openMigrator(db);
      void migrator
        .status()
        .then(
          (status) => void (generation === this.generation && this.lastStatus.set(db.name, status)),
          (err: unknown) => void (read.error = (err as Error)?.message ?? String(err)),
        )
        .finally(async () => {
          migrator.dispose();
          await Promise.resolve(target.close()).catch(() => undefined);
          read.pending = false;
          this.cache = undefined;
          this.changed.fire();
        });
    }
    return { db, status: last, activity: 'reading' };
  }

  /**
   * Asynchronous reads (PostgreSQL) under way or just ended, by database name, with the
   * `generation` they started in: one that ended after a later change is not shown.
   */
  private readonly asyncReads = new Map<string, { pending: boolean; error: string | undefined; generation: number }>();
  /** Counts the changes (`invalidate`): a read started before the last one is stale. */
  private generation = 0;

  /** Reads the databases again in a moment (one was busy). */
  private rereadSoon(): void {
    if (this.rereadTimer) return;
    this.rereadTimer = setTimeout(() => {
      this.rereadTimer = undefined;
      this.invalidate();
    }, BUSY_REREAD_MS);
  }

  /** What a command would do now (read only): its steps and what blocks it. */
  async plan(db: ResolvedDatabase, request: Parameters<Migrator['plan']>[0]): ReturnType<Migrator['plan']> {
    if (db.url === undefined) return this.withMigrator(db, (m) => m.planNow(request));
    const { migrator, target } = openMigrator(db);
    try {
      return await migrator.plan(request);
    } finally {
      migrator.dispose();
      await target.close();
    }
  }

  /**
   * What Health says of the databases beyond the store's events: a migration that failed (nothing
   * of it committed) degrades `migrations`, one left partial (some of it committed) makes it failing.
   * From the cached status (read again only after a change, never waiting on a busy database).
   */
  healthNotes(): HealthNote[] {
    const notes: HealthNote[] = [];
    for (const { db, status } of this.states()) {
      for (const e of status?.entries ?? []) {
        if (e.state === 'partial') notes.push({ component: 'migrations', status: 'failing', reason: `${db.name}: migration ${e.version} (${e.fileName ?? e.name}) is partly applied: run Recover` });
        else if (e.state === 'failed') notes.push({ component: 'migrations', status: 'degraded', reason: `${db.name}: migration ${e.version} (${e.fileName ?? e.name}) failed` });
      }
    }
    return notes;
  }

  pendingCount(): number {
    return this.states().reduce((n, s) => n + (s.status?.entries.filter((e) => e.state === 'pending').length ?? 0), 0);
  }

  /** The databases config.json configures (none while its `databases` section is invalid); reads none of them. */
  configured(): ResolvedDatabase[] {
    try {
      return this.databases();
    } catch {
      return [];
    }
  }

  folders(): string[] {
    try {
      return this.databases().map((d) => d.migrationsDir);
    } catch {
      return [];
    }
  }

  /** What the target's history records for an applied migration file (for diagnostics and fixes). */
  applied(file: string): AppliedFileInfo | undefined {
    const db = this.databases().find((d) => d.migrationsDir === dirname(file));
    if (!db) return undefined;
    let byFile = this.history.get(db.name);
    if (!byFile) {
      // While a migration writes the database its history is not read (nor remembered as empty);
      // a PostgreSQL history is read asynchronously: not here (its status is in the view).
      if (this.migrating.has(db.name) || db.url !== undefined) return undefined;
      byFile = new Map();
      try {
        const rows = this.withMigrator(db, (m) => m.historyNow());
        for (const h of rows) if (h.success) byFile.set(h.fileName, h);
      } catch {
        /* an unreadable (or busy) target: no applied info, read again after the next change */
        return undefined;
      }
      this.history.set(db.name, byFile);
    }
    const name = file.split(/[\\/]/).pop()!;
    const h = byFile.get(name);
    return h ? { checksum: h.checksum, source: h.source, upChecksum: h.upChecksum } : undefined;
  }

  private withMigrator<T>(db: ResolvedDatabase, fn: (m: Migrator, target: ReturnType<typeof openMigrator>['target']) => T, signal?: AbortSignal): T {
    const { migrator, target } = openMigrator(db, { signal, busyTimeoutMs: HOST_BUSY_TIMEOUT_MS });
    try {
      return fn(migrator, target);
    } finally {
      migrator.dispose();
      target.close();
    }
  }

  /**
   * Runs a migration job in the worker with progress in the Migrations view (cancellable); a
   * failed migration is parked in the dead-letter queue; failures are recorded as error events.
   */
  async run<J extends MigrationJob>(
    db: ResolvedDatabase,
    title: string,
    job: J,
    onProgress?: (p: MigrationProgress, report: (message: string) => void) => void,
  ): Promise<JobResult<J> | undefined> {
    return vscode.window.withProgress(
      { location: { viewId: 'rebound.migrations' }, title, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        this.running.add(ac);
        this.migrating.set(db.name, (this.migrating.get(db.name) ?? 0) + 1);
        this.activityChanged(db); // the view shows it migrating
        const sub = token.onCancellationRequested(() => ac.abort(new Error('Cancelled')));
        try {
          return await runInWorker(db, job, {
            workerPath: this.workerPath,
            signal: ac.signal,
            onProgress: onProgress ? (p) => onProgress(p, (message) => progress.report({ message })) : undefined,
            park: (entry) => this.session.store(true)?.deadLetters.add(entry),
          });
        } catch (err) {
          this.session.store(true)?.errors.record({
            error: err,
            context: { component: 'migrations', migration: db.name, command: title, file: db.file },
          });
          throw err;
        } finally {
          sub.dispose();
          this.running.delete(ac);
          const left = (this.migrating.get(db.name) ?? 1) - 1;
          if (left > 0) this.migrating.set(db.name, left);
          else this.migrating.delete(db.name);
          this.invalidate();
        }
      },
    );
  }

  override dispose(): void {
    clearTimeout(this.rereadTimer);
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
    super.dispose();
  }
}
