import type pg from 'pg';
import { describeStatement, inverseStatement, nonTransactionalReason, recordedStatements, tokenize } from '../../../engine/migrations';
import { MigrationError, RollbackError } from '../../../engine/errors';
import type { ApplyOutcome, ApplyRequest, ForeignKeyViolation, GroupOutcome, MigrationChecks, MigrationExecutor, RepairRequest } from '../target';
import { message } from '../sqlite/connection';
import { cleanError, isBusyError, type PostgresConnection } from './connection';
import type { PostgresLedger, Queryable } from './ledger';
import type { PostgresSchema } from './schema';

/** Why a statement cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM, ...), or undefined. */
export function outsideTransactionReason(sql: string): string | undefined {
  const tokens = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  const info = describeStatement(tokens);
  if (info.kind === 'pragma' || info.kind === 'detach') return undefined; // SQLite's: PostgreSQL reports its own error
  return nonTransactionalReason(info);
}

const q = (c: pg.Client): Queryable => ({
  query: async (sql, values) => {
    try {
      return await c.query(sql, values);
    } catch (err) {
      throw cleanError(err);
    }
  },
});

function verifyError(version: number, after: string, expected: string): RollbackError {
  return new RollbackError(
    `After rolling back version ${version} the schema does not match the one recorded before it was applied (hash ${after.slice(0, 12)} instead of ${expected.slice(0, 12)}); the rollback was not committed.`,
    { code: 'RB-ROLLBACK-VERIFY', guidance: 'RB-ROLLBACK-001', context: { component: 'migrations' } },
  );
}

/**
 * Runs migrations on PostgreSQL: transactional DDL, consecutive migrations in one transaction with
 * a savepoint each; a statement that cannot run in a transaction is refused unless the file says
 * `-- rebound:no-transaction`; such a file runs statement by statement, each transaction-capable
 * statement committed together with its journal progress, the others journaled right after.
 */
