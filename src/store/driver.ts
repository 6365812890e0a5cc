/**
 * The SQLite driver interface of the store: the subset of better-sqlite3's API that Rebound uses,
 * so better-sqlite3's own objects satisfy it unchanged and node:sqlite (DatabaseSync) is adapted
 * to it (./nodeSqlite). Code above src/store sees only these types, never which driver runs.
 */

/** Which SQLite driver a connection uses. */
export type DriverName = 'better-sqlite3' | 'node:sqlite' | 'sql.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...params: any[]) => unknown;

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface ColumnDefinition {
  name: string;
  column: string | null;
  table: string | null;
  database: string | null;
  type: string | null;
}

export interface Statement<BindParameters extends unknown[] = unknown[], Result = unknown> {
  readonly source: string;
  run(...params: BindParameters): RunResult;
  get(...params: BindParameters): Result | undefined;
  all(...params: BindParameters): Result[];
  iterate(...params: BindParameters): IterableIterator<Result>;
  /** Rows become their first column's value. */
  pluck(toggleState?: boolean): this;
  /** Rows become arrays of column values. */
  raw(toggleState?: boolean): this;
  columns(): ColumnDefinition[];
}

export interface Transaction<F extends AnyFunction> {
  (...params: Parameters<F>): ReturnType<F>;
  deferred(...params: Parameters<F>): ReturnType<F>;
  immediate(...params: Parameters<F>): ReturnType<F>;
  exclusive(...params: Parameters<F>): ReturnType<F>;
}

export interface PragmaOptions {
  /** Answer the first column of the first row instead of all rows. */
  simple?: boolean;
}

export interface Database {
  readonly name: string;
  readonly open: boolean;
  readonly memory: boolean;
  readonly readonly: boolean;
  readonly inTransaction: boolean;
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(
    source: string,
  ): BindParameters extends unknown[] ? Statement<BindParameters, Result> : Statement<[BindParameters], Result>;
  exec(source: string): this;
  pragma(source: string, options?: PragmaOptions): unknown;
  /** `fn` wrapped in BEGIN/COMMIT (ROLLBACK on a throw); nested calls use savepoints. */
  transaction<F extends AnyFunction>(fn: F): Transaction<F>;
  /** Copies the whole database, consistently, to `destinationFile`. */
  backup(destinationFile: string): Promise<unknown>;
  close(): this;
}

export interface DatabaseOptions {
  readonly?: boolean;
  /** Milliseconds to wait on a locked database (SQLITE_BUSY after that). */
  timeout?: number;
}

/** Opens a connection: `new (sqlite())(file)` as with better-sqlite3's constructor. */
export type DatabaseConstructor = new (filename: string, options?: DatabaseOptions) => Database;

/** An error SQLite reported, with better-sqlite3's string code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`…) whichever driver runs. */
export class SqliteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SqliteError';
  }
}
