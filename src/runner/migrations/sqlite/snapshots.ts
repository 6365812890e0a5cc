import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileSqlite } from '../../../store/sqlite';
import type { SqliteTarget } from '../sqliteTarget';
import type { LockRow, MigrationSnapshots } from '../target';
import type { SqliteConnection } from './connection';

/** Consistent copies of the database (VACUUM INTO) and restoring one in place (the backup API). */
export class SqliteSnapshots implements MigrationSnapshots {
  constructor(
    private readonly conn: SqliteConnection,
    /** Opens another file of the same target configuration (for clones). */
    private readonly open: (file: string) => SqliteTarget,
  ) {}

  /** A consistent copy (VACUUM INTO). It may hold the lock row of the runner taking it: `restoreFrom` replaces that. */
  snapshotTo(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) rmSync(file);
    this.conn.db.prepare('VACUUM INTO ?').run(file);
  }

  async restoreFrom(file: string, lock: LockRow | undefined): Promise<void> {
    const tmp = `${this.conn.file}.restore-${randomBytes(4).toString('hex')}`;
    copyFileSync(file, tmp);
    const Database = fileSqlite();
    const source = new Database(tmp);
    try {
      const hasLock = source.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?`).get(this.conn.names.lock) as { n: number };
      if (hasLock.n > 0) {
        source.prepare(`DELETE FROM ${this.conn.q('lock')}`).run();
        if (lock) {
          source
            .prepare(`INSERT INTO ${this.conn.q('lock')} (id, owner_id, pid, host, user, command, acquired_at, heartbeat_at, expiry_ms) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`)
            .run(lock.id, lock.pid, lock.host, lock.user, lock.command, lock.acquiredAt, lock.heartbeatAt, lock.expiryMs);
        }
      }
      await source.backup(this.conn.file);
    } finally {
      source.close();
      rmSync(tmp, { force: true });
    }
    this.conn.forgetMetadata();
  }

  /** A copy of the database in `file` without the lock row, opened as a target (for test-rollback). */
  cloneTo(file: string): SqliteTarget {
    if (!this.conn.exists()) return this.open(file);
    this.snapshotTo(file);
    const clone = this.open(file);
    if (clone.conn.hasMetadata()) clone.db.prepare(`DELETE FROM ${clone.conn.q('lock')}`).run();
    return clone;
  }
}
