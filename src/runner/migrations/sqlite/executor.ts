import { describeStatement, nonTransactionalReason, tokenize } from '../../../engine/migrations';
import { MigrationError, RollbackError } from '../../../engine/errors';
import type { ApplyOutcome, ApplyRequest, ForeignKeyViolation, GroupOutcome, MigrationChecks, MigrationExecutor, RepairRequest } from '../target';
import { message, type SqliteConnection } from './connection';
import type { SqliteLedger } from './ledger';
import type { SqliteSchema } from './schema';

/** Splits one statement into tokens only to recognise it (pure, cheap). */
function isNonTransactional(sql: string): boolean {
  const tokens = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  return nonTransactionalReason(describeStatement(tokens)) !== undefined;
}

/**
 * Runs migrations on SQLite: each migration in `BEGIN IMMEDIATE` with foreign keys switched off
 * around the transaction and `PRAGMA foreign_key_check` before the commit; a
 * `-- rebound:no-transaction` file statement by statement, each transaction-capable statement
 * committed together with its journal progress.
 */
export class SqliteExecutor implements MigrationExecutor, MigrationChecks {
  constructor(
    private readonly conn: SqliteConnection,
    private readonly ledger: SqliteLedger,
    private readonly schema: SqliteSchema,
  ) {}

  apply(request: ApplyRequest): ApplyOutcome {
    if (request.noTransaction) {
      this.conn.ensureMetadata();
      const before = request.schemaBefore ?? this.schema.schemaHash();
      return this.applyOutsideTransaction(request, before, request.now());
    }
    const r = this.applyGroup([request]);
    return r.failure ? r.failure.outcome : r.applied[0];
  }

