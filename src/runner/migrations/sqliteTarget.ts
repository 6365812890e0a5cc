import { ComposedTarget } from './composedTarget';
import { SqliteConnection, type SqliteTargetOptions } from './sqlite/connection';
import { SqliteExecutor } from './sqlite/executor';
import { SqliteLedger } from './sqlite/ledger';
import { SqliteLockTable } from './sqlite/lockTable';
import { SqliteSchema } from './sqlite/schema';
import { SqliteSnapshots } from './sqlite/snapshots';
import type { TargetRoles } from './composedTarget';

export { DEFAULT_HISTORY_TABLE, type SqliteTargetOptions } from './sqlite/connection';
export { schemaEffect } from './sqlite/schema';

/**
 * A SQLite database as a migration target (better-sqlite3). Each migration runs in
 * `BEGIN IMMEDIATE` with foreign keys switched off around the transaction and
 * `PRAGMA foreign_key_check` before the commit; a `-- rebound:no-transaction` file runs statement by
 * statement, each transaction-capable statement committed together with its journal progress.
 *
 * It implements every role of a target, each in its own file under sqlite/: the connection (the
 * engine role), the ledger (history, journal, runs), the lock table, the schema (hashes,
 * incremental tracking), the checks and executor, and snapshots. `withRoles` swaps some of them.
 */
export class SqliteTarget extends ComposedTarget {
  readonly conn: SqliteConnection;
  readonly ledger: SqliteLedger;
  readonly lockTable: SqliteLockTable;
  readonly schema: SqliteSchema;
  readonly executor: SqliteExecutor;
  readonly snapshots: SqliteSnapshots;

  constructor(options: SqliteTargetOptions, replace: Partial<Omit<TargetRoles, 'engine'>> = {}) {
    const conn = new SqliteConnection(options);
    const ledger = new SqliteLedger(conn);
    const schema = new SqliteSchema(conn);
    const executor = new SqliteExecutor(conn, ledger, schema);
    const lockTable = new SqliteLockTable(conn);
    const snapshots = new SqliteSnapshots(conn, (file) => new SqliteTarget({ ...options, file }));
    const engine = {
      engine: 'sqlite',
      location: options.file,
      exists: () => conn.exists(),
      isBusy: (error: unknown) => conn.isBusy(error),
      close: () => {
        schema.tracker = undefined;
        conn.close();
      },
    };
    super({ engine, ledger, lock: lockTable, schema, checks: executor, executor, snapshots, ...replace });
    this.conn = conn;
    this.ledger = ledger;
    this.lockTable = lockTable;
    this.schema = schema;
    this.executor = executor;
    this.snapshots = snapshots;
  }

  /** A copy without the lock row, as a SQLite target (synchronous like this one). */
  override cloneTo(file: string): SqliteTarget {
    return this.snapshots.cloneTo(file);
  }

  /** The open connection (opened, and the file created, on first use). */
  get db() {
    return this.conn.db;
  }
}
