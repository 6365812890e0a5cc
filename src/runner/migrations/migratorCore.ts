import { systemClock, systemRandom, type Clock, type RandomSource } from '../../engine/clock';
import { EventEmitter } from '../../engine/event';
import { computeStatus, tokenize, type AppliedMigration, type JournalEntry, type MigrationDefinition, type MigrationStatus } from '../../engine/migrations';
import { loadMigrations, type LoadedMigrations } from './files';
import { currentIdentity, describeIdentity, isProcessAlive, randomId, type ProcessIdentity } from './identity';
import { MigrationLock, lockOwnerId } from './lock';
import type { MigrationProgress, MigratorOptions } from './reports';
import { runAwaiting, type Steps } from './steps';
import type { MigrationTarget } from './target';

/**
 * What every job of the migrator shares: the target, the options, the clock and identity, the
 * progress events, the migration files (pinned for the length of a run) and the lock.
 */
export class MigratorCore {
  readonly target: MigrationTarget;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly identity: ProcessIdentity;
  readonly alive: (pid: number) => boolean;
  readonly progress = new EventEmitter<MigrationProgress>();
  readonly database: string;

  constructor(readonly options: MigratorOptions) {
    this.target = options.target;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.identity = options.identity ?? currentIdentity();
    this.alive = options.isProcessAlive ?? isProcessAlive;
    this.database = options.database ?? options.target.location;
  }

  load() {
    return this.pinned ?? loadMigrations(this.options.migrationsDir);
  }

  /** The files as read at the start of a run: plans before and under the lock use the same ones. */
  pinned: LoadedMigrations | undefined;

  /**
   * Closes run `runId` as failed with `err`'s message, best effort: when even that fails, the run
   * row stays 'running' and recover reports it as interrupted.
   */
  async failRun(runId: string, err: unknown): Promise<void> {
    try {
      await this.target.finishRun(runId, 'failed', (err as Error)?.message ?? String(err), this.clock.now());
    } catch {
      // best effort (see above)
    }
  }

  appliedBy(): string {
    return describeIdentity(this.identity);
  }

  state() {
    return runAwaiting(this.stateSteps());
  }

  /** The files, history, journal and status, as Steps (see steps.ts). */
  *stateSteps(): Steps<{ loaded: LoadedMigrations; files: MigrationDefinition[]; history: AppliedMigration[]; journal: JournalEntry[]; status: MigrationStatus[] }> {
    const loaded = this.load();
    const history = (yield this.target.readHistory()) as AppliedMigration[];
    const journal = (yield this.target.readJournal()) as JournalEntry[];
    const status = computeStatus(loaded.definitions, history, journal);
    return { loaded, files: loaded.definitions, history, journal, status };
  }

  newLock(command: string, breakStale = false): MigrationLock {
    return new MigrationLock(
      this.target,
      { id: this.identity.pid === process.pid ? lockOwnerId() : randomId(), pid: this.identity.pid, host: this.identity.host, user: this.identity.user, command: `migrate ${command}` },
      {
        ...this.options.lock,
        breakStale,
        clock: this.clock,
        random: this.random,
        host: this.identity.host,
        isProcessAlive: this.alive,
        signal: this.options.signal,
        onWait: (holder, delayMs) => this.progress.fire({ kind: 'lock-wait', holder, delayMs }),
      },
    );
  }

  async withLock<T>(command: string, fn: (lock: MigrationLock) => Promise<T> | T, breakStale = false): Promise<T> {
    const lock = this.newLock(command, breakStale);
    await lock.acquire();
    for (const b of lock.broken) this.progress.fire({ kind: 'lock-broken', holder: b.holder, reason: b.reason });
    let result: T;
    try {
      result = await fn(lock);
    } catch (err) {
      try {
        await lock.release();
      } catch {
        // A database still busy after a failure must not replace that failure: the lock row stays,
        // its heartbeat has stopped, and it expires (or its owner's exit makes it stale).
      }
      throw err;
    }
    await lock.release();
    return result;
  }
}

export function tokens(sql: string) {
  return tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

export function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 60 ? s.slice(0, 59) + '…' : s;
}

/** Applied migrations in the order they were applied. */
export function appliedInOrder(history: readonly AppliedMigration[]): AppliedMigration[] {
  return history.filter((h) => h.success).sort((a, b) => a.appliedAt - b.appliedAt || a.version - b.version);
}

export function latestApplied(history: readonly AppliedMigration[]): AppliedMigration | undefined {
  const a = appliedInOrder(history);
  return a[a.length - 1];
}