  /**
   * Runs transactional migrations in one `BEGIN IMMEDIATE` transaction, each inside its own
   * savepoint: a failing migration is rolled back to its savepoint, the ones before it are
   * committed, and its failure is recorded. Foreign keys are off around the transaction and
   * `foreign_key_check` runs before each savepoint is released. Stops adding migrations once
   * `maxMs` has passed (the first always runs).
   */
  applyGroup(requests: readonly ApplyRequest[], options: { maxMs?: number } = {}): GroupOutcome {
    this.conn.ensureMetadata();
    const db = this.conn.db;
    const applied: Array<Extract<ApplyOutcome, { ok: true }>> = [];
    if (requests.length === 0) return { applied };
    const first = requests[0];
    const groupStart = first.now();
    const fkOn = this.conn.foreignKeysOn();
    if (fkOn) db.pragma('foreign_keys = OFF');
    let failure: GroupOutcome['failure'];
    let before = first.schemaBefore ?? '';
    try {
      try {
        db.exec('BEGIN IMMEDIATE');
        const start = this.schema.incrementalOff ? this.schema.schemaHash() : this.schema.startTracking();
        if (first.schemaBefore === undefined) before = start;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        return { applied, failure: { index: 0, outcome: { ok: false, error, statementsDone: 0, committed: false, busy: this.conn.isBusy(error), durationMs: first.now() - groupStart } } };
      }
      for (let i = 0; i < requests.length; i++) {
        const request = requests[i];
        if (i > 0 && options.maxMs !== undefined && request.now() - groupStart >= options.maxMs) break;
        const started = request.now();
        let done = 0;
        const n = request.statements.length;
        db.exec('SAVEPOINT rebound_migration');
        try {
          for (; done < n; done++) db.exec(request.statements[done]);
          const violations = this.foreignKeyCheck();
          if (violations.length > 0) {
            throw new MigrationError(`Foreign key check failed before commit: ${describeViolations(violations)}. Nothing of it was committed.`, {
              code: 'RB-MIGRATE-FK', guidance: 'RB-MIGRATE-001',
              context: { component: 'migrations' },
            });
          }
          const after = this.schema.trackedHash(request.statements);
          if (request.expectSchemaAfter !== undefined && after !== request.expectSchemaAfter) {
            throw new RollbackError(
              `After rolling back version ${request.version} the schema does not match the one recorded before it was applied (hash ${after.slice(0, 12)} instead of ${request.expectSchemaAfter.slice(0, 12)}); the rollback was not committed.`,
              { code: 'RB-ROLLBACK-VERIFY', guidance: 'RB-ROLLBACK-001', context: { component: 'migrations' } },
            );
          }
          const durationMs = request.now() - started;
          if (request.direction === 'up') this.ledger.writeHistory(request, before, after, durationMs, true, null);
          else this.conn.cached(`DELETE FROM ${this.conn.q('history')} WHERE version = ?`).run(request.version);
          this.ledger.insertJournal(request, 'committed', n, before, null, null, true);
          db.exec('RELEASE rebound_migration');
          applied.push({ ok: true, durationMs, schemaBefore: before, schemaAfter: after });
          before = after;
        } catch (error) {
          const outcome: ApplyOutcome = {
            ok: false,
            error,
            statementsDone: done,
            committed: false,
            busy: this.conn.isBusy(error),
            failedStatement: done < n ? done : undefined,
            durationMs: request.now() - started,
          };
          if (!db.inTransaction) {
            // SQLite rolled the whole transaction back (I/O error, disk full): the group is lost.
            applied.length = 0;
            return { applied, failure: { index: i, outcome, groupLost: true } };
          }
          db.exec('ROLLBACK TO rebound_migration');
          db.exec('RELEASE rebound_migration');
          this.schema.tracker = undefined;
          failure = { index: i, outcome };
          break;
        }
      }
      if (this.schema.tracker?.incremental && this.schema.tracker.hasher.hex() !== this.schema.schemaHash()) {
        // The incremental hash disagrees with a full read: never commit hashes that may be wrong.
        // Roll the group back and run it again with full reads only.
        this.schema.tracker = undefined;
        this.schema.incrementalOff = true;
        db.exec('ROLLBACK');
        if (fkOn) db.pragma('foreign_keys = ON');
        return this.applyGroup(requests, options);
      }
      this.schema.tracker = undefined;
      try {
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        // Nothing of the group was committed: report it against the first migration.
        return {
          applied: [],
          failure: { index: 0, outcome: { ok: false, error, statementsDone: 0, committed: false, busy: this.conn.isBusy(error), durationMs: first.now() - groupStart }, groupLost: applied.length > 0 },
        };
      }
      if (failure && !failure.outcome.ok) {
        const req = requests[failure.index];
        this.ledger.recordFailure(req, before, failure.outcome.statementsDone, failure.outcome.error, failure.outcome.durationMs);
      }
      return { applied, failure };
    } finally {
      if (fkOn) db.pragma('foreign_keys = ON');
    }
  }

