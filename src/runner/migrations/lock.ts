import { systemClock, systemRandom, type Clock, type RandomSource } from '../../engine/clock';
import { LockError, isLockError, isTimeoutError } from '../../engine/errors';
import { exponentialBackoff } from '../../engine/resilience/backoff';
import { retry } from '../../engine/resilience/retry';
import { processStartIdentity, sameStart } from '../processes';
import { describeIdentity, randomId } from './identity';
import type { LockOwner, LockRow, MigrationLedger, MigrationLockTable, TargetEngine } from './target';

export interface LockOptions {
  /** How long to wait for a held lock before failing (default 30000; 0 = do not wait). */
  waitMs?: number;
  /** A lock whose heartbeat is older than this is stale (default 600000). */
  expiryMs?: number;
  /** Minimum time between heartbeats (default 5000). */
  heartbeatMs?: number;
  /** Break a stale lock (heartbeat older than its expiry) instead of waiting for it: only on an explicit request. */
  breakStale?: boolean;
  clock?: Clock;
  random?: RandomSource;
  /** This host's name (a dead owner can only be proven on the same host). */
  host: string;
  /** Process liveness on this host. */
  isProcessAlive: (pid: number) => boolean;
  signal?: AbortSignal;
  /** Told about each wait and each broken lock. */
  onWait?: (holder: LockRow, delayMs: number) => void;
}

export const LOCK_DEFAULTS = { waitMs: 30_000, expiryMs: 600_000, heartbeatMs: 5_000 } as const;

/**
 * Why a lock row can be broken: its owner process is gone (same host: its pid is dead, or now
 * belongs to a later process than the one that took the lock), or its heartbeat expired. An owner
 * on this host proven to be the same live process is never stale, whatever the clocks say: a wall
 * clock set forward must not make a running migration's lock look abandoned.
 */
export function staleness(
  holder: LockRow,
  now: number,
  host: string,
  isAlive: (pid: number) => boolean,
  startOf: (pid: number) => number | null = processStartIdentity,
): 'dead-owner' | 'expired' | undefined {
  if (holder.host === host) {
    if (!isAlive(holder.pid)) return 'dead-owner';
    const taken = lockOwnerStart(holder.id);
    const current = taken === null ? null : startOf(holder.pid);
    if (taken !== null && current !== null) return sameStart(taken, current) ? undefined : 'dead-owner';
  }
  if (now - holder.heartbeatAt > holder.expiryMs) return 'expired';
  return undefined;
}

/** A lock owner id: random, with the start identity of this process (how a reused pid is told apart). */
export function lockOwnerId(start: number | null = processStartIdentity(process.pid)): string {
  return start === null ? randomId() : `${randomId()}.s${start}`;
}

/** The start identity a lock owner id carries, or null (ids of older versions carry none). */
export function lockOwnerStart(id: string): number | null {
  const m = /\.s(\d{1,16})$/.exec(id);
  return m ? Number(m[1]) : null;
}

export function describeHolder(holder: LockRow): string {
  return `${describeIdentity(holder)}, running "${holder.command}" since ${new Date(holder.acquiredAt).toISOString()} (last heartbeat ${new Date(holder.heartbeatAt).toISOString()})`;
}

function lockError(database: string, holder: LockRow, now: number, host: string, isAlive: (pid: number) => boolean, waitedMs: number): LockError {
  const stale = staleness(holder, now, host, isAlive);
  const hint =
    stale === 'expired'
      ? ' Its heartbeat is older than its expiry, so it looks stale: if that runner is gone, break it with `rebound migrate unlock`.'
      : ' Wait for it to finish, or stop it.';
  return new LockError(`The migration lock on ${database} is held by ${describeHolder(holder)}; waited ${Math.round(waitedMs / 100) / 10} s.${hint}`, {
    code: 'RB-LOCK-MIGRATE', guidance: 'RB-LOCK-001',
    context: { component: 'migrations', file: database },
  });
}

/**
 * The migration lock of one target: a lock row with owner, acquisition time and heartbeat.
 * `acquire` waits with exponential backoff and jitter (the engine's retry policy, on the injected
 * clock) and breaks the lock of a provably dead owner on this host automatically; an expired
 * heartbeat is broken only with `breakStale`.
 */
export class MigrationLock {
  private lastBeat = 0;
  private held = false;
  readonly waitMs: number;
  readonly expiryMs: number;
  readonly heartbeatMs: number;
  private readonly clock: Clock;
  /** Locks broken to get this one. */
  readonly broken: Array<{ holder: LockRow; reason: 'dead-owner' | 'expired' }> = [];

  constructor(
    private readonly target: TargetEngine & MigrationLockTable & Pick<MigrationLedger, 'ensureMetadata'>,
    readonly owner: LockOwner,
    private readonly options: LockOptions,
  ) {
    this.waitMs = options.waitMs ?? LOCK_DEFAULTS.waitMs;
    this.expiryMs = options.expiryMs ?? LOCK_DEFAULTS.expiryMs;
    this.heartbeatMs = options.heartbeatMs ?? LOCK_DEFAULTS.heartbeatMs;
    this.clock = options.clock ?? systemClock;
  }

  get isHeld(): boolean {
    return this.held;
  }

