import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseConfigSection } from '../../engine/config';
import { databasesSchema, postgresUrlProblem, type DatabaseConfig } from '../../engine/migrations';
import { ConfigurationError, isConfigurationError } from '../../engine/errors';
import { retryPolicyFromConfig } from '../../engine/resilience/configSchema';
import type { Clock, RandomSource } from '../../engine/clock';
import { Migrator, type MigratorOptions } from './migrator';
import { SnapshotStore } from './snapshots';
import { SqliteTarget } from './sqliteTarget';
import { PostgresTarget } from './postgresTarget';
import { redactUrl } from './postgres/url';
import type { MigrationTarget } from './target';
import { ConfigFileError, configFile } from '../config';
import { checkConfiguredPaths, type ConfiguredPath } from '../paths';

/**
 * Reads only the `databases` section of `<root>/.rebound/config.json` (JSON with comments),
 * validated with `databasesSchema`: the whole-file loader of src/runner/config.ts validates
 * everything; this is the migrations' own reader, so a problem elsewhere in the file does not stop
 * migrations. Errors are ConfigurationErrors naming the file, line:column and JSON path.
 */
export function readDatabasesSection(root: string): Record<string, DatabaseConfig> {
  const file = join(root, '.rebound', 'config.json');
  if (!existsSync(file)) return {};
  const parsed = parseConfigSection(readFileSync(file, 'utf8'), file, 'databases', databasesSchema);
  if (!parsed.ok) throw new ConfigFileError(file, parsed.problems);
  return parsed.value ?? {};
}

export interface ResolvedDatabase {
  name: string;
  /** The SQLite file; for PostgreSQL the url without credentials (for messages). */
  file: string;
  /** PostgreSQL: the url as configured (its `${env:NAME}` references put in only when connecting). */
  url?: string;
  migrationsDir: string;
  snapshotsDir?: string;
  keepSnapshots: number;
  config: DatabaseConfig;
}

/**
 * Absolute paths and defaults of one configured database. A path leading outside the workspace
 * folder (`../../tmp/x.db`, an absolute path, a symbolic link out) is a ConfigurationError unless
 * the entry sets `allowOutsideWorkspace`, and even then its folder must already exist.
 */
export function resolveDatabase(root: string, name: string, config: DatabaseConfig): ResolvedDatabase {
  const snaps = config.snapshots;
  const enabled = snaps === undefined || snaps === true || (typeof snaps === 'object' && snaps.enabled !== false);
  const key = `databases.${name}`;
  const paths: ConfiguredPath[] = [{ key: `${key}.migrations`, value: config.migrations ?? 'migrations', folder: true }];
  if (config.url === undefined) paths.unshift({ key: `${key}.path`, value: config.path ?? '', folder: false });
  else {
    const problem = postgresUrlProblem(config.url);
    if (problem) throw new ConfigurationError(`${configFile(root)}: ${key}.url ${problem}.`, { context: { component: 'config', file: configFile(root) } });
  }
  if (enabled && typeof snaps === 'object' && snaps.dir) paths.push({ key: `${key}.snapshots.dir`, value: snaps.dir, folder: true });
  const checked = checkConfiguredPaths(root, configFile(root), paths, {
    key: `${key}.allowOutsideWorkspace`,
    allowed: config.allowOutsideWorkspace === true,
  });
  if (config.url !== undefined) checked.unshift(redactUrl(config.url));
  const [file, migrationsDir, snapshotsDir] = checked;
  return {
    name,
    file,
    ...(config.url !== undefined ? { url: config.url } : {}),
    migrationsDir,
    snapshotsDir: enabled ? (snapshotsDir ?? join(root, '.rebound', 'snapshots', name)) : undefined,
    keepSnapshots: typeof snaps === 'object' && snaps.keep !== undefined ? snaps.keep : 10,
    config,
  };
}

export interface OpenMigratorOptions extends Partial<Pick<MigratorOptions, 'identity' | 'isProcessAlive' | 'scratchDir' | 'signal'>> {
  /** Overrides the database's busyTimeoutMs (the extension host reads with a short one). */
  busyTimeoutMs?: number;
  clock?: Clock;
  random?: RandomSource;
}

/** A Migrator on a configured database (SQLite or PostgreSQL). Close it with `target.close()` (awaited). */
export function openMigrator(db: ResolvedDatabase, { busyTimeoutMs, ...options }: OpenMigratorOptions = {}): { migrator: Migrator; target: MigrationTarget } {
  const target: MigrationTarget =
    db.url !== undefined
      ? new PostgresTarget({
          url: db.url,
          historyTable: db.config.historyTable,
          lockTimeoutMs: db.config.lockTimeoutMs,
          statementTimeoutMs: db.config.statementTimeoutMs,
        })
      : new SqliteTarget({ file: db.file, historyTable: db.config.historyTable, busyTimeoutMs: busyTimeoutMs ?? db.config.busyTimeoutMs });
  const migrator = new Migrator({
    target,
    migrationsDir: db.migrationsDir,
    database: db.name,
    snapshots: db.snapshotsDir ? new SnapshotStore(db.snapshotsDir, db.keepSnapshots, options.clock) : undefined,
    lock: db.config.lock,
    busyRetry: db.config.busyRetry ? retryPolicyFromConfig(db.config.busyRetry, { clock: options.clock, random: options.random }) : undefined,
    allowOutOfOrder: db.config.allowOutOfOrder,
    groupCommit: db.config.groupCommit,
    ...options,
  });
  return { migrator, target };
}

/** The configured database whose migrations folder holds `file` (an absolute path), if any. */
export function databaseForFile(root: string, databases: Record<string, DatabaseConfig>, file: string): ResolvedDatabase | undefined {
  for (const [name, config] of Object.entries(databases)) {
    let db: ResolvedDatabase;
    try {
      db = resolveDatabase(root, name, config);
    } catch (err) {
      if (isConfigurationError(err)) continue; // refused paths: that database has no files here
      throw err;
    }
    const rel = relative(db.migrationsDir, dirname(resolve(file)));
    if (rel === '') return db;
  }
  return undefined;
}
