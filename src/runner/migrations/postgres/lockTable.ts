import type { LockAttempt, LockOwner, LockRow, LockSession, MigrationLockTable } from '../target';
import { cleanError, type PostgresConnection } from './connection';

type Row = Record<string, unknown>;

/**
 * The migration lock on PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock` on a key
 * from the database and history table), held on a dedicated connection for the run, plus the lock
 * row that says who holds it. A holder whose backend is gone has lost its advisory lock through
 * PostgreSQL itself: its row is replaced (reported as a broken dead owner's lock).
 */
export class PostgresLockTable implements MigrationLockTable {
  private held = false;

  constructor(private readonly conn: PostgresConnection) {}

  private async key(): Promise<string> {
    const { rows } = await this.conn.query('SELECT current_database() AS db');
    return this.conn.lockKey(`${rows[0].db as string}.${await this.schemaName()}`);
  }

  private async schemaName(): Promise<string> {
    const { rows } = await this.conn.query('SELECT current_schema() AS s');
    return rows[0].s as string;
  }

  async readLock(): Promise<LockRow | undefined> {
    if (!(await this.conn.hasMetadata())) return undefined;
    const { rows } = await this.conn.query(`SELECT * FROM ${this.conn.q('lock')} WHERE id = 1`);
    return rows[0] ? toLockRow(rows[0]) : undefined;
  }

