import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Database as DatabaseType, DatabaseConstructor, DriverName, Statement as StatementType } from './driver';
import { NodeSqliteDatabase, type NodeSqliteModule } from './nodeSqlite';
import { loadSqlJsModule, sqlJsHolds } from './sqlJs';

export type Database = DatabaseType;
export type Statement<P extends unknown[] | object = unknown[], R = unknown> = P extends unknown[] ? StatementType<P, R> : StatementType<[P], R>;
export type { DriverName, DatabaseConstructor } from './driver';
export { SqliteError } from './driver';

/**
 * What the user may ask for: a driver, or `auto` (better-sqlite3 where it loads, else node:sqlite,
 * else sql.js, which keeps everything in memory only).
 */
export type DriverPreference = DriverName | 'auto';
export const DRIVER_PREFERENCES: readonly DriverPreference[] = ['auto', 'better-sqlite3', 'node:sqlite', 'sql.js'];
/** The environment variable that chooses the driver (it wins over the `rebound.sqliteDriver` setting). */
export const DRIVER_ENV = 'REBOUND_SQLITE_DRIVER';

/** The driver in use and why it was chosen. */
export interface DriverInfo {
  name: DriverName;
  /** The SQLite library version the driver runs. */
  sqliteVersion: string;
  /** How it was chosen ("auto: better-sqlite3 could not load (…)", "REBOUND_SQLITE_DRIVER"…). */
  reason: string;
  /** False for sql.js: databases live in this process's memory and nothing reaches the disk. */
  persistent: boolean;
  /** Chosen by `auto` (the first that loads), not asked for by the setting or REBOUND_SQLITE_DRIVER. */
  auto: boolean;
}

const INSTALL_HINT =
  `Rebound's built-in driver needs Node 22.13 or later (node:sqlite): in desktop VS Code that is VS Code 1.101 or later; ` +
  `for the CLI run it with Node 22.13 or later. Otherwise install the platform-specific Rebound VSIX (it carries better-sqlite3 for your VS Code), ` +
  `or for the CLI on Node 20 run \`npm rebuild better-sqlite3\`.`;

function runtime(): string {
  return `Node ${process.versions.node}${process.versions.electron ? ` (Electron ${process.versions.electron})` : ''}`;
}

/**
 * What to tell the user, once, when the driver keeps nothing (sql.js): what is missing and how to
 * get it, and that `storeFile`, when it exists (written by Rebound elsewhere), is not read here.
 */
