/**
 * The last-resort driver: SQLite compiled to WebAssembly (sql.js), for a runtime where neither
 * better-sqlite3 nor node:sqlite loads (desktop VS Code before 1.101 without the platform VSIX, the
 * CLI on Node 20 without a built better-sqlite3). It keeps databases in memory only: nothing is
 * written to disk, so Rebound still runs, retries and classifies, and says that nothing is kept.
 *
 * sql.js is shaped here like node:sqlite's DatabaseSync, so the node:sqlite adapter
 * (./nodeSqlite) gives it better-sqlite3's behaviour unchanged. Within one process every open of
 * the same path shares one in-memory database (the extension's views see what its task runs
 * recorded); `:memory:` is always a new one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ColumnDefinition } from './driver';
import type { NodeSqliteModule } from './nodeSqlite';

// The part of sql.js used here (it ships no types).
interface SqlJsStatement {
  bind(values?: unknown[] | Record<string, unknown>): boolean;
  step(): boolean;
  get(): unknown[];
  getColumnNames(): string[];
  reset(): void;
  free(): boolean;
}
interface SqlJsDatabase {
  prepare(sql: string): SqlJsStatement;
  exec(sql: string): unknown;
  getRowsModified(): number;
  close(): void;
}
interface SqlJsModule {
  Database?: new () => SqlJsDatabase;
}

/** SQLite's extended result codes for the messages sql.js throws (it keeps only the message). */
const CODES: [RegExp, number][] = [
  [/^UNIQUE constraint failed/, 2067],
  [/^FOREIGN KEY constraint failed/, 787],
  [/^NOT NULL constraint failed/, 1299],
  [/^CHECK constraint failed/, 275],
  [/constraint failed/, 19],
  [/^database disk image is malformed/, 11],
  [/^out of memory/, 7],
  [/^interrupted/, 9],
];

function sqlError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const errcode = CODES.find(([re]) => re.test(message))?.[1] ?? 1;
  return Object.assign(new Error(message, { cause: err }), { errcode });
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw sqlError(err);
  }
}

/** A BigInt as sql.js can bind it: a number while exact, else its decimal text. */
function bindable(v: unknown): unknown {
  return typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v;
}

/** Binds node:sqlite-style parameters (positional values, or one object of bare names first). */
function bind(stmt: SqlJsStatement, params: unknown[]): void {
  const first = params[0];
  if (first !== null && typeof first === 'object' && !(first instanceof Uint8Array)) {
    if (params.length > 1) throw new Error('sql.js driver: named and positional parameters in one call are not supported');
    const named: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(first)) {
      for (const prefix of ['@', ':', '$']) named[prefix + k] = bindable(v);
    }
    stmt.bind(named);
  } else if (params.length) stmt.bind(params.map(bindable));
}

/** `SELECT last_insert_rowid()` of each database, prepared once (every INSERT asks). */
const lastRowid = new WeakMap<SqlJsDatabase, SqlJsStatement>();

function lastInsertRowid(db: SqlJsDatabase): number {
  let stmt = lastRowid.get(db);
  if (!stmt) lastRowid.set(db, (stmt = guard(() => db.prepare('SELECT last_insert_rowid()'))));
  try {
    stmt.step();
    return stmt.get()[0] as number;
  } finally {
    stmt.reset();
  }
}

// Statements the store dropped are freed when collected (WebAssembly memory is not).
const finalizer = new FinalizationRegistry<SqlJsStatement>((stmt) => {
  try {
    stmt.free();
  } catch {
    /* its database was closed */
  }
});

class Statement {
  private readonly stmt: SqlJsStatement;

  constructor(
    private readonly db: SqlJsDatabase,
    sql: string,
  ) {
    this.stmt = guard(() => db.prepare(sql));
    finalizer.register(this, this.stmt);
  }

  setReturnArrays(): void {
    // Rows are always arrays here.
  }

  columns(): ColumnDefinition[] {
    return this.stmt.getColumnNames().map((name) => ({ name, column: null, table: null, database: null, type: null }));
  }

  private *rows(params: unknown[]): IterableIterator<unknown[]> {
    try {
      guard(() => bind(this.stmt, params));
      while (guard(() => this.stmt.step())) yield this.stmt.get();
    } finally {
      this.stmt.reset();
    }
  }

  run(...params: unknown[]): { changes: number; lastInsertRowid: number } {
    for (const _ of this.rows(params)) void _;
    return { changes: this.db.getRowsModified(), lastInsertRowid: lastInsertRowid(this.db) };
  }

