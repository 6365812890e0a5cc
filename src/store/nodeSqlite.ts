/**
 * Node's built-in SQLite (`node:sqlite`, DatabaseSync: Node 22.13 and later, and the Electron of
 * VS Code 1.101 and later) adapted to the store's driver interface, with better-sqlite3's
 * behaviour where the two differ: rows are plain objects, BLOBs are Buffers, `undefined` and array
 * parameters bind as better-sqlite3 binds them, errors carry SQLite's string code, transactions
 * nest through savepoints, and the busy timeout defaults to 5 s.
 */
import { existsSync, rmSync } from 'node:fs';
import { SqliteError, type ColumnDefinition, type Database, type DatabaseOptions, type PragmaOptions, type RunResult, type Statement, type Transaction } from './driver';
import { sqliteCodeName } from './sqliteCodes';

// The part of node:sqlite used here (@types/node 20 does not describe the module).
type Value = null | number | bigint | string | Uint8Array;
interface NodeStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate?(...params: unknown[]): IterableIterator<unknown>;
  columns?(): ColumnDefinition[];
  setReturnArrays?(enabled: boolean): void;
}
interface NodeDatabase {
  readonly isOpen?: boolean;
  readonly isTransaction?: boolean;
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
}
export interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean; enableForeignKeyConstraints?: boolean; enableDoubleQuotedStringLiterals?: boolean }) => NodeDatabase;
  backup?(source: NodeDatabase, destination: string): Promise<number>;
  /** Every database lives in memory whatever its name (sql.js): the store then keeps no files beside it. */
  memoryOnly?: boolean;
}

/** A node:sqlite error (code ERR_SQLITE_ERROR, numeric errcode) as better-sqlite3 would throw it. */
export function translateError(err: unknown): unknown {
  const e = err as { errcode?: unknown; message?: string } | null;
  if (e && typeof e === 'object' && typeof e.errcode === 'number') return new SqliteError(e.message ?? String(err), sqliteCodeName(e.errcode), { cause: err });
  return err;
}

function bindable(v: unknown): unknown {
  return v === undefined ? null : v;
}

/** better-sqlite3's parameters (arrays flattened, undefined as NULL, one object of named ones) in node:sqlite's order. */
function params(args: unknown[]): unknown[] {
  let simple = true;
  for (const a of args) {
    if (a === undefined || Array.isArray(a) || (a !== null && typeof a === 'object' && !(a instanceof Uint8Array))) {
      simple = false;
      break;
    }
  }
  if (simple) return args;
  let named: Record<string, unknown> | undefined;
  const positional: unknown[] = [];
  const add = (a: unknown) => {
    if (Array.isArray(a)) for (const x of a) add(x);
    else if (a !== null && typeof a === 'object' && !(a instanceof Uint8Array) && !ArrayBuffer.isView(a)) {
      named ??= {};
      for (const [k, v] of Object.entries(a)) named[k] = bindable(v);
    } else positional.push(bindable(a));
  };
  for (const a of args) add(a);
  return named ? [named, ...positional] : positional;
}

function value(v: unknown): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

type Mode = 'object' | 'pluck' | 'raw';

class NodeSqliteStatement implements Statement<unknown[], unknown> {
  private mode: Mode = 'object';
  private names: string[] | undefined;
  /** node:sqlite from 22.16 answers rows as arrays: objects are then built here (plain, like better-sqlite3's). */
  private readonly arrays: boolean;

  constructor(
    private readonly stmt: NodeStatement,
    readonly source: string,
  ) {
    this.arrays = typeof stmt.setReturnArrays === 'function' && typeof stmt.columns === 'function';
    if (this.arrays) stmt.setReturnArrays!(true);
  }

  private row(r: unknown): unknown {
    if (r === undefined) return undefined;
    if (this.arrays) {
      const a = r as Value[];
      if (this.mode === 'pluck') return value(a[0]);
      if (this.mode === 'raw') return a.map(value);
      const names = (this.names ??= this.stmt.columns!().map((c) => c.name));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) o[names[i]] = value(a[i]);
      return o;
    }
    const o = r as Record<string, unknown>;
    if (this.mode === 'pluck') {
      for (const k in o) return value(o[k]);
      return undefined;
    }
    if (this.mode === 'raw') return Object.values(o).map(value);
    const plain: Record<string, unknown> = {};
    for (const k in o) plain[k] = value(o[k]);
    return plain;
  }

  run(...args: unknown[]): RunResult {
    try {
      const r = this.stmt.run(...params(args));
      return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid };
    } catch (err) {
      throw translateError(err);
    }
  }

  get(...args: unknown[]): unknown {
    try {
      return this.row(this.stmt.get(...params(args)));
    } catch (err) {
      throw translateError(err);
    }
  }

  all(...args: unknown[]): unknown[] {
    let rows: unknown[];
    try {
      rows = this.stmt.all(...params(args));
    } catch (err) {
      throw translateError(err);
    }
    for (let i = 0; i < rows.length; i++) rows[i] = this.row(rows[i]);
    return rows;
  }

  *iterate(...args: unknown[]): IterableIterator<unknown> {
    if (typeof this.stmt.iterate !== 'function') {
      yield* this.all(...args);
      return;
    }
    let it: IterableIterator<unknown>;
    try {
      it = this.stmt.iterate(...params(args));
    } catch (err) {
      throw translateError(err);
    }
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = it.next();
      } catch (err) {
        throw translateError(err);
      }
      if (next.done) return;
      yield this.row(next.value);
    }
  }

  pluck(toggleState = true): this {
    if (toggleState) this.mode = 'pluck';
    else if (this.mode === 'pluck') this.mode = 'object';
    return this;
  }

  raw(toggleState = true): this {
    if (toggleState) this.mode = 'raw';
    else if (this.mode === 'raw') this.mode = 'object';
    return this;
  }

  columns(): ColumnDefinition[] {
    if (typeof this.stmt.columns !== 'function') throw new Error(`Statement.columns() needs Node 22.16 or later for node:sqlite (this is Node ${process.versions.node})`);
    return this.stmt.columns().map((c) => ({ name: c.name, column: c.column, table: c.table, database: c.database, type: c.type }));
  }
}