export class PostgresExecutor implements MigrationExecutor, MigrationChecks {
  constructor(
    private readonly conn: PostgresConnection,
    private readonly ledger: PostgresLedger,
    private readonly schema: PostgresSchema,
  ) {}

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    if (request.noTransaction) {
      const started = request.now();
      try {
        await this.conn.ensureMetadata();
        const before = request.schemaBefore ?? (await this.schema.schemaHash());
        return await this.applyOutsideTransaction(request, before, started);
      } catch (error) {
        return { ok: false, error: cleanError(error), statementsDone: 0, committed: false, busy: isBusyError(error), durationMs: request.now() - started };
      }
    }
    const r = await this.applyGroup([request]);
    return r.failure ? r.failure.outcome : r.applied[0];
  }

  async applyGroup(requests: readonly ApplyRequest[], options: { maxMs?: number } = {}): Promise<GroupOutcome> {
    const applied: Array<Extract<ApplyOutcome, { ok: true }>> = [];
    if (requests.length === 0) return { applied };
    const first = requests[0];
    const groupStart = first.now();
    const early = (error: unknown): GroupOutcome => ({
      applied: [],
      failure: { index: 0, outcome: { ok: false, error: cleanError(error), statementsDone: 0, committed: false, busy: isBusyError(error), durationMs: first.now() - groupStart } },
    });
    let c: pg.Client;
    let before: string;
    try {
      await this.conn.ensureMetadata();
      c = await this.conn.client();
      await c.query('BEGIN');
      before = first.schemaBefore ?? (await this.schema.hashVia(q(c)));
    } catch (error) {
      return early(error);
    }
    let failure: GroupOutcome['failure'];
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i];
      if (i > 0 && options.maxMs !== undefined && request.now() - groupStart >= options.maxMs) break;
      const started = request.now();
      let done = 0;
      const n = request.statements.length;
      try {
        await c.query('SAVEPOINT rebound_migration');
        const refused = request.statements.findIndex((s) => outsideTransactionReason(s) !== undefined);
        if (refused >= 0) {
          done = refused;
          throw new MigrationError(`${outsideTransactionReason(request.statements[refused])}; mark the file "-- rebound:no-transaction" to run it outside a transaction`, {
            code: 'RB-MIGRATE-NON-TRANSACTIONAL', guidance: 'RB-MIGRATE-001', context: { component: 'migrations' },
          });
        }
        for (; done < n; done++) await c.query(request.statements[done]);
        const after = await this.schema.hashVia(q(c));
        if (request.expectSchemaAfter !== undefined && after !== request.expectSchemaAfter) throw verifyError(request.version, after, request.expectSchemaAfter);
        const durationMs = request.now() - started;
        if (request.direction === 'up') await this.ledger.writeHistory(q(c), request, before, after, durationMs, true, null);
        else await c.query(`DELETE FROM ${this.conn.q('history')} WHERE version = $1`, [request.version]);
        await this.ledger.insertJournal(q(c), request, 'committed', n, before, null, null, true);
        await c.query('RELEASE SAVEPOINT rebound_migration');
        applied.push({ ok: true, durationMs, schemaBefore: before, schemaAfter: after });
        before = after;
      } catch (raw) {
        const error = cleanError(raw);
        const outcome: ApplyOutcome = { ok: false, error, statementsDone: done, committed: false, busy: isBusyError(raw), failedStatement: done < n ? done : undefined, durationMs: request.now() - started };
        try {
          await c.query('ROLLBACK TO SAVEPOINT rebound_migration');
          await c.query('RELEASE SAVEPOINT rebound_migration');
        } catch {
          // The connection broke: nothing of the group was committed.
          await this.conn.close();
          return { applied: [], failure: { index: i, outcome, groupLost: applied.length > 0 } };
        }
        failure = { index: i, outcome };
        break;
      }
    }
    try {
      await c.query('COMMIT');
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined);
      return { ...early(error), failure: { ...early(error).failure!, groupLost: applied.length > 0 } };
    }
    if (failure && !failure.outcome.ok) {
      await this.ledger.recordFailure(requests[failure.index], before, failure.outcome.statementsDone, failure.outcome.error, failure.outcome.durationMs);
    }
    return { applied, failure };
  }

  private async applyOutsideTransaction(request: ApplyRequest, before: string, started: number): Promise<ApplyOutcome> {
    const c = await this.conn.client();
    const n = request.statements.length;
    // No replayable DDL is kept for PostgreSQL: recover trusts the journal's statement count, which
    // each transaction-capable statement commits together with its effect.
    const entry = await this.ledger.insertJournal(q(c), request, 'running', 0, before, null, null, false);
    const progress = (k: number) => c.query(`UPDATE ${this.conn.q('journal')} SET statements_done = $1 WHERE id = $2`, [k, entry]);
    let done = 0;
    let inTx = false;
    const fail = async (raw: unknown, failedStatement: number | undefined): Promise<ApplyOutcome> => {
      const error = cleanError(raw);
      if (inTx) await c.query('ROLLBACK').catch(() => undefined);
      try {
        await this.ledger.updateJournal(q(c), entry, 'failed', done, message(error), true, request.now());
      } catch {
        // The journal row still says 'running' with the right progress: recover reads it the same way.
      }
      return { ok: false, error, statementsDone: done, committed: done > 0, busy: isBusyError(raw), failedStatement, durationMs: request.now() - started };
    };
    for (; done < n; done++) {
      const sql = request.statements[done];
      try {
        if (outsideTransactionReason(sql) !== undefined) {
          await c.query(sql);
          await progress(done + 1);
        } else {
          await c.query('BEGIN');
          inTx = true;
          await c.query(sql);
          await progress(done + 1);
          await c.query('COMMIT');
          inTx = false;
        }
      } catch (error) {
        return fail(error, done);
      }
    }
    try {
      await c.query('BEGIN');
      inTx = true;
      const after = await this.schema.hashVia(q(c));
      if (request.expectSchemaAfter !== undefined && after !== request.expectSchemaAfter) throw verifyError(request.version, after, request.expectSchemaAfter);
      const durationMs = request.now() - started;
      if (request.direction === 'up') await this.ledger.writeHistory(q(c), request, before, after, durationMs, true, null);
      else await c.query(`DELETE FROM ${this.conn.q('history')} WHERE version = $1`, [request.version]);
      await this.ledger.updateJournal(q(c), entry, 'committed', n, null, true, request.now());
      await c.query('COMMIT');
      return { ok: true, durationMs, schemaBefore: before, schemaAfter: after };
    } catch (error) {
      return fail(error, undefined);
    }
  }

  async repairPartial(request: RepairRequest): Promise<void> {
    const c = await this.conn.client();
    try {
      await c.query('BEGIN');
      for (const s of await this.inFlightUndo(q(c), request)) await c.query(s);
      for (const s of request.statements) await c.query(s);
      const after = await this.schema.hashVia(q(c));
      if (after !== request.expectSchemaAfter) {
        throw new Error(`the schema after recovery (hash ${after.slice(0, 12)}) is not the expected one (${request.expectSchemaAfter.slice(0, 12)})`);
      }
      await c.query(`UPDATE ${this.conn.q('journal')} SET state = $1, finished_at = $2, error = coalesce(error, 'interrupted') WHERE id = $3`, [request.entryState, request.now(), request.entryId]);
      if (request.deleteHistory) await c.query(`DELETE FROM ${this.conn.q('history')} WHERE version = $1`, [request.version]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw cleanError(err);
    }
  }

  /**
   * What the statement in flight when an up no-transaction migration was interrupted left behind,
   * to drop before the journaled statements are undone. The journal counts a statement that runs
   * outside a transaction only once it returned, but a CREATE INDEX CONCURRENTLY whose client died
   * can have completed (PostgreSQL carries on until it next talks to the client) or left an invalid
   * index: either way the index it names may exist although the journal does not count it.
   */
  private async inFlightUndo(c: Queryable, request: RepairRequest): Promise<string[]> {
    const { rows } = await c.query(`SELECT direction, no_transaction, statements_done, sql FROM ${this.conn.q('journal')} WHERE id = $1`, [request.entryId]);
    const entry = rows[0];
    if (!entry || entry.direction !== 'up' || entry.no_transaction !== true) return [];
    const next = recordedStatements(entry.sql as string)[Number(entry.statements_done)];
    if (next === undefined || outsideTransactionReason(next) === undefined) return [];
    const info = describeStatement(tokenize(next).filter((t) => t.kind !== 'space' && t.kind !== 'comment'));
    if (info.kind !== 'create-index' || !info.name) return [];
    const drop = inverseStatement(info);
    if (!drop) return [];
    const name = info.name.schema ? `${info.name.schema}.${info.name.text}` : info.name.text;
    const { rows: found } = await c.query('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
    return found[0]?.present === true ? [drop] : [];
  }

  /** PostgreSQL checks its own pages; what a killed CREATE INDEX CONCURRENTLY leaves is an invalid index. */
  async integrityCheck(): Promise<string[]> {
    if (!(await this.conn.exists())) return [];
    const { rows } = await this.conn.query<{ name: string }>(
      `SELECT i.indexrelid::regclass::text AS name FROM pg_catalog.pg_index i WHERE NOT i.indisvalid ORDER BY 1`,
    );
    return rows.map((r) => `index ${r.name} is invalid (an interrupted CREATE INDEX CONCURRENTLY): drop it and create it again`);
  }

  /** PostgreSQL enforces foreign keys itself (NOT VALID constraints aside): nothing to report. */
  foreignKeyCheck(): ForeignKeyViolation[] {
    return [];
  }
}
