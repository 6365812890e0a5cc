import * as assert from 'node:assert/strict';
import { isLockError } from '../../../../src/engine/errors';
import { MigrationLock, SqliteTarget, type LockAttempt, type LockOwner, type LockRow, type MigrationLockTable } from '../../../../src/runner/migrations';
import { migration, sandbox, tables, type Sandbox } from './helpers';

/** A lock table kept in memory: a role of a target implemented on its own, as a second engine would. */
class MemoryLockTable implements MigrationLockTable {
  row: LockRow | undefined;
  readonly calls: string[] = [];

  readLock(): LockRow | undefined {
    return this.row;
  }

  tryAcquireLock(owner: LockOwner, now: number, expiryMs: number, mayBreak: (holder: LockRow) => boolean): LockAttempt {
    this.calls.push(`acquire ${owner.id}`);
    const holder = this.row;
    if (holder && holder.id !== owner.id && !mayBreak(holder)) return { acquired: false, holder };
    this.row = { ...owner, acquiredAt: now, heartbeatAt: now, expiryMs };
    return holder && holder.id !== owner.id ? { acquired: true, broken: holder } : { acquired: true };
  }

  heartbeat(ownerId: string, now: number): boolean {
    if (this.row?.id !== ownerId) return false;
    this.row = { ...this.row, heartbeatAt: now };
    return true;
  }

  releaseLock(ownerId: string): void {
    this.calls.push(`release ${ownerId}`);
    if (this.row?.id === ownerId) this.row = undefined;
  }

  breakLock(holder: LockRow): boolean {
    if (this.row?.id !== holder.id) return false;
    this.row = undefined;
    return true;
  }
}

describe('migrations: a target is made of roles', () => {
  let sb: Sandbox;
  beforeEach(() => (sb = sandbox()));
  afterEach(() => sb.dispose());

  it('runs migrations with the lock role replaced: the lock lives in that role, the SQLite lock table is never written', async () => {
    sb.write('0001_a.sql', migration(['CREATE TABLE a (id INTEGER PRIMARY KEY)'], ['DROP TABLE a']));
    sb.write('0002_b.sql', migration(['CREATE TABLE b (id INTEGER PRIMARY KEY)'], ['DROP TABLE b']));
    const lock = new MemoryLockTable();
    const target = new SqliteTarget({ file: sb.db, busyTimeoutMs: 200 }, { lock });
    const { migrator } = sb.open({ target });
    const heldDuring: Array<string | undefined> = [];
    const sqliteRowsDuring: number[] = [];
    migrator.onDidProgress((p) => {
      if (p.kind !== 'step-start') return;
      heldDuring.push(lock.row?.command);
      sqliteRowsDuring.push((target.db.prepare('SELECT count(*) AS n FROM rebound_migrations_lock').get() as { n: number }).n);
    });
    const report = await migrator.up();
    assert.equal(report.to, 2);
    assert.deepEqual(tables(sb.raw()), ['a', 'b']);
    assert.deepEqual(heldDuring, ['migrate up', 'migrate up'], 'the memory lock was held while each migration ran');
    assert.deepEqual(sqliteRowsDuring, [0, 0], 'the SQLite lock table stayed empty');
    assert.equal(lock.row, undefined, 'released after the run');
    assert.deepEqual(
      lock.calls.map((c) => c.split(' ')[0]),
      ['acquire', 'release'],
    );
    assert.equal(migrator.statusNow().lock, undefined);
  });

  it('a lock held in the replaced role stops a second migrator on the same database', async () => {
    sb.write('0001_a.sql', migration(['CREATE TABLE a (id INTEGER PRIMARY KEY)'], ['DROP TABLE a']));
    const lock = new MemoryLockTable();
    const target = new SqliteTarget({ file: sb.db, busyTimeoutMs: 200 }, { lock });
    const other = new MigrationLock(target, { id: 'other', pid: process.pid, host: 'elsewhere', user: 'bob', command: 'migrate up' }, { host: 'here', isProcessAlive: () => true });
    await other.acquire();
    const { migrator } = sb.open({ target });
    await assert.rejects(migrator.up(), (e: unknown) => isLockError(e) && /bob@elsewhere/.test((e as Error).message));
    assert.deepEqual(tables(sb.raw()), [], 'nothing ran');
    other.release();
    assert.equal((await migrator.up()).to, 1);
  });
});
