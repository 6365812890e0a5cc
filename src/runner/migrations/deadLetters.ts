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

/** The input of a dead letter of kind `migration`: the database, and the version the run was taking it to (none: every pending one). */
export interface MigrationDeadLetterInput {
  database: string;
  command: MigrationCommand['command'];
  to?: number;
}

/**
 * Runs `migrate up|down|to` on `migrator`. When a migration fails (its retries on a busy database
 * included), `park` gets a dead letter that takes the database to the same version again, then the
 * error is rethrown. Nothing is parked when no migration failed: a blocked plan, a lock held by
 * another runner or a cancellation is settled by running the command again.
 */
export async function runMigrationCommand(migrator: Migrator, db: ResolvedDatabase, cmd: MigrationCommand, park: (entry: NewDeadLetter) => void): Promise<RunReport> {
  // An absolute version: `steps` counts from where the database is now, which a retry would not find.
  const to =
    cmd.command === 'to'
      ? cmd.version
      : cmd.options?.to !== undefined
        ? cmd.options.to
        : cmd.command === 'down' || cmd.options?.steps !== undefined
          ? migrator.plan(cmd).to
          : undefined;
  // The attempts of each migration: its retries on a busy database (from the progress events),
  // then the final failure.
  const tries = new Map<number, { attempts: AttemptRecord[]; startedAt: number; delayMs: number }>();
  const sub = migrator.onDidProgress((p) => {
    const now = Date.now();
    if (p.kind === 'step-start') tries.set(p.step.version, { attempts: [], startedAt: now, delayMs: 0 });
    if (p.kind !== 'step-retry') return;
    const t = tries.get(p.step.version) ?? { attempts: [], startedAt: now, delayMs: 0 };
    t.attempts.push({ number: t.attempts.length + 1, startedAt: t.startedAt, delayMs: t.delayMs, durationMs: now - t.startedAt, outcome: 'failure', message: p.error });
    tries.set(p.step.version, { attempts: t.attempts, startedAt: now + p.delayMs, delayMs: p.delayMs });
  });
  try {
    if (cmd.command === 'up') return await migrator.up(cmd.options);
    if (cmd.command === 'down') return await migrator.down(cmd.options);
    return await migrator.to(cmd.version, cmd.options);
  } catch (err) {
    const context = isReboundError(err) ? err.context : undefined;
    const migration = context?.migration;
    if (context && migration !== undefined && !isCancelledError(err)) {
      const now = Date.now();
      const t = tries.get(Number(/^(\d+)/.exec(migration)?.[1])) ?? { attempts: [], startedAt: now - (context.durationMs ?? 0), delayMs: 0 };
      const e = err as ReboundError;
      const attempts = [...t.attempts, { number: t.attempts.length + 1, startedAt: t.startedAt, delayMs: t.delayMs, durationMs: now - t.startedAt, outcome: 'failure' as const, errorCode: e.code, category: e.category, message: e.message }];
      const input: MigrationDeadLetterInput = { database: db.name, command: cmd.command, ...(to !== undefined ? { to } : {}) };
      park({
        operation: `${db.name}:${migration}`,
        kind: 'migration',
        component: 'migrations',
        input,
        error: err,
        attempts,
        context: { database: db.name, file: db.file, migration, runId: context.runId },
      });
    }
    throw err;
  } finally {
    sub.dispose();
  }
}

/**
 * Makes dead letters of kind `migration` re-runnable (`rebound dlq retry`, Retry in the Dead
 * Letters view): the database named in the entry, as config.json configures it now, is taken to
 * the entry's version (or has every pending migration applied). `resolve` finds the database
 * (default: the `databases` section of the root's config.json); `onDone` follows each re-run.
 */
export function registerMigrationRetryHandler(
  resolve: (root: string, name: string) => ResolvedDatabase | undefined = databaseOfConfig,
  onDone?: (db: ResolvedDatabase) => void,
): Disposable {
  return registerRetryHandler('migration', async (entry, ctx) => {
    const input = (entry.input ?? {}) as Partial<Record<keyof MigrationDeadLetterInput, unknown>>;
    if (typeof input.database !== 'string') throw new ValidationError(`Dead letter #${entry.id} does not name its database, so it cannot be re-run`);
    const db = resolve(ctx.root, input.database);
    if (!db) throw new ConfigurationError(`Dead letter #${entry.id}: the database "${input.database}" is no longer in .rebound/config.json`);
    const { migrator, target } = openMigrator(db, { signal: ctx.signal });
    try {
      return typeof input.to === 'number' ? await migrator.to(input.to) : await migrator.up();
    } finally {
      migrator.dispose();
      target.close();
      onDone?.(db);
    }
  });
}

function databaseOfConfig(root: string, name: string): ResolvedDatabase | undefined {
  const config = readDatabasesSection(root)[name];
  return config ? resolveDatabase(root, name, config) : undefined;
}
