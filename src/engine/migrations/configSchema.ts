import { z } from 'zod';
import { retryPolicySchema } from '../resilience/configSchema';

const ms = (what: string) => z.number().int().min(0).describe(what);

/** Lock settings of one database. */
export const migrationLockSchema = z
  .strictObject({
    waitMs: ms('How long a second runner waits for the migration lock, with backoff, before failing with a LockError (default 30000).').optional(),
    expiryMs: z
      .number()
      .int()
      .min(1000)
      .describe('A lock whose heartbeat is older than this is stale; `rebound migrate unlock` breaks it (default 600000). A lock of a dead process on this host is broken automatically.')
      .optional(),
    heartbeatMs: z.number().int().min(100).describe('How often the holder refreshes its heartbeat between migrations (default 5000).').optional(),
  })
  .describe('The migration lock: one runner at a time per database.');

/** Snapshot settings of one database. */
export const migrationSnapshotsSchema = z
  .strictObject({
    enabled: z.boolean().describe('Copy the database before every run that changes it (default true).').optional(),
    keep: z.number().int().min(1).max(1000).describe('How many snapshots to keep per database (default 10).').optional(),
    dir: z.string().min(1).describe('Where snapshots go, relative to the workspace (default .rebound/snapshots/NAME).').optional(),
  })
  .describe('Snapshots of the database file taken before migration runs, restorable with `rebound migrate restore`.');

/** One entry of `databases` in .rebound/config.json. */
export const databaseSchema = z
  .strictObject({
    path: z.string().min(1).describe('The SQLite database file, relative to the workspace folder (and inside it, unless `allowOutsideWorkspace`).'),
    migrations: z.string().min(1).describe('The folder of NNNN_name.sql migration files, relative to the workspace folder (default "migrations").').optional(),
    allowOutsideWorkspace: z
      .boolean()
      .describe(
        'Allow `path`, `migrations` and `snapshots.dir` to lead outside the workspace folder (default false: such a path is refused). Folders outside the workspace are never created: they must exist.',
      )
      .optional(),
    engine: z.literal('sqlite').describe('The database engine (only "sqlite" for now).').optional(),
    historyTable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain SQL identifier (letters, digits, underscore)')
      .describe('Name of the history table in the database; the journal, run and lock tables take it as a prefix (default "rebound_migrations").')
      .optional(),
    allowOutOfOrder: z.boolean().describe('Apply a pending migration older than the applied version instead of refusing (default false).').optional(),
    busyTimeoutMs: ms('How long SQLite waits on a locked database before SQLITE_BUSY (default 5000).').optional(),
    busyRetry: retryPolicySchema.describe('How to retry a migration that hit SQLITE_BUSY before anything of it was committed (default: 4 attempts, exponential from 200 ms).').optional(),
    lock: migrationLockSchema.optional(),
    groupCommit: z
      .union([
        z.literal(false),
        z.strictObject({
          maxMigrations: z.number().int().min(1).max(10000).describe('Most migrations per commit (default 1000).').optional(),
          maxMs: z.number().int().min(0).describe('Commit once a group has run this long (default 500).').optional(),
        }),
      ])
      .describe(
        'Consecutive transactional migrations share one transaction, each in its own savepoint (a failure still undoes only that migration). false: one commit per migration.',
      )
      .optional(),
    snapshots: z.union([z.boolean(), migrationSnapshotsSchema]).describe('true/false, or snapshot settings.').optional(),
  })
  .describe('A database whose migrations Rebound manages.');

export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** `databases` in .rebound/config.json: name -> database. */
export const databasesSchema = z.record(z.string().min(1), databaseSchema).describe('Databases whose migrations Rebound manages, by name.');
