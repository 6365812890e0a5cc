import * as assert from 'node:assert/strict';
import { isLockError } from '../../../../src/engine/errors';
import { MigrationLock, SqliteTarget, type LockOwner } from '../../../../src/runner/migrations';
import { fakeClock, sandbox, type Sandbox } from './helpers';

const owner = (id: string, pid = 1000, host = 'here'): LockOwner => ({ id, pid, host, user: 'ann', command: 'migrate up' });

describe('migrations: lock (fake clock)', () => {
  let sb: Sandbox;
  let target: SqliteTarget;
  beforeEach(() => {
    sb = sandbox();
    target = new SqliteTarget({ file: sb.db });
  });
  afterEach(() => {
    target.close();
    sb.dispose();
  });

  it('a second runner waits with growing backoff, then fails with a LockError naming the holder', async () => {
    const { clock, fake } = fakeClock();
    const first = new MigrationLock(target, owner('a', 4242, 'build-box'), { clock, host: 'here', isProcessAlive: () => true });
    await first.acquire();
    const waits: number[] = [];
    const second = new MigrationLock(target, owner('b'), { clock, waitMs: 10_000, host: 'here', isProcessAlive: () => true, random: () => 0.999, onWait: (_h, ms) => waits.push(ms) });
    let error: unknown;
    const done = second.acquire().catch((e) => (error = e));
    await fake.runAllAsync();
    await done;
    assert.ok(isLockError(error), String(error));
    const message = (error as Error).message;
    assert.match(message, /held by ann@build-box \(pid 4242\)/);
    assert.match(message, /migrate up/);
    assert.ok(waits.length >= 5, `waited ${waits.length} times`);
    assert.ok(waits[3] > waits[0], 'the backoff grows');
    assert.ok(fake.now - 1_700_000_000_000 <= 10_000, 'gave up within the wait limit');
    assert.equal(second.isHeld, false);
  });

  it('gets the lock as soon as the holder releases it while it waits', async () => {
    const { clock, fake } = fakeClock();
    const first = new MigrationLock(target, owner('a'), { clock, host: 'here', isProcessAlive: () => true });
    await first.acquire();
    const second = new MigrationLock(target, owner('b'), { clock, waitMs: 10_000, host: 'here', isProcessAlive: () => true });
    const p = second.acquire();
    await fake.tickAsync(300);
    first.release();
    await fake.runAllAsync();
    await p;
    assert.equal(second.isHeld, true);
    assert.equal(target.readLock()!.id, 'b');
  });

  it('breaks the lock of a dead process on this host at once', async () => {
    const { clock } = fakeClock();
    const dead = new MigrationLock(target, owner('dead', 999_999, 'here'), { clock, host: 'here', isProcessAlive: () => true });
    await dead.acquire();
    const next = new MigrationLock(target, owner('b'), { clock, waitMs: 0, host: 'here', isProcessAlive: (pid) => pid !== 999_999 });
    await next.acquire();
    assert.equal(next.broken.length, 1);
    assert.equal(next.broken[0].reason, 'dead-owner');
    assert.equal(next.broken[0].holder.pid, 999_999);
  });

  it('an expired heartbeat on another host is stale but only broken on request', async () => {
    const { clock, fake } = fakeClock();
    const far = new MigrationLock(target, owner('far', 1, 'other-host'), { clock, expiryMs: 60_000, host: 'other-host', isProcessAlive: () => true });
    await far.acquire();
    fake.tick(120_000);
    const polite = new MigrationLock(target, owner('b'), { clock, waitMs: 0, host: 'here', isProcessAlive: () => false });
    await assert.rejects(polite.acquire(), (e: Error) => isLockError(e) && /looks stale/.test(e.message) && /rebound migrate unlock/.test(e.message));
    const forceful = new MigrationLock(target, owner('c'), { clock, waitMs: 0, breakStale: true, host: 'here', isProcessAlive: () => false });
    await forceful.acquire();
    assert.equal(forceful.broken[0].reason, 'expired');
  });

  it('heartbeats between migrations, and stops when the lock was taken away', async () => {
    const { clock, fake } = fakeClock();
    const lock = new MigrationLock(target, owner('a'), { clock, heartbeatMs: 1000, host: 'here', isProcessAlive: () => true });
    await lock.acquire();
    const t0 = target.readLock()!.heartbeatAt;
    fake.tick(500);
    await lock.heartbeatIfDue();
    assert.equal(target.readLock()!.heartbeatAt, t0, 'not due yet');
    fake.tick(600);
    await lock.heartbeatIfDue();
    assert.equal(target.readLock()!.heartbeatAt, t0 + 1100);
    target.breakLock(target.readLock()!);
    fake.tick(1000);
    await assert.rejects(lock.heartbeatIfDue(), (e: Error) => isLockError(e) && /broken by someone else/.test(e.message));
  });
});
