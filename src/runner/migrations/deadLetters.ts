import { ConfigurationError, ValidationError, isCancelledError, isReboundError, type ReboundError } from '../../engine/errors';
import type { Disposable } from '../../engine/event';
import type { DownOptions, UpOptions } from '../../engine/migrations';
import { registerRetryHandler, type AttemptRecord, type NewDeadLetter } from '../../engine/resilience';
import { openMigrator, readDatabasesSection, resolveDatabase, type ResolvedDatabase } from './databases';
import type { Migrator, RunReport } from './migrator';

/** A migration command that moves a database: what a dead letter of kind `migration` runs again. */
export type MigrationCommand =
  | { command: 'up'; options?: UpOptions }
  | { command: 'down'; options?: DownOptions & { verify?: boolean } }
  | { command: 'to'; version: number; options?: { verify?: boolean } };

/**
 * The input of a dead letter of kind `migration`: the command to run again on the database, with
 * its options. `to` is absolute (the version the failed run was going to), never a count of steps,
 * which would count from wherever the database is at retry time; without it, `up` applies every
 * migration pending then.
 */
export interface MigrationDeadLetterInput {
  database: string;
  /** The direction of the failed run (`migrate to` becomes the one it took). */
  command: 'up' | 'down';
  to?: number;
  /**
   * A rollback only: the versions the failed run still had to roll back, latest applied first. A
   * retry rolls back exactly those still applied (so one applied out of order, below `to`, is not
   * skipped); entries parked before this field existed retry down to `to`.
   */
  versions?: number[];
  allowOutOfOrder?: boolean;
  verify?: boolean;
}

/**
 * Runs `migrate up|down|to` on `migrator`. When a migration fails (its retries on a busy database
 * included), `park` gets a dead letter that runs the same command to the same version again, then
 * the error is rethrown (parking is best effort: it never replaces the failure). Nothing is parked
 * when no migration failed: a blocked plan, a lock held by another runner or a cancellation is
 * settled by running the command again.
 */
export async function runMigrationCommand(migrator: Migrator, db: ResolvedDatabase, cmd: MigrationCommand, park: (entry: NewDeadLetter) => void): Promise<RunReport> {
  const input = retryInput(db, cmd);
  // The attempts of each migration: its retries on a busy database (seen when each failed; each
  // after the wait the one before announced), then the final failure.
  const tries = new Map<number, { attempts: AttemptRecord[]; nextDelayMs: number }>();
  let failed: number | undefined;
  let planned: number[] = [];
  const done = new Set<number>();
  const sub = migrator.onDidProgress((p) => {
    if (p.kind === 'run-start') {
      // The plan made under the migration lock: the direction and absolute version a retry aims at.
      input.command = p.direction;
      if (cmd.command !== 'up' || cmd.options?.to !== undefined || cmd.options?.steps !== undefined) input.to = p.to;
      planned = p.versions;
    }
    if (p.kind === 'step-done') done.add(p.step.version);
    if (p.kind === 'step-failed') failed = p.step.version;
    if (p.kind !== 'step-retry') return;
    const t = tries.get(p.step.version) ?? { attempts: [], nextDelayMs: 0 };
    t.attempts.push({ number: t.attempts.length + 1, startedAt: Date.now(), delayMs: t.nextDelayMs, durationMs: 0, outcome: 'failure', message: p.error });
    t.nextDelayMs = p.delayMs;
    tries.set(p.step.version, t);
  });
  try {
    if (cmd.command === 'up') return await migrator.up(cmd.options);
    if (cmd.command === 'down') return await migrator.down(cmd.options);
    return await migrator.to(cmd.version, cmd.options);
  } catch (err) {
    const context = isReboundError(err) ? err.context : undefined;
    if (context?.migration !== undefined && failed !== undefined && !isCancelledError(err)) {
      const e = err as ReboundError;
      const earlier = tries.get(failed) ?? { attempts: [], nextDelayMs: 0 };
      const attempts: AttemptRecord[] = [
        ...earlier.attempts,
        {
          number: earlier.attempts.length + 1,
          startedAt: Date.now() - (context.durationMs ?? 0),
          delayMs: earlier.nextDelayMs,
          durationMs: context.durationMs ?? 0,
          outcome: 'failure',
          errorCode: e.code,
          category: e.category,
          message: e.message,
        },
      ];
      if (input.command === 'down') input.versions = planned.filter((v) => !done.has(v));
      try {
        park({
          operation: `${db.name}:${context.migration}`,
          kind: 'migration',
          component: 'migrations',
          input,
          error: err,
          attempts,
          context: { database: db.name, file: db.file, migration: context.migration, runId: context.runId },
        });
      } catch {
        // The queue could not take it (the store is busy or broken): the failure itself still stands.
      }
    }
    throw err;
  } finally {
    sub.dispose();
  }
}