export function memoryOnlyNotice(info: DriverInfo, storeFile?: string): string | undefined {
  if (info.persistent) return undefined;
  return [
    !info.auto
      ? `Rebound uses ${info.name} (${info.reason}), which cannot save to disk.`
      : `Rebound has no SQLite driver that can save to disk in this runtime (${runtime()}; ${info.reason}).`,
    'It still runs tasks, retries and classifies their failures, but keeps errors, runs and dead letters in memory only, and cannot apply migrations to SQLite databases.',
    storeFile && existsSync(storeFile) ? `${storeFile} exists but is not read: what it holds is not shown here, and nothing is added to it.` : '',
    info.auto ? INSTALL_HINT : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The SQLite driver asked for cannot load, or what is asked needs a file and only sql.js (memory) loads. */
export class NativeModuleError extends Error {
  readonly code = 'RB-STORE-NATIVE';
  constructor(detail: string, options?: { cause?: unknown; lead?: string }) {
    super(`${options?.lead ?? 'Rebound cannot load a SQLite driver'}: ${detail}. This runtime is ${runtime()}. ${INSTALL_HINT}`, options);
    this.name = 'NativeModuleError';
  }
}

let preference: DriverPreference | undefined;
let chosen: { ctor: DatabaseConstructor; info: DriverInfo } | undefined;
let failure: NativeModuleError | undefined;

function isPreference(v: unknown): v is DriverPreference {
  return typeof v === 'string' && (DRIVER_PREFERENCES as readonly string[]).includes(v);
}

/**
 * Sets the driver the next open uses (the extension passes its `rebound.sqliteDriver` setting).
 * REBOUND_SQLITE_DRIVER, when set, wins. Connections already open keep their driver.
 */
export function setDriverPreference(pref: DriverPreference | undefined): void {
  if (pref !== undefined && !isPreference(pref)) throw new Error(`Unknown SQLite driver ${JSON.stringify(pref)}: expected ${DRIVER_PREFERENCES.join(', ')}`);
  if (pref === preference) return;
  preference = pref;
  chosen = undefined;
  failure = undefined;
}

/** The preference set by {@link setDriverPreference} (undefined: none set). */
export function driverPreference(): DriverPreference | undefined {
  return preference;
}

function firstLine(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/**
 * better-sqlite3 from node_modules (the CLI, a development checkout), else from the `native/` folder
 * of a platform-specific VSIX (its JavaScript, and the binary built for that VS Code passed as
 * nativeBinding).
 */
function requireBetterSqlite(): DatabaseConstructor {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('better-sqlite3') as DatabaseConstructor;
  } catch (err) {
    const native = join(__dirname, '..', 'native');
    const binary = join(native, 'better_sqlite3.node');
    if (!existsSync(binary)) throw err;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Base = require(join(native, 'better-sqlite3')) as new (file: string, options?: object) => Database;
    return class extends Base {
      constructor(file: string, options: object = {}) {
        super(file, { ...options, nativeBinding: binary });
      }
    } as unknown as DatabaseConstructor;
  }
}

function loadBetterSqlite(): { ctor: DatabaseConstructor; version: string } {
  const ctor = requireBetterSqlite();
  // A wrong-ABI binary only fails when the first connection opens: open one now.
  const probe = new ctor(':memory:');
  try {
    const version = (probe.prepare('SELECT sqlite_version()').pluck().get() as string) ?? '?';
    return { ctor, version };
  } finally {
    probe.close();
  }
}

/** node:sqlite, loaded without its "experimental feature" warning on stderr (the CLI's output is for the user). */
export function loadNodeSqliteModule(): NodeSqliteModule {
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning?.message;
    if (/SQLite is an experimental feature/.test(text ?? '')) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('node:sqlite') as NodeSqliteModule;
    if (typeof mod?.DatabaseSync !== 'function') throw new Error('node:sqlite has no DatabaseSync');
    return mod;
  } finally {
    process.emitWarning = emit;
  }
}

/** A module shaped like node:sqlite (node:sqlite itself, or sql.js) behind the driver interface, probed once. */
function loadAdapted(mod: NodeSqliteModule): { ctor: DatabaseConstructor; version: string } {
  const ctor = class extends NodeSqliteDatabase {
    constructor(filename: string, options?: { readonly?: boolean; timeout?: number }) {
      super(mod, filename, options);
    }
  } as unknown as DatabaseConstructor;
  const probe = new ctor(':memory:');
  try {
    return { ctor, version: (probe.prepare('SELECT sqlite_version()').pluck().get() as string) ?? '?' };
  } finally {
    probe.close();
  }
}

const LOADERS: Record<DriverName, () => { ctor: DatabaseConstructor; version: string }> = {
  'better-sqlite3': loadBetterSqlite,
  'node:sqlite': () => loadAdapted(loadNodeSqliteModule()),
  'sql.js': () => loadAdapted(loadSqlJsModule()),
};

function choose(): { ctor: DatabaseConstructor; info: DriverInfo } {
  const env = process.env[DRIVER_ENV]?.trim();
  if (env && !isPreference(env)) throw new NativeModuleError(`${DRIVER_ENV}=${JSON.stringify(env)} is not a driver (expected ${DRIVER_PREFERENCES.join(', ')})`);
  const pref: DriverPreference = (env as DriverPreference | undefined) || preference || 'auto';
  const source = env ? DRIVER_ENV : preference && preference !== 'auto' ? 'the rebound.sqliteDriver setting' : 'auto';
  if (pref !== 'auto') {
    try {
      const { ctor, version } = LOADERS[pref]();
      return { ctor, info: { name: pref, sqliteVersion: version, reason: `chosen by ${source}`, persistent: pref !== 'sql.js', auto: false } };
    } catch (err) {
      throw new NativeModuleError(`${pref} (chosen by ${source}) could not load: ${firstLine(err)}`, { cause: err });
    }
  }
  const failures: string[] = [];
  for (const name of ['better-sqlite3', 'node:sqlite', 'sql.js'] as const) {
    try {
      const { ctor, version } = LOADERS[name]();
      const reason = failures.length ? `auto: ${failures.join('; ')}` : 'auto: the first that loads';
      return { ctor, info: { name, sqliteVersion: version, reason, persistent: name !== 'sql.js', auto: true } };
    } catch (err) {
      failures.push(`${name} could not load (${firstLine(err)})`);
    }
  }
  throw new NativeModuleError(failures.join('; '));
}

/** Loads the chosen driver once (see {@link setDriverPreference}); throws {@link NativeModuleError} when none loads. */
export function sqlite(): DatabaseConstructor {
  return driver().ctor;
}

function driver(): { ctor: DatabaseConstructor; info: DriverInfo } {
  if (chosen) return chosen;
  if (failure) throw failure;
  try {
    chosen = choose();
    return chosen;
  } catch (err) {
    failure = err instanceof NativeModuleError ? err : new NativeModuleError(firstLine(err), { cause: err });
    throw failure;
  }
}

/**
 * The driver for a database file that must really be on disk (a migration target, its snapshots):
 * refused with {@link NativeModuleError} when only the in-memory sql.js driver loads.
 */
export function fileSqlite(): DatabaseConstructor {
  const d = driver();
  if (!d.info.persistent) {
    throw new NativeModuleError(`only ${d.info.name} (in memory, nothing on disk) is in use (${d.info.reason}), and this needs a database file`, {
      lead: 'Rebound cannot open a SQLite database file',
    });
  }
  return d.ctor;
}

/** The driver in use (loading it if needed), or the reason none can load. */
export function sqliteDriver(): DriverInfo {
  return driver().info;
}

/** False while the memory-only driver (sql.js) is in use: what is recorded ends with the process. */
export function storeIsPersistent(): boolean {
  try {
    return driver().info.persistent;
  } catch {
    return true; // no driver at all: opening the store fails and says so
  }
}

/** Whether the store at `file` exists: on disk, or in this process's memory under the sql.js driver. */
export function storeExists(file: string): boolean {
  return existsSync(file) || sqlJsHolds(file);
}

/** Forgets the loaded driver so the next open chooses again (tests that switch REBOUND_SQLITE_DRIVER). */
export function resetSqliteDriver(): void {
  chosen = undefined;
  failure = undefined;
}
