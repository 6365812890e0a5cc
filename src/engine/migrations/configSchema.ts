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

/** `${env:NAME}`: the value of an environment variable, put in when the url is used. */
export const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * What is wrong with a PostgreSQL url as configured, or undefined: it must be postgres:// or
 * postgresql://, and must not hold a password written out (only a `${env:NAME}` reference, whose
 * value is read from the environment when the url is used). The message never repeats the url.
 */
export function postgresUrlProblem(url: string): string | undefined {
  const m = /^(postgres(?:ql)?):\/\/([^/?#]*)/i.exec(url);
  if (!m) return 'a PostgreSQL url starts with postgres:// or postgresql:// (postgres://user@host:port/db)';
  const query = /\?(.*)$/.exec(url)?.[1] ?? '';
  for (const pair of query.split('&')) {
    const [key, value = ''] = pair.split('=');
    if (key.toLowerCase() === 'password' && value.replace(ENV_REFERENCE, '') !== '') {
      return 'holds a password written out (?password=): it was not used. Give it through the environment (PGPASSWORD, ~/.pgpass), or as ${env:NAME}';
    }
  }
  const authority = m[2];
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  const userInfo = authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  if (colon < 0) return undefined;
  const password = userInfo.slice(colon + 1);
  if (password === '') return undefined;
  if (password.replace(ENV_REFERENCE, '') === '') return undefined;
  return 'holds a password written out: it was not used. Remove it from the url and give it through the environment (PGPASSWORD, ~/.pgpass), or as ${env:NAME} in the url';
}

/** One entry of `databases` in .rebound/config.json. */
export const databaseSchema = z
  .strictObject({
    path: z.string().min(1).describe('The SQLite database file, relative to the workspace folder (and inside it, unless `allowOutsideWorkspace`). Give `path` or `url`, not both.').optional(),
    url: z
      .string()
      .min(1)
      .describe(
        'A PostgreSQL database: postgres://user@host:port/db. Credentials come from the environment (PGPASSWORD, PGUSER and the other PG* variables, ~/.pgpass) or from ${env:NAME} in the url; a password written in the url is refused. Give `path` or `url`, not both.',
      )
      .optional(),
    migrations: z.string().min(1).describe('The folder of NNNN_name.sql migration files, relative to the workspace folder (default "migrations").').optional(),
    allowOutsideWorkspace: z
      .boolean()
      .describe(
        'Allow `path`, `migrations` and `snapshots.dir` to lead outside the workspace folder (default false: such a path is refused). Folders outside the workspace are never created: they must exist.',
      )
      .optional(),
    engine: z.enum(['sqlite', 'postgres']).describe('The database engine: "sqlite" (with `path`) or "postgres" (with `url`); follows from which of the two is given.').optional(),
    lockTimeoutMs: ms('PostgreSQL: lock_timeout of the migration sessions (default 0: wait as long as statement_timeout allows).').optional(),
    statementTimeoutMs: ms('PostgreSQL: statement_timeout of the migration sessions (default 0: none).').optional(),
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
  .superRefine((db, ctx) => {
    if (db.path === undefined && db.url === undefined) ctx.addIssue({ code: 'custom', message: 'give `path` (a SQLite file) or `url` (a PostgreSQL database)', path: ['path'] });
    if (db.path !== undefined && db.url !== undefined) ctx.addIssue({ code: 'custom', message: '`path` and `url` both given: a database is either a SQLite file (`path`) or a PostgreSQL url (`url`)', path: ['url'] });
    if (db.url !== undefined) {
      const problem = postgresUrlProblem(db.url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['url'] });
      if (db.engine === 'sqlite') ctx.addIssue({ code: 'custom', message: '"sqlite" does not take a `url`: use "postgres", or `path`', path: ['engine'] });
    }
    if (db.path !== undefined) {
      if (db.engine === 'postgres') ctx.addIssue({ code: 'custom', message: '"postgres" takes a `url`, not a `path`', path: ['engine'] });
      for (const key of ['lockTimeoutMs', 'statementTimeoutMs'] as const) {
        if (db[key] !== undefined) ctx.addIssue({ code: 'custom', message: `${key} is a PostgreSQL setting: it needs \`url\``, path: [key] });
      }
    }
  })
  .describe('A database whose migrations Rebound manages.');

export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** `databases` in .rebound/config.json: name -> database. */
export const databasesSchema = z.record(z.string().min(1), databaseSchema).describe('Databases whose migrations Rebound manages, by name.');