  get(...params: unknown[]): unknown {
    for (const row of this.rows(params)) return row;
    return undefined;
  }

  all(...params: unknown[]): unknown[] {
    return [...this.rows(params)];
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.rows(params);
  }
}

/** In-memory databases by resolved path: each lives as long as the process. */
const shared = new Map<string, SqlJsDatabase>();

function wasmBytes(): Buffer {
  // Beside the bundle in dist/ (the VSIX), else from node_modules (the unbundled test build).
  const beside = join(__dirname, 'sql-wasm.wasm');
  if (existsSync(beside)) return readFileSync(beside);
  const resolveModule: (id: string) => string = require.resolve;
  return readFileSync(resolveModule('sql.js/dist/sql-wasm.wasm'));
}

// The synchronous WebAssembly API (the compiler's lib here does not describe WebAssembly).
interface WasmInstance {
  exports: object;
}
const Wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => WasmInstance } }).WebAssembly;

let loaded: { Database: new () => SqlJsDatabase } | { error: Error } | undefined;

/**
 * Loads sql.js synchronously (the store opens synchronously): the WebAssembly module is compiled
 * and instantiated with the synchronous API through Emscripten's `instantiateWasm` hook, so the
 * runtime is ready when the factory returns. Checked by the driver tests for the pinned version.
 * Once per process (sql.js keeps its first initialisation): the result, or the failure, is kept.
 */
function loadSqlJs(): new () => SqlJsDatabase {
  loaded ??= (() => {
    try {
      return { Database: initialise() };
    } catch (err) {
      return { error: err instanceof Error ? err : new Error(String(err)) };
    }
  })();
  if ('error' in loaded) throw loaded.error;
  return loaded.Database;
}

function initialise(): new () => SqlJsDatabase {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const init = require('sql.js/dist/sql-wasm.js') as (config: object) => Promise<unknown>;
  const bytes = wasmBytes();
  let failure: unknown;
  const config: SqlJsModule & { instantiateWasm: (imports: object, ready: (i: WasmInstance, m: object) => void) => object; onAbort: (what: unknown) => void } = {
    instantiateWasm(imports, ready) {
      try {
        const module = new Wasm.Module(bytes);
        const instance = new Wasm.Instance(module, imports);
        ready(instance, module);
        return instance.exports;
      } catch (err) {
        failure = err;
        throw err;
      }
    },
    onAbort(what) {
      failure ??= what;
    },
  };
  void init(config).catch((err: unknown) => {
    failure ??= err;
  });
  if (typeof config.Database !== 'function') {
    const why = failure instanceof Error ? failure.message : failure !== undefined ? String(failure) : 'it did not initialise synchronously (a new sql.js version?)';
    throw new Error(`sql.js could not load: ${why}`);
  }
  return config.Database;
}

/**
 * sql.js shaped as node:sqlite's module, for {@link NodeSqliteDatabase}. The handles of one path
 * share one connection, and so its transaction: safe because the store's transactions are
 * synchronous (the only transaction held across an await, a SQLite migration's, needs a file and
 * refuses this driver).
 */
export function loadSqlJsModule(): NodeSqliteModule {
  const SqlDatabase = loadSqlJs();
  class DatabaseSync {
    private readonly db: SqlJsDatabase;
    private readonly own: boolean;
    private closed = false;

    constructor(path: string) {
      const memory = path === ':memory:' || path === '';
      this.own = memory;
      const key = memory ? '' : resolve(path);
      let db = memory ? undefined : shared.get(key);
      if (!db) {
        const created = guard(() => new SqlDatabase());
        // better-sqlite3's default, as the node:sqlite adapter asks of DatabaseSync.
        guard(() => created.exec('PRAGMA foreign_keys = ON'));
        if (!memory) shared.set(key, created);
        db = created;
      }
      this.db = db;
    }

    get isOpen(): boolean {
      return !this.closed;
    }

    prepare(sql: string): Statement {
      return new Statement(this.db, sql);
    }

    exec(sql: string): void {
      guard(() => this.db.exec(sql));
    }

    close(): void {
      this.closed = true;
      if (this.own) this.db.close();
    }
  }
  return {
    DatabaseSync: DatabaseSync as unknown as NodeSqliteModule['DatabaseSync'],
    backup: () => Promise.reject(new Error('the sql.js driver keeps Rebound\'s data in memory only: there is no file to back up')),
    memoryOnly: true,
  };
}

/** Whether this process holds an in-memory database for `file` (opened through the sql.js driver). */
export function sqlJsHolds(file: string): boolean {
  return shared.has(resolve(file));
}
