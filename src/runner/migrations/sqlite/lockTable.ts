import type { LockAttempt, LockOwner, LockRow, MigrationLockTable } from '../target';
import type { SqliteConnection } from './connection';

interface LockDbRow {
  owner_id: string;
  pid: number;
  host: string;
  user: string;
  command: string;
  acquired_at: number;
  heartbeat_at: number;
  expiry_ms: number;
}

/** The migration lock: one row in the `_lock` table, taken and broken atomically (BEGIN IMMEDIATE). */
export class SqliteLockTable implements MigrationLockTable {
  constructor(private readonly conn: SqliteConnection) {}

  readLock(): LockRow | undefined {
    if (!this.conn.hasMetadata()) return undefined;
    const row = this.conn.db.prepare(`SELECT * FROM ${this.conn.q('lock')} WHERE id = 1`).get() as LockDbRow | undefined;
    return row ? toLockRow(row) : undefined;
  }

  tryAcquireLock(owner: LockOwner, now: number, expiryMs: number, mayBreak: (holder: LockRow) => boolean): LockAttempt {
    const db = this.conn.db;
    db.exec('BEGIN IMMEDIATE');
    try {
      const row = db.prepare(`SELECT * FROM ${this.conn.q('lock')} WHERE id = 1`).get() as LockDbRow | undefined;
      const holder = row ? toLockRow(row) : undefined;
      let broken: LockRow | undefined;
      if (holder && holder.id === owner.id) {
        db.prepare(`UPDATE ${this.conn.q('lock')} SET heartbeat_at = ? WHERE id = 1`).run(now);
        db.exec('COMMIT');
        return { acquired: true };
      }
      if (holder) {
        if (!mayBreak(holder)) {
          db.exec('COMMIT');
          return { acquired: false, holder };
        }
        broken = holder;
        db.prepare(`DELETE FROM ${this.conn.q('lock')} WHERE id = 1`).run();
      }
      db.prepare(
        `INSERT INTO ${this.conn.q('lock')} (id, owner_id, pid, host, user, command, acquired_at, heartbeat_at, expiry_ms) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(owner.id, owner.pid, owner.host, owner.user, owner.command, now, now, expiryMs);
      db.exec('COMMIT');
      return broken ? { acquired: true, broken } : { acquired: true };
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  heartbeat(ownerId: string, now: number): boolean {
    const r = this.conn.db.prepare(`UPDATE ${this.conn.q('lock')} SET heartbeat_at = ? WHERE id = 1 AND owner_id = ?`).run(now, ownerId);
    return r.changes === 1;
  }

  releaseLock(ownerId: string): void {
    if (!this.conn.hasMetadata()) return;
    this.conn.db.prepare(`DELETE FROM ${this.conn.q('lock')} WHERE id = 1 AND owner_id = ?`).run(ownerId);
  }

  breakLock(holder: LockRow): boolean {
    if (!this.conn.hasMetadata()) return false;
    return this.conn.db.prepare(`DELETE FROM ${this.conn.q('lock')} WHERE id = 1 AND owner_id = ? AND heartbeat_at = ?`).run(holder.id, holder.heartbeatAt).changes === 1;
  }
}

function toLockRow(r: LockDbRow): LockRow {
  return {
    id: r.owner_id,
    pid: r.pid,
    host: r.host,
    user: r.user,
    command: r.command,
    acquiredAt: r.acquired_at,
    heartbeatAt: r.heartbeat_at,
    expiryMs: r.expiry_ms,
  };
}