  private async attempt(): Promise<void> {
    const now = this.clock.now();
    let reason: 'dead-owner' | 'expired' | undefined;
    const mayBreak = (holder: LockRow) => {
      const s = staleness(holder, now, this.options.host, this.options.isProcessAlive);
      if (s === 'dead-owner' || (s === 'expired' && this.options.breakStale)) {
        reason = s;
        return true;
      }
      return false;
    };
    let result;
    try {
      result = await this.target.tryAcquireLock(this.owner, now, this.expiryMs, mayBreak);
    } catch (err) {
      // The database itself is busy (another runner is committing): just another reason to wait.
      if (this.target.isBusy(err)) {
        throw new LockError(`The database ${this.target.location} is busy`, { code: 'RB-LOCK-BUSY', guidance: 'RB-LOCK-001', context: { component: 'migrations' }, cause: err });
      }
      throw err;
    }
    if (result.acquired) {
      if (this.abandoned) {
        // acquire() already gave up (its wait ended while this attempt was in flight): not ours to keep.
        try {
          await this.target.releaseLock(this.owner.id);
        } catch {
          // best effort: the process is about to report the LockError anyway
        }
        return;
      }
      const why = reason ?? result.brokenReason;
      if (result.broken && why) this.broken.push({ holder: result.broken, reason: why });
      this.held = true;
      this.lastBeat = now;
      return;
    }
    this.lastHolder = result.holder;
    throw lockError(this.target.location, result.holder, now, this.options.host, this.options.isProcessAlive, now - this.startedAt);
  }

  private lastHolder: LockRow | undefined;
  private startedAt = 0;
  /** Set when acquire() gave up while an attempt was still in flight. */
  private abandoned = false;
  private inFlight: Promise<void> | undefined;

  /** Takes the lock, waiting up to `waitMs`; throws the LockError naming the holder when it cannot. */
  async acquire(): Promise<void> {
    await this.target.ensureMetadata();
    this.startedAt = this.clock.now();
    if (this.waitMs <= 0) {
      await this.attempt();
      return;
    }
    const policy = retry({
      maxAttempts: Infinity,
      deadlineMs: this.waitMs,
      backoff: exponentialBackoff({ baseMs: 25, maxMs: 1000, jitter: 'full' }),
      retryOn: { when: isLockError },
      clock: this.clock,
      random: this.options.random ?? systemRandom,
    });
    const sub = policy.onRetry((e) => {
      if (this.lastHolder && isLockError(e.error) && e.error.code === 'RB-LOCK-MIGRATE') this.options.onWait?.(this.lastHolder, e.delayMs);
    });
    this.abandoned = false;
    try {
      await policy.execute(() => (this.inFlight = this.attempt()), this.options.signal);
    } catch (err) {
      // The wait ended inside an attempt (a few round trips on PostgreSQL can outlast a short wait):
      // that is still "the lock was not free", a LockError, not a timeout of the run.
      if (isTimeoutError(err) && !this.held) {
        this.abandoned = true;
        // Let the attempt the deadline cut short settle (releasing the lock if it got it), so no
        // query of it runs after the caller closed the target (a reopened connection kept the CLI alive).
        await this.inFlight?.catch(() => undefined);
        const holder = this.lastHolder ?? (await Promise.resolve(this.target.readLock()).catch(() => undefined));
        if (holder) throw lockError(this.target.location, holder, this.clock.now(), this.options.host, this.options.isProcessAlive, this.clock.now() - this.startedAt);
        throw new LockError(`Could not take the migration lock on ${this.target.location} within ${this.waitMs} ms.`, {
          code: 'RB-LOCK-MIGRATE', guidance: 'RB-LOCK-001', context: { component: 'migrations', file: this.target.location }, cause: err,
        });
      }
      if (isLockError(err) && err.code === 'RB-LOCK-BUSY' && this.lastHolder) {
        throw lockError(this.target.location, this.lastHolder, this.clock.now(), this.options.host, this.options.isProcessAlive, this.clock.now() - this.startedAt);
      }
      if (isLockError(err) && err.code !== 'RB-LOCK-MIGRATE') {
        throw new LockError(`${err.message}: waited ${Math.round((this.clock.now() - this.startedAt) / 100) / 10} s for the migration lock.`, {
          code: 'RB-LOCK-MIGRATE', guidance: 'RB-LOCK-001',
          context: { component: 'migrations', file: this.target.location },
          cause: err,
        });
      }
      throw err;
    } finally {
      sub.dispose();
    }
  }

  /** Refreshes the heartbeat when `heartbeatMs` has passed; throws a LockError if the lock was taken away. */
  async heartbeatIfDue(): Promise<void> {
    if (!this.held) return;
    const now = this.clock.now();
    if (now - this.lastBeat < this.heartbeatMs) return;
    if (!(await this.target.heartbeat(this.owner.id, now))) {
      this.held = false;
      throw new LockError(`The migration lock on ${this.target.location} was broken by someone else while this runner held it; stopping before the next migration.`, {
        code: 'RB-LOCK-LOST', guidance: 'RB-LOCK-001',
        retryable: false,
        context: { component: 'migrations' },
      });
    }
    this.lastBeat = now;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.target.releaseLock(this.owner.id);
  }
}
