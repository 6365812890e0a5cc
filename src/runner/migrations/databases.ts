import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseConfigSection } from '../../engine/config';
import { databasesSchema, type DatabaseConfig } from '../../engine/migrations';
import { isConfigurationError } from '../../engine/errors';
import { retryPolicyFromConfig } from '../../engine/resilience/configSchema';
import type { Clock, RandomSource } from '../../engine/clock';
import { Migrator, type MigratorOptions } from './migrator';
import { SnapshotStore } from './snapshots';
import { SqliteTarget } from './sqliteTarget';
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
  file: string;
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
  const paths: ConfiguredPath[] = [
    { key: `${key}.path`, value: config.path, folder: false },
    { key: `${key}.migrations`, value: config.migrations ?? 'migrations', folder: true },
  ];
  if (enabled && typeof snaps === 'object' && snaps.dir) paths.push({ key: `${key}.snapshots.dir`, value: snaps.dir, folder: true });
  const [file, migrationsDir, snapshotsDir] = checkConfiguredPaths(root, configFile(root), paths, {
    key: `${key}.allowOutsideWorkspace`,
    allowed: config.allowOutsideWorkspace === true,
  });
  return {
    name,
    file,
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

/** A Migrator on a configured SQLite database. Close it with `closeMigrator` (or `target.close()`). */
export function openMigrator(db: ResolvedDatabase, { busyTimeoutMs, ...options }: OpenMigratorOptions = {}): { migrator: Migrator; target: SqliteTarget } {
  const target = new SqliteTarget({ file: db.file, historyTable: db.config.historyTable, busyTimeoutMs: busyTimeoutMs ?? db.config.busyTimeoutMs });
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