  async tryAcquireLock(owner: LockOwner, now: number, expiryMs: number, mayBreak: (holder: LockRow) => boolean): Promise<LockAttempt> {
    const key = await this.key();
    const session = await this.conn.lockSession();
    let got: boolean;
    try {
      got = this.held || ((await session.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key])).rows[0] as Row).ok === true;
    } catch (err) {
      throw cleanError(err);
    }
    const holder = await this.readLock();
    if (!got) {
      if (holder) return { acquired: false, holder };
      // Held by a session that has not written its row yet (or by hand): say who from pg_stat_activity.
      const s = await this.lockHolderSession();
      return {
        acquired: false,
        holder: { id: 'unknown', pid: s?.backendPid ?? 0, host: s?.clientAddr ?? 'unknown', user: s?.user ?? 'unknown', command: s?.applicationName ?? 'unknown', acquiredAt: s?.backendStart ?? now, heartbeatAt: now, expiryMs },
      };
    }
    this.held = true;
    const { rows } = await session.query('SELECT pg_backend_pid() AS pid');
    const backendPid = Number((rows[0] as Row).pid);
    // Ours now: a row left by another owner belongs to a session PostgreSQL has ended.
    const stale = holder && holder.id !== owner.id ? holder : undefined;
    if (stale) {
      mayBreak(stale);
      await this.endOrphanedWork(stale.id);
    }
    // work_pid/work_started: the work session (this statement runs on it), so a successor can end
    // what is left of it if this runner dies.
    await this.conn.query(
      `INSERT INTO ${this.conn.q('lock')} (id, owner_id, pid, host, "user", command, acquired_at, heartbeat_at, expiry_ms, backend_pid, work_pid, work_started)
       VALUES (1, $1, $2, $3, $4, $5, $6, $6, $7, $8, pg_backend_pid(), (SELECT backend_start FROM pg_catalog.pg_stat_activity WHERE pid = pg_backend_pid()))
       ON CONFLICT (id) DO UPDATE SET owner_id = EXCLUDED.owner_id, pid = EXCLUDED.pid, host = EXCLUDED.host, "user" = EXCLUDED."user",
         command = EXCLUDED.command, acquired_at = EXCLUDED.acquired_at, heartbeat_at = EXCLUDED.heartbeat_at, expiry_ms = EXCLUDED.expiry_ms,
         backend_pid = EXCLUDED.backend_pid, work_pid = EXCLUDED.work_pid, work_started = EXCLUDED.work_started`,
      [owner.id, owner.pid, owner.host, owner.user, owner.command, now, expiryMs, backendPid],
    );
    return stale ? { acquired: true, broken: stale, brokenReason: 'dead-owner' } : { acquired: true };
  }

  async heartbeat(ownerId: string, now: number): Promise<boolean> {
    // The work session may have been reopened since the lock was taken: keep its pid current.
    const r = await this.conn.query(
      `UPDATE ${this.conn.q('lock')} SET heartbeat_at = $1, work_pid = pg_backend_pid(),
         work_started = (SELECT backend_start FROM pg_catalog.pg_stat_activity WHERE pid = pg_backend_pid()) WHERE id = 1 AND owner_id = $2`,
      [now, ownerId],
    );
    return r.rowCount === 1;
  }

  /**
   * A runner killed mid-statement (SIGKILL, a crash) loses its lock session at once, but
   * PostgreSQL carries on the statement its work session was running until it next talks to the
   * client: a backfill keeps its locks, a CREATE INDEX CONCURRENTLY can still complete (or leave an
   * invalid index later). Before the new owner reads the state, that session is terminated and
   * waited for, so recover sees the dead runner's final state. Only the session recorded in the
   * dead owner's row (pid and start time, so a reused pid is left alone) is touched.
   */
  private async endOrphanedWork(staleOwnerId: string, waitMs = 60_000): Promise<void> {
    const { rows } = await this.conn.query(`SELECT work_pid, work_started::text AS work_started FROM ${this.conn.q('lock')} WHERE id = 1 AND owner_id = $1`, [staleOwnerId]);
    const r = rows[0] as Row | undefined;
    if (!r || r.work_pid === null || r.work_pid === undefined || r.work_started === null) return;
    const alive = async () =>
      (
        await this.conn.query(
          `SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1 AND backend_start = $2::timestamptz AND datname = current_database() AND pid <> pg_backend_pid()`,
          [r.work_pid, r.work_started],
        )
      ).rows.length > 0;
    if (!(await alive())) return;
    try {
      await this.conn.query('SELECT pg_catalog.pg_terminate_backend($1)', [r.work_pid]);
    } catch {
      // Not allowed to (another role without pg_signal_backend): wait for it to end on its own.
    }
    const until = Date.now() + waitMs;
    while (Date.now() < until && (await alive())) await new Promise((resolve) => setTimeout(resolve, 25));
  }

  async releaseLock(ownerId: string): Promise<void> {
    if (await this.conn.hasMetadata()) await this.conn.query(`DELETE FROM ${this.conn.q('lock')} WHERE id = 1 AND owner_id = $1`, [ownerId]);
    if (this.held) {
      this.held = false;
      const session = await this.conn.lockSession();
      await session.query('SELECT pg_advisory_unlock($1::bigint)', [await this.key()]);
    }
  }

  async breakLock(holder: LockRow): Promise<boolean> {
    if (!(await this.conn.hasMetadata())) return false;
    const r = await this.conn.query(`DELETE FROM ${this.conn.q('lock')} WHERE id = 1 AND owner_id = $1 AND heartbeat_at = $2`, [holder.id, holder.heartbeatAt]);
    return r.rowCount === 1;
  }

  /** The session holding the advisory lock (pg_stat_activity joined to pg_locks), or null when none does. */
  async lockHolderSession(): Promise<LockSession | null> {
    const key = BigInt(await this.key());
    const unsigned = BigInt.asUintN(64, key);
    const classid = Number(unsigned >> 32n);
    const objid = Number(unsigned & 0xffffffffn);
    const { rows } = await this.conn.query(
      `SELECT a.pid, a.usename, a.client_addr::text AS addr, a.application_name, (extract(epoch FROM a.backend_start) * 1000)::bigint AS started, a.state
         FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1`,
      [classid, objid],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      backendPid: Number(r.pid),
      user: (r.usename as string | null) ?? null,
      clientAddr: (r.addr as string | null) ?? null,
      applicationName: (r.application_name as string | null) ?? null,
      backendStart: r.started === null ? null : Number(r.started),
      state: (r.state as string | null) ?? null,
    };
  }
}

function toLockRow(r: Row): LockRow {
  return {
    id: r.owner_id as string,
    pid: Number(r.pid),
    host: r.host as string,
    user: r.user as string,
    command: r.command as string,
    acquiredAt: Number(r.acquired_at),
    heartbeatAt: Number(r.heartbeat_at),
    expiryMs: Number(r.expiry_ms),
  };
}