/**
 * What a retry of `cmd` runs, before its plan is known: the run's `run-start` progress (its plan,
 * made under the migration lock) sets the direction and, for a bounded run, the absolute version,
 * so that a retry neither overshoots nor moves the database back the other way after later runs.
 */
function retryInput(db: ResolvedDatabase, cmd: MigrationCommand): MigrationDeadLetterInput {
  const input: MigrationDeadLetterInput = { database: db.name, command: cmd.command === 'down' ? 'down' : 'up' };
  if (cmd.command === 'up' && cmd.options?.allowOutOfOrder) input.allowOutOfOrder = true;
  if (cmd.command !== 'up' && cmd.options?.verify === false) input.verify = false;
  return input;
}

/**
 * Makes dead letters of kind `migration` re-runnable (`rebound dlq retry`, Retry in the Dead
 * Letters view): the entry's command runs again on the database it names, as config.json
 * configures it now, to the entry's version (a plain `up` applies what is pending). `resolve` finds the database
 * (default: the `databases` section of the root's config.json); `onDone` follows each re-run;
 * `execute` runs the command (default: here, on this thread; the editor runs it in its worker).
 */
export function registerMigrationRetryHandler(
  resolve: (root: string, name: string) => ResolvedDatabase | undefined = databaseOfConfig,
  onDone?: (db: ResolvedDatabase) => void,
  execute: (db: ResolvedDatabase, cmd: MigrationCommand, signal?: AbortSignal) => Promise<RunReport> = runHere,
): Disposable {
  return registerRetryHandler('migration', async (entry, ctx) => {
    const input = (entry.input ?? {}) as Partial<Record<keyof MigrationDeadLetterInput, unknown>>;
    if (typeof input.database !== 'string') throw new ValidationError(`Dead letter #${entry.id} does not name its database, so it cannot be re-run`);
    const db = resolve(ctx.root, input.database);
    if (!db) throw new ConfigurationError(`Dead letter #${entry.id}: the database "${input.database}" is no longer in .rebound/config.json`);
    const to = typeof input.to === 'number' ? input.to : undefined;
    const verify = input.verify === false ? false : undefined;
    let cmd: MigrationCommand;
    // The direction of the failed run: a retry never moves the database the other way.
    if (input.command === 'down') {
      const versions = Array.isArray(input.versions) && input.versions.every((v) => Number.isInteger(v)) ? (input.versions as number[]) : undefined;
      if (versions !== undefined) cmd = { command: 'down', options: { versions, verify } };
      else if (to === undefined) throw new ValidationError(`Dead letter #${entry.id} does not say how far to roll back, so it cannot be re-run`);
      else cmd = { command: 'down', options: { to, verify } };
    } else {
      cmd = { command: 'up', options: { to, allowOutOfOrder: input.allowOutOfOrder === true || undefined } };
    }
    try {
      return await execute(db, cmd, ctx.signal);
    } finally {
      onDone?.(db);
    }
  });
}

/** Runs a migration command on this thread, with no dead letter (the queue keeps the entry being retried). */
async function runHere(db: ResolvedDatabase, cmd: MigrationCommand, signal?: AbortSignal): Promise<RunReport> {
  const { migrator, target } = openMigrator(db, { signal });
  try {
    if (cmd.command === 'up') return await migrator.up(cmd.options);
    if (cmd.command === 'down') return await migrator.down(cmd.options);
    return await migrator.to(cmd.version, cmd.options);
  } finally {
    migrator.dispose();
    await target.close();
  }
}

function databaseOfConfig(root: string, name: string): ResolvedDatabase | undefined {
  const config = readDatabasesSection(root)[name];
  return config ? resolveDatabase(root, name, config) : undefined;
}
