import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockError, ReboundError, isReboundError } from '../engine/errors';

/** The `SQLITE_…` code of a driver error (better-sqlite3 and node:sqlite adapters both set `code`), or undefined. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** A database that cannot take the write now: busy, locked, full, read-only, gone, or damaged. */
export function isUnavailable(err: unknown): boolean {
  const code = sqliteCode(err);
  if (code !== undefined) return /^SQLITE_(?:BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|PERM|PROTOCOL)/.test(code);
  // The connection was closed under us, or its file is gone.
  const message = (err as Error | undefined)?.message ?? '';
  return err instanceof TypeError && /database connection is not open/i.test(message);
}

/** Whether another process holds the database's lock (exit 3 in the CLI). */
export function isBusy(err: unknown): boolean {
  return /^SQLITE_(?:BUSY|LOCKED)/.test(sqliteCode(err) ?? '');
}

/** The store could not be used; the message names the file and the next step. */
export class StoreUnavailableError extends ReboundError {
  static override readonly kind: string = 'StoreUnavailableError';
  static override readonly defaults = { code: 'RB-STORE-001', category: 'system', severity: 'HIGH', retryable: false } as const;
}

/**
 * Turns a SQLite failure on `file` into an error whose message says what happened to which file
 * and what to do next (the raw code follows in brackets). A held lock becomes a LockError (exit 3
 * in the CLI); anything else a StoreUnavailableError. Other errors, and errors already described,
 * are returned as they are.
 */
export function describeStoreFailure(err: unknown, file: string, detail: { spool?: string } = {}): unknown {
  const code = sqliteCode(err);
  if (isReboundError(err) || (code === undefined && !isUnavailable(err))) return err;
  const raw = code ?? 'connection closed';
  const kept = detail.spool ? ` Failure events of this run were kept in ${detail.spool} and are added to the database when Rebound next opens it.` : '';
  const context = { component: 'store', file };
  const options = { cause: err, context };
  const dir = dirname(file);
  if (/^SQLITE_(?:BUSY|LOCKED)/.test(raw)) {
    return new LockError(
      `${file} is locked by another process (a write in progress, or a program such as sqlite3 or a backup holding it). ` +
        `Wait for it to finish or close that program, then run the command again.${kept} (${raw})`,
      { ...options, code: 'RB-LOCK-STORE' },
    );
  }
  if (raw.startsWith('SQLITE_FULL')) {
    return new StoreUnavailableError(
      `${file} cannot grow: the disk holding ${dir} is full (or the file reached SQLite's page limit). ` +
        `Free space on that disk, or lower "limits.maxDatabaseMb" / "retention.days" in .rebound/config.json, then run again.${kept} (${raw})`,
      { ...options, code: 'RB-STORE-FULL' },
    );
  }
  if (/^SQLITE_(?:READONLY|PERM)/.test(raw)) {
    return new StoreUnavailableError(
      `${file} cannot be written: the file or its folder ${dir} is read-only for this user. ` +
        `Make both writable (for example \`chmod u+w "${dir}" "${file}"\`) or run Rebound as their owner.${kept} (${raw})`,
      { ...options, code: 'RB-STORE-READONLY' },
    );
  }
  if (raw.startsWith('SQLITE_CANTOPEN') && existsSync(dir)) {
    return new StoreUnavailableError(
      `${file} cannot be opened or created: its folder ${dir} is read-only or not accessible for this user. ` +
        `Make it writable (for example \`chmod u+w "${dir}"\`) or run Rebound as its owner.${kept} (${raw})`,
      { ...options, code: 'RB-STORE-READONLY' },
    );
  }
  if (raw.startsWith('SQLITE_CANTOPEN') || raw === 'connection closed') {
    return new StoreUnavailableError(
      `${file} cannot be opened: its folder ${dir} is missing, was deleted while Rebound ran, or is not accessible. ` +
        `Check that the workspace folder exists and is writable, then run again: Rebound recreates the file.${kept} (${raw})`,
      { ...options, code: 'RB-STORE-OPEN' },
    );
  }
  if (/^SQLITE_(?:CORRUPT|NOTADB)/.test(raw)) {
    return new StoreUnavailableError(
      `${file} is damaged: part of it cannot be read. Move it aside (\`mv "${file}" "${file}.damaged"\`) and run again; ` +
        `Rebound creates a new database, and \`sqlite3 "${file}.damaged" .recover\` can save what is still readable.${kept} (${raw})`,
      { ...options, code: 'RB-STORE-CORRUPT' },
    );
  }
  if (raw.startsWith('SQLITE_IOERR')) {
    return new StoreUnavailableError(
      `Reading or writing ${file} failed in the operating system (a full or removed disk, a network folder gone). ` +
        `Check the disk holding ${dir}, then run again.${kept} (${raw})`,
      { ...options, code: 'RB-STORE-IO' },
    );
  }
  return new StoreUnavailableError(`${file}: SQLite failed: ${(err as Error)?.message ?? raw}. Run \`rebound health\` to check the database. (${raw})`, options);
}
