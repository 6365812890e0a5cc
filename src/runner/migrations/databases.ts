import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseConfigSection } from '../../engine/config';
import { databasesSchema, type DatabaseConfig } from '../../engine/migrations';
import { retryPolicyFromConfig } from '../../engine/resilience/configSchema';
import type { Clock, RandomSource } from '../../engine/clock';
import { Migrator, type MigratorOptions } from './migrator';
import { SnapshotStore } from './snapshots';
import { SqliteTarget } from './sqliteTarget';
import { ConfigFileError } from '../config';

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

/** Absolute paths and defaults of one configured database. */
export function resolveDatabase(root: string, name: string, config: DatabaseConfig): ResolvedDatabase {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  const snaps = config.snapshots;
  const enabled = snaps === undefined || snaps === true || (typeof snaps === 'object' && snaps.enabled !== false);
  const dir = typeof snaps === 'object' && snaps.dir ? abs(snaps.dir) : join(root, '.rebound', 'snapshots', name);
  return {
    name,
    file: abs(config.path),
    migrationsDir: abs(config.migrations ?? 'migrations'),
    snapshotsDir: enabled ? dir : undefined,
    keepSnapshots: typeof snaps === 'object' && snaps.keep !== undefined ? snaps.keep : 10,
    config,
  };
}

export interface OpenMigratorOptions extends Partial<Pick<MigratorOptions, 'identity' | 'isProcessAlive' | 'scratchDir' | 'signal'>> {
  clock?: Clock;
  random?: RandomSource;
}

/** A Migrator on a configured SQLite database. Close it with `closeMigrator` (or `target.close()`). */
export function openMigrator(db: ResolvedDatabase, options: OpenMigratorOptions = {}): { migrator: Migrator; target: SqliteTarget } {
  const target = new SqliteTarget({ file: db.file, historyTable: db.config.historyTable, busyTimeoutMs: db.config.busyTimeoutMs });
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
    const db = resolveDatabase(root, name, config);
    const rel = relative(db.migrationsDir, dirname(resolve(file)));
    if (rel === '') return db;
  }
  return undefined;
}
