import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Classification, Classifier } from '../engine/classify/classifier';
import type { ErrorContext } from '../engine/errors/types';
import type { EventRepository, RecordInput, RecordResult } from './events';
import { SpoolWriter, readSpool, recordInputOf, removeSpool, spoolFiles, spooledInput, writerGone, type SpooledEvent } from './spool';
import type { Database } from './sqlite';
import { isBusy, isUnavailable, sqliteCode } from './storeFailure';

/** What an import did. */
export interface SpoolImport {
  /** Events added to the database. */
  imported: number;
  /** Entries already imported before (by this or another process): not added again. */
  duplicates: number;
  /** Lines that could not be read (cut by a crash while being written). */
  unreadable: number;
  /** Spool files deleted (their writer gone and every entry in the database). */
  removed: number;
  issueIds: number[];
}

/** How long the busy wait is once the database was found busy: the run goes on, events go to the spool. */
const DEGRADED_BUSY_MS = 200;

/** How long an imported id is remembered (longer than any writer lives between two of its opens). */
const KEEP_IDS_MS = 30 * 86_400_000;

/**
 * The store's side of the spool (see spool.ts): sends a batch there when the database is
 * unavailable and brings spooled events back into the database, each once.
 */
export class SpoolKeeper {
  private writer: SpoolWriter | undefined;
  /** The database was busy: the busy wait is short until a write succeeds again. */
  degraded = false;
  private busyTimeout: number | undefined;

  /** The database file's identity when opened: a file deleted or replaced since is "gone". */
  private readonly identity: { dev: number; ino: number } | undefined;

  constructor(
    private readonly db: Database,
    private readonly events: EventRepository,
    private readonly classifier: Classifier,
    private readonly now: () => number,
  ) {
    const file = this.file;
    if (file !== undefined) {
      try {
        const st = statSync(file);
        this.identity = { dev: st.dev, ino: st.ino };
      } catch {
        this.identity = undefined;
      }
    }
  }

  /**
   * Whether the database file was deleted (or replaced) since it was opened, as when
   * `.rebound/` is removed during a run: SQLite would go on writing into the deleted file.
   */
  fileGone(): boolean {
    const file = this.file;
    if (file === undefined || this.identity === undefined) return false;
    try {
      const st = statSync(file);
      return st.ino !== this.identity.ino || st.dev !== this.identity.dev;
    } catch {
      return true;
    }
  }

  /** The database file, or undefined for an in-memory database (nothing to spool for). */
  get file(): string | undefined {
    const name = this.db.name;
    return this.db.memory || !name || name === ':memory:' ? undefined : name;
  }

  /** Whether this process spooled events that are not imported yet. */
  get hasSpooled(): boolean {
    return this.writer !== undefined && this.writer.written.size > 0;
  }

  /** The files this process spooled to. */
  get written(): string[] {
    return this.writer ? [...this.writer.written] : [];
  }

  /**
   * Spools the batch when `err` says the database cannot take it; returns the results (no event,
   * no issue yet, `spooled` naming the file), or undefined when the error is another kind (or the
   * spool could not be written either: then the caller's error stands).
   */
  spoolIfUnavailable(inputs: readonly RecordInput[], err: unknown): RecordResult[] | undefined {
    if (!isUnavailable(err)) return undefined;
    const results = this.spool(inputs, sqliteCode(err) ?? 'SQLITE_CANTOPEN');
    if (results !== undefined && isBusy(err)) this.shortenBusyWait();
    return results;
  }

  /** Spools the batch (see spoolIfUnavailable); `reason` says why (a SQLite code, or FILE_GONE). */
  spool(inputs: readonly RecordInput[], reason: string): RecordResult[] | undefined {
    const file = this.file;
    if (file === undefined) return undefined;
    const now = this.now();
    const classified = inputs.map((input) => input.classification ?? this.classify(input));
    const entries: SpooledEvent[] = inputs.map((input, i) => ({
      id: `${now.toString(36)}-${randomBytes(8).toString('hex')}`,
      spooledAt: now,
      reason,
      input: spooledInput(input, classified[i], now),
    }));
    this.writer ??= new SpoolWriter(file);
    let path: string;
    try {
      path = this.writer.append(entries);
    } catch {
      return undefined;
    }
    return classified.map((classification) => ({ eventId: null, issueId: 0, fingerprint: '', classification, transitions: [], stored: false, spooled: path }));
  }

  /** A write went through again: the normal busy wait comes back. */
  recovered(): void {
    this.degraded = false;
    if (this.busyTimeout === undefined) return;
    try {
      this.db.pragma(`busy_timeout = ${this.busyTimeout}`);
    } catch {
      // The connection is gone; nothing to restore.
    }
  }

  /**
   * Imports every spool file of this database (beside it and in the temp folder): in one
   * transaction per file, the events not imported before and their ids; then deletes the file
   * when its writer is gone. Stops quietly (leaving the rest for later) while the database is unavailable.
   */
  importAll(): SpoolImport {
    const result: SpoolImport = { imported: 0, duplicates: 0, unreadable: 0, removed: 0, issueIds: [] };
    const file = this.file;
    if (file === undefined) return result;
    const files = spoolFiles(file);
    if (files.length === 0) return result;
    const seen = this.db.prepare('SELECT 1 FROM spool_imported WHERE id = ?').pluck();
    const mark = this.db.prepare('INSERT OR IGNORE INTO spool_imported (id, imported_at) VALUES (?, ?)');
    const issues = new Set<number>();
    for (const path of files) {
      const { entries, unreadable } = readSpool(path);
      result.unreadable += unreadable;
      try {
        this.db
          .transaction(() => {
            const fresh = entries.filter((e) => seen.get(e.id) === undefined);
            result.duplicates += entries.length - fresh.length;
            if (fresh.length === 0) return;
            const recorded = this.events.recordBatch(fresh.map(recordInputOf));
            const now = this.now();
            for (const e of fresh) mark.run(e.id, now);
            for (const r of recorded) issues.add(r.issueId);
            result.imported += fresh.length;
          })
          .immediate();
      } catch (err) {
        if (isUnavailable(err)) break;
        throw err;
      }
      this.writer?.written.delete(path);
      if (writerGone(path)) {
        removeSpool(path);
        result.removed += 1;
      }
    }
    try {
      this.db.prepare('DELETE FROM spool_imported WHERE imported_at < ?').run(this.now() - KEEP_IDS_MS);
    } catch {
      // Busy again: old ids stay a while longer.
    }
    result.issueIds = [...issues];
    return result;
  }

  private classify(input: RecordInput): Classification {
    const ctx: ErrorContext = { ...((input.error as { context?: ErrorContext } | undefined)?.context ?? {}), ...(input.context ?? {}) };
    const message = input.message ?? (input.error as { message?: unknown } | undefined)?.message;
    return this.classifier.classify({
      message: typeof message === 'string' ? message : typeof input.error === 'string' ? input.error : undefined,
      output: input.output,
      exitCode: ctx.exitCode,
      signal: ctx.signal,
      error: input.error,
      component: ctx.component,
      task: ctx.task,
    });
  }

  /** The database is held by another process: wait only briefly from now on, so the run is not stalled write after write. */
  private shortenBusyWait(): void {
    if (this.degraded) return;
    this.degraded = true;
    try {
      this.busyTimeout ??= this.db.pragma('busy_timeout', { simple: true }) as number;
      this.db.pragma(`busy_timeout = ${Math.min(DEGRADED_BUSY_MS, this.busyTimeout)}`);
    } catch {
      // The connection is gone: nothing to shorten.
    }
  }
}