  private applyOutsideTransaction(request: ApplyRequest, before: string, started: number): ApplyOutcome {
    const db = this.conn.db;
    const n = request.statements.length;
    const objects = JSON.stringify(this.schema.schemaObjects());
    const entry = this.ledger.insertJournal(request, 'running', 0, before, objects, null, false);
    const progress = db.prepare(`UPDATE ${this.conn.q('journal')} SET statements_done = ? WHERE id = ?`);
    let done = 0;
    const fail = (error: unknown, failedStatement: number | undefined): ApplyOutcome => {
      if (db.inTransaction) {
        db.exec('ROLLBACK');
        // Progress written inside a transaction the file opened itself was rolled back with it.
        done = (db.prepare(`SELECT statements_done AS d FROM ${this.conn.q('journal')} WHERE id = ?`).get(entry) as { d: number }).d;
      }
      const busy = this.conn.isBusy(error);
      try {
        this.ledger.updateJournal(entry, 'failed', done, message(error), true, request.now());
      } catch {
        // The journal row still says 'running' with the right progress: recover reads it the same way.
      }
      return { ok: false, error, statementsDone: done, committed: done > 0, busy, failedStatement, durationMs: request.now() - started };
    };
    for (; done < n; done++) {
      const sql = request.statements[done];
      try {
        if (db.inTransaction || isNonTransactional(sql)) {
          db.exec(sql);
          progress.run(done + 1, entry);
        } else {
          db.exec('BEGIN IMMEDIATE');
          db.exec(sql);
          progress.run(done + 1, entry);
          db.exec('COMMIT');
        }
      } catch (error) {
        return fail(error, done);
      }
    }
    if (db.inTransaction) {
      return fail(new MigrationError('The migration opened a transaction (BEGIN) and did not commit it.', { context: { component: 'migrations' } }), undefined);
    }
    try {
      const violations = this.foreignKeyCheck();
      if (violations.length > 0) {
        throw new MigrationError(`Foreign key check failed after the migration: ${describeViolations(violations)}.`, { code: 'RB-MIGRATE-FK', guidance: 'RB-MIGRATE-001', context: { component: 'migrations' } });
      }
      db.exec('BEGIN IMMEDIATE');
      const after = this.schema.schemaHash();
      if (request.expectSchemaAfter !== undefined && after !== request.expectSchemaAfter) {
        throw new RollbackError(
          `After rolling back version ${request.version} the schema does not match the one recorded before it was applied (hash ${after.slice(0, 12)} instead of ${request.expectSchemaAfter.slice(0, 12)}).`,
          { code: 'RB-ROLLBACK-VERIFY', guidance: 'RB-ROLLBACK-001', context: { component: 'migrations' } },
        );
      }
      const durationMs = request.now() - started;
      if (request.direction === 'up') this.ledger.writeHistory(request, before, after, durationMs, true, null);
      else db.prepare(`DELETE FROM ${this.conn.q('history')} WHERE version = ?`).run(request.version);
      this.ledger.updateJournal(entry, 'committed', n, null, true, request.now());
      db.exec('COMMIT');
      return { ok: true, durationMs, schemaBefore: before, schemaAfter: after };
    } catch (error) {
      return fail(error, undefined);
    }
  }

  repairPartial(request: RepairRequest): void {
    const db = this.conn.db;
    const fkOn = this.conn.foreignKeysOn();
    if (fkOn) db.pragma('foreign_keys = OFF');
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const s of request.statements) db.exec(s);
      const violations = this.foreignKeyCheck();
      if (violations.length > 0) throw new Error(`foreign key check failed: ${describeViolations(violations)}`);
      const after = this.schema.schemaHash();
      if (after !== request.expectSchemaAfter) {
        throw new Error(`the schema after recovery (hash ${after.slice(0, 12)}) is not the expected one (${request.expectSchemaAfter.slice(0, 12)})`);
      }
      this.conn.db
        .prepare(`UPDATE ${this.conn.q('journal')} SET state = ?, finished_at = ?, error = coalesce(error, 'interrupted') WHERE id = ?`)
        .run(request.entryState, request.now(), request.entryId);
      if (request.deleteHistory) db.prepare(`DELETE FROM ${this.conn.q('history')} WHERE version = ?`).run(request.version);
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    } finally {
      if (fkOn) db.pragma('foreign_keys = ON');
    }
  }

  integrityCheck(): string[] {
    const rows = this.conn.db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const out = rows.map((r) => r.integrity_check);
    return out.length === 1 && out[0] === 'ok' ? [] : out;
  }

  foreignKeyCheck(): ForeignKeyViolation[] {
    return (this.conn.cached('PRAGMA foreign_key_check').all() as Array<{ table: string; rowid: number | null; parent: string; fkid: number }>).map((r) => ({
      table: r.table,
      rowid: r.rowid,
      parent: r.parent,
      fkid: r.fkid,
    }));
  }
}

function describeViolations(v: ForeignKeyViolation[]): string {
  const shown = v.slice(0, 5).map((x) => `${x.table} row ${x.rowid ?? '?'} -> ${x.parent}`);
  return `${v.length} row(s) reference missing parents (${shown.join(', ')}${v.length > 5 ? ', ...' : ''})`;
}
