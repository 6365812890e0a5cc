/**
 * SQLite's result codes by number (https://sqlite.org/rescode.html), so an error from node:sqlite
 * (which carries the numeric extended code as `errcode`) gets the same string code better-sqlite3
 * gives it (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`…).
 */
const PRIMARY: Record<number, string> = {
  1: 'ERROR', 2: 'INTERNAL', 3: 'PERM', 4: 'ABORT', 5: 'BUSY', 6: 'LOCKED', 7: 'NOMEM', 8: 'READONLY', 9: 'INTERRUPT',
  10: 'IOERR', 11: 'CORRUPT', 12: 'NOTFOUND', 13: 'FULL', 14: 'CANTOPEN', 15: 'PROTOCOL', 16: 'EMPTY', 17: 'SCHEMA',
  18: 'TOOBIG', 19: 'CONSTRAINT', 20: 'MISMATCH', 21: 'MISUSE', 22: 'NOLFS', 23: 'AUTH', 24: 'FORMAT', 25: 'RANGE',
  26: 'NOTADB', 27: 'NOTICE', 28: 'WARNING', 100: 'ROW', 101: 'DONE',
};

/** Extended codes: primary code → its suffixes, the i-th one being `primary | ((i + 1) << 8)`. */
const EXTENDED: Record<number, readonly string[]> = {
  1: ['MISSING_COLLSEQ', 'RETRY', 'SNAPSHOT'],
  4: ['ROLLBACK'],
  5: ['RECOVERY', 'SNAPSHOT', 'TIMEOUT'],
  6: ['SHAREDCACHE', 'VTAB'],
  8: ['RECOVERY', 'CANTLOCK', 'ROLLBACK', 'DBMOVED', 'CANTINIT', 'DIRECTORY'],
  10: [
    'READ', 'SHORT_READ', 'WRITE', 'FSYNC', 'DIR_FSYNC', 'TRUNCATE', 'FSTAT', 'UNLOCK', 'RDLOCK', 'DELETE', 'BLOCKED',
    'NOMEM', 'ACCESS', 'CHECKRESERVEDLOCK', 'LOCK', 'CLOSE', 'DIR_CLOSE', 'SHMOPEN', 'SHMSIZE', 'SHMLOCK', 'SHMMAP',
    'SEEK', 'DELETE_NOENT', 'MMAP', 'GETTEMPPATH', 'CONVPATH', 'VNODE', 'AUTH', 'BEGIN_ATOMIC', 'COMMIT_ATOMIC',
    'ROLLBACK_ATOMIC', 'DATA', 'CORRUPTFS', 'IN_PAGE',
  ],
  11: ['VTAB', 'SEQUENCE', 'INDEX'],
  14: ['NOTEMPDIR', 'ISDIR', 'FULLPATH', 'CONVPATH', 'DIRTYWAL', 'SYMLINK'],
  19: ['CHECK', 'COMMITHOOK', 'FOREIGNKEY', 'FUNCTION', 'NOTNULL', 'PRIMARYKEY', 'TRIGGER', 'UNIQUE', 'VTAB', 'ROWID', 'PINNED', 'DATATYPE'],
  23: ['USER'],
  27: ['RECOVER_WAL', 'RECOVER_ROLLBACK'],
  28: ['AUTOINDEX'],
};

/** `SQLITE_…` name of a (possibly extended) result code; an unknown extension falls back to its primary code's name. */
export function sqliteCodeName(code: number): string {
  const primary = code & 0xff;
  const ext = code >> 8;
  const base = PRIMARY[primary];
  if (!base) return `SQLITE_UNKNOWN_${code}`;
  const suffix = ext > 0 ? EXTENDED[primary]?.[ext - 1] : undefined;
  return suffix ? `SQLITE_${base}_${suffix}` : `SQLITE_${base}`;
}
