import type { Category } from '../engine/errors';
import type { Disposable } from '../engine/event';
import type { AttemptOutcome, AttemptRecord, RetryPolicy } from '../engine/resilience';
import type { Database, Statement } from './sqlite';

/** Whose attempts these are. */
export interface AttemptOwner {
  /** The task or migration that was attempted. */
  operation: string;
  runId?: string;
  component?: string;
}

export interface StoredAttempt extends AttemptRecord {
  id: number;
  operation: string;
  runId: string | null;
  component: string | null;
}

export interface AttemptQuery {
  runId?: string;
  operation?: string;
  component?: string;
  outcome?: AttemptOutcome;
  /** started_at >= since */
  since?: number;
  /** started_at < until */
  until?: number;
  /** Default 1000. */
  limit?: number;
}

export interface AttemptSummary {
  attempts: number;
  successes: number;
  failures: number;
  cancelled: number;
  /** Attempts after the first (number > 1). */
  retries: number;
  /** Retries that succeeded: work recovered by retrying. */
  recoveredByRetry: number;
  totalDelayMs: number;
  averageDurationMs: number;
}

interface Row {
  id: number;
  run_id: string | null;
  operation: string;
  component: string | null;
  number: number;
  started_at: number;
  delay_ms: number;
  duration_ms: number;
  outcome: AttemptOutcome;
  error_code: string | null;
  category: string | null;
  message: string | null;
}

function fromRow(r: Row): StoredAttempt {
  const a: StoredAttempt = {
    id: r.id,
    operation: r.operation,
    runId: r.run_id,
    component: r.component,
    number: r.number,
    startedAt: r.started_at,
    delayMs: r.delay_ms,
    durationMs: r.duration_ms,
    outcome: r.outcome,
  };
  if (r.error_code !== null) a.errorCode = r.error_code;
  if (r.category !== null) a.category = r.category as Category;
  if (r.message !== null) a.message = r.message;
  return a;
}

function where(q: Omit<AttemptQuery, 'limit'>): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const eq = (column: string, value: unknown) => {
    if (value === undefined) return;
    parts.push(`${column} = ?`);
    params.push(value);
  };
  eq('run_id', q.runId);
  eq('operation', q.operation);
  eq('component', q.component);
  eq('outcome', q.outcome);
  if (q.since !== undefined) {
    parts.push('started_at >= ?');
    params.push(q.since);
  }
  if (q.until !== undefined) {
    parts.push('started_at < ?');
    params.push(q.until);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** Every attempt of every retried operation: number, delay, duration, outcome and error code. */
export class AttemptRepository {
  private readonly insert: Statement;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO attempts (run_id, operation, component, number, started_at, delay_ms, duration_ms, outcome, error_code, category, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Stores one attempt; returns its id. */
  record(owner: AttemptOwner, a: AttemptRecord): number {
    const info = this.insert.run(
      owner.runId ?? null,
      owner.operation,
      owner.component ?? null,
      a.number,
      Math.round(a.startedAt),
      Math.max(0, Math.round(a.delayMs)),
      Math.max(0, Math.round(a.durationMs)),
      a.outcome,
      a.errorCode ?? null,
      a.category ?? null,
      a.message ?? null,
    );
    return Number(info.lastInsertRowid);
  }

  /** Stores several attempts in one transaction. */
  recordAll(owner: AttemptOwner, attempts: readonly AttemptRecord[]): void {
    this.db.transaction(() => {
      for (const a of attempts) this.record(owner, a);
    })();
  }

  /** Attempts, oldest first. */
  list(query: AttemptQuery = {}): StoredAttempt[] {
    const w = where(query);
    const limit = Math.max(1, Math.min(query.limit ?? 1000, 100_000));
    const rows = this.db
      .prepare(`SELECT * FROM attempts ${w.sql} ORDER BY started_at, id LIMIT ?`)
      .all(...w.params, limit) as Row[];
    return rows.map(fromRow);
  }

  summary(query: Omit<AttemptQuery, 'limit'> = {}): AttemptSummary {
    const w = where(query);
    const r = this.db
      .prepare(
        `SELECT count(*) AS attempts,
                coalesce(sum(outcome = 'success'), 0) AS successes,
                coalesce(sum(outcome = 'failure'), 0) AS failures,
                coalesce(sum(outcome = 'cancelled'), 0) AS cancelled,
                coalesce(sum(number > 1), 0) AS retries,
                coalesce(sum(number > 1 AND outcome = 'success'), 0) AS recovered,
                coalesce(sum(delay_ms), 0) AS delay,
                coalesce(avg(duration_ms), 0) AS avg_duration
         FROM attempts ${w.sql}`,
      )
      .get(...w.params) as Record<string, number>;
    return {
      attempts: r.attempts,
      successes: r.successes,
      failures: r.failures,
      cancelled: r.cancelled,
      retries: r.retries,
      recoveredByRetry: r.recovered,
      totalDelayMs: r.delay,
      averageDurationMs: r.avg_duration,
    };
  }

  /** Deletes attempts that started before `time`; returns how many. */
  deleteBefore(time: number): number {
    return this.db.prepare('DELETE FROM attempts WHERE started_at < ?').run(time).changes;
  }
}

/** Stores every attempt `policy` makes, for `owner`, until disposed. */
export function recordAttempts(policy: RetryPolicy, repository: AttemptRepository, owner: AttemptOwner): Disposable {
  return policy.onAttempt((a) => repository.record(owner, a));
}