let savepoints = 0;

/** A node:sqlite connection behind the store's driver interface. */
export class NodeSqliteDatabase implements Database {
  private readonly db: NodeDatabase;
  private closed = false;
  readonly memory: boolean;
  readonly readonly: boolean;

  constructor(
    private readonly mod: NodeSqliteModule,
    readonly name: string,
    options: DatabaseOptions = {},
  ) {
    this.memory = mod.memoryOnly === true || name === ':memory:' || name === '';
    this.readonly = options.readonly === true;
    try {
      // better-sqlite3's defaults: foreign keys enforced, double-quoted strings are identifiers only.
      this.db = new mod.DatabaseSync(name, { readOnly: this.readonly, enableForeignKeyConstraints: true, enableDoubleQuotedStringLiterals: false });
      this.db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.timeout ?? 5000))}`);
    } catch (err) {
      throw translateError(err);
    }
  }

  get open(): boolean {
    return !this.closed && this.db.isOpen !== false;
  }

  get inTransaction(): boolean {
    if (typeof this.db.isTransaction === 'boolean') return this.db.isTransaction;
    // Node before 22.16: BEGIN fails inside a transaction; outside, a deferred BEGIN takes no lock.
    try {
      this.db.exec('BEGIN');
    } catch {
      return true;
    }
    this.db.exec('ROLLBACK');
    return false;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  prepare(source: string): any {
    try {
      return new NodeSqliteStatement(this.db.prepare(source), source);
    } catch (err) {
      throw translateError(err);
    }
  }

  exec(source: string): this {
    try {
      this.db.exec(source);
    } catch (err) {
      throw translateError(err);
    }
    return this;
  }

  pragma(source: string, options: PragmaOptions = {}): unknown {
    const stmt = this.prepare(`PRAGMA ${source}`) as NodeSqliteStatement;
    if (options.simple) return stmt.pluck().get();
    return stmt.all();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  transaction<F extends (...params: any[]) => unknown>(fn: F): Transaction<F> {
    if (typeof fn !== 'function') throw new TypeError('Expected first argument to be a function');
    const wrap = (begin: string) =>
      (...args: Parameters<F>): ReturnType<F> => {
        const nested = this.inTransaction;
        const name = nested ? `"_rebound_sp${++savepoints}"` : '';
        this.exec(nested ? `SAVEPOINT ${name}` : begin);
        try {
          const result = fn(...args) as ReturnType<F>;
          if (result && typeof (result as { then?: unknown }).then === 'function') throw new TypeError('Transaction function cannot return a promise');
          this.exec(nested ? `RELEASE ${name}` : 'COMMIT');
          return result;
        } catch (err) {
          if (this.inTransaction) {
            if (nested) {
              this.exec(`ROLLBACK TO ${name}`);
              this.exec(`RELEASE ${name}`);
            } else this.exec('ROLLBACK');
          }
          throw err;
        }
      };
    const t = wrap('BEGIN') as Transaction<F>;
    t.deferred = wrap('BEGIN DEFERRED');
    t.immediate = wrap('BEGIN IMMEDIATE');
    t.exclusive = wrap('BEGIN EXCLUSIVE');
    return t;
  }

  async backup(destinationFile: string): Promise<unknown> {
    if (typeof this.mod.backup === 'function') {
      try {
        return { totalPages: await this.mod.backup(this.db, destinationFile), remainingPages: 0 };
      } catch (err) {
        throw translateError(err);
      }
    }
    // Node before 22.16: VACUUM INTO writes the same consistent copy (it refuses an existing file).
    if (existsSync(destinationFile)) rmSync(destinationFile);
    this.prepare('VACUUM INTO ?').run(destinationFile);
    return { totalPages: 0, remainingPages: 0 };
  }

  close(): this {
    if (this.closed) return this;
    this.closed = true;
    try {
      this.db.close();
    } catch (err) {
      throw translateError(err);
    }
    return this;
  }
}
