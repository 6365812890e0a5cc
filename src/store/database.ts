import { existsSync, renameSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqlite, type Database } from './sqlite';
import { STORE_STEPS, type StoreStep } from './schema';
import { describeStoreFailure } from './storeFailure';

/** The database file was written by a newer Rebound: it is refused and left untouched. */
export class StoreVersionError extends Error {
  readonly code = 'RB-STORE-VERSION';
  constructor(
    readonly file: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `${file} has store schema version ${found}, but this Rebound understands up to ${supported}. ` +
        `It was written by a newer Rebound; update Rebound (the file was left untouched).`,
    );
    this.name = 'StoreVersionError';
  }
}

export interface OpenOptions {
  /** Milliseconds to wait on a locked database before SQLITE_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /** Store steps to apply; defaults to the real schema. Tests pass a prefix to build older files. */
  steps?: readonly StoreStep[];
  /** Clock used to name a corrupt file that is moved aside. */
  now?: () => number;
}

export interface OpenedDatabase {
  db: Database;
  /** Things the user should be told, such as a corrupt file moved aside. */
  notices: string[];
  /** Schema version before opening (0 for a new file). */
  previousVersion: number;
}

/**
 * Opens (creating if needed) the workspace database: WAL, busy timeout, foreign keys, and the
 * store schema brought up to date step by step, each step in an immediate transaction.
 * A file newer than the code is refused with {@link StoreVersionError}; a corrupt file is renamed
 * with a timestamp and a fresh one created, with a notice saying so.
 */
export function openDatabase(file: string, options: OpenOptions = {}): OpenedDatabase {
  const steps = options.steps ?? STORE_STEPS;
  const notices: string[] = [];
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  try {
    const opened = openAndMigrate(file, steps, options);
    return { ...opened, notices };
  } catch (err) {
    if (err instanceof StoreVersionError) throw err;
    if (!isCorruption(err) || file === ':memory:') throw describeStoreFailure(err, file);
    const stamp = new Date((options.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-');
    const aside = `${file}.corrupt-${stamp}`;
    renameSync(file, aside);
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
    }
    notices.push(
      `The Rebound database ${file} was corrupt (${(err as Error).message}). ` +
        `It was kept as ${aside} and a new, empty database was created.`,
    );
    try {
      const opened = openAndMigrate(file, steps, options);
      return { ...opened, notices };
    } catch (again) {
      throw describeStoreFailure(again, file);
    }
  }
}

function openAndMigrate(file: string, steps: readonly StoreStep[], options: OpenOptions) {
  const Database = sqlite();
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    const previousVersion = db.pragma('user_version', { simple: true }) as number;
    const latest = steps.length === 0 ? 0 : steps[steps.length - 1].version;
    if (previousVersion > latest) throw new StoreVersionError(file, previousVersion, latest);
    if (file !== ':memory:') switchToWal(db, options.busyTimeoutMs ?? 5000);
    // WAL with synchronous=NORMAL: a commit is atomic and survives a crash of the process (only
    // the last commits can be lost on power failure); checkpoints fsync. A checkpoint every
    // 8,192 pages (32 MiB of WAL) instead of SQLite's 1,000: recording writes the same index pages
    // (one per issue) in every batch, so fewer checkpoints copy them fewer times and fsync less.
    // The WAL file is cut back to 64 MiB after a checkpoint that followed a bigger transaction.
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 8192');
    db.pragma('journal_size_limit = 67108864');
    db.pragma('foreign_keys = ON');
    // Deleted rows are overwritten with zeros, not left readable in free pages (errors clear,
    // retention, the size limit, old run definitions rewritten by store v4).
    db.pragma('secure_delete = ON');
    // A cheap check that the file really is a database before we write to it.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    for (const step of steps) {
      if (step.version <= previousVersion) continue;
      db.transaction(() => {
        // Another process may have created or upgraded the file since user_version was read
        // above (two first opens at once): the version that counts is the one under the lock.
        const now = db.pragma('user_version', { simple: true }) as number;
        if (now > latest) throw new StoreVersionError(file, now, latest);
        if (step.version <= now) return;
        step.up(db);
        db.pragma(`user_version = ${step.version}`);
      }).immediate();
    }
    // A step that rewrote rows (v4 redacts old run definitions): old page images leave the WAL too.
    if (previousVersion > 0 && previousVersion < latest && file !== ':memory:') db.pragma('wal_checkpoint(TRUNCATE)');
    return { db, previousVersion };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * `PRAGMA journal_mode = WAL`, retried while another process holds the lock it needs: when
 * several processes open a new file at once, SQLite can answer SQLITE_BUSY to the switch at once
 * without calling the busy handler (seen with node:sqlite's SQLite: 5 of 120 processes in 20 rounds
 * of 6). The retries wait (blocking, 20 ms each) no longer than the busy timeout.
 */
function switchToWal(db: Database, timeoutMs: number): void {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      const code = (err as { code?: string } | undefined)?.code ?? '';
      if (!code.startsWith('SQLITE_BUSY') || Date.now() >= end) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

function isCorruption(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}
