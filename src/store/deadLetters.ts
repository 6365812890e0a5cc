import { ValidationError, isCategory, type SerializedError } from '../engine/errors';
import { REDACTED, redact as redactSecrets } from '../engine/redact';
import {
  DEAD_LETTER_STATES,
  assertTransition,
  describeFailure,
  isCancellation,
  type AttemptRecord,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterState,
  type DeadLetterStats,
  type NewDeadLetter,
} from '../engine/resilience';
import type { Database } from './sqlite';

export interface DeadLetterQuery extends DeadLetterFilter {
  /** Default 100, at most 10,000. */
  limit?: number;
  offset?: number;
  /** Default newest first. */
  order?: 'newest' | 'oldest';
}

/** How re-running one dead letter went. */
export interface DeadLetterRetryResult {
  id: number;
  ok: boolean;
  /** The entry after the retry: resolved when it worked, pending again (with the new failure) when not. */
  entry: DeadLetter;
  /** The failure of the re-run, when it failed. */
  error?: unknown;
}

export interface DeadLetterRetryAllResult {
  /** Entries the filter selected. */
  selected: number;
  succeeded: number;
  failed: number;
  /** Not re-run: changed meanwhile by someone else, or left when cancelled. */
  skipped: number;
  results: DeadLetterRetryResult[];
}

export interface DeadLetterRetryOptions {
  /** Also re-run an entry stuck in `requeued` (a retry that was interrupted). */
  force?: boolean;
}

export interface DeadLetterRepositoryOptions {
  now?: () => number;
  /**
   * Applied to every stored string (message, note, and every string inside the error, input,
   * attempts and context) before it is written. Default: the engine's secret redaction.
   */
  redact?: (text: string) => string;
}

/** Keys whose string values are secrets whatever they look like. */
const SECRET_KEY = /secret|token|passw(?:or)?d|passphrase|api[-_]?key|private[-_]?key|credential|authorization|cookie/i;

/** Redacts a JSON-like value string by string, so the stored JSON stays valid. */
function scrub(value: unknown, redact: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, redact, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = typeof v === 'string' && SECRET_KEY.test(k) ? REDACTED : scrub(v, redact, depth + 1);
  }
  return out;
}

interface Row {
  id: number;
  operation: string;
  kind: string;
  component: string | null;
  code: string;
  category: string;
  message: string;
  input_json: string;
  error_json: string;
  attempts_json: string;
  context_json: string;
  state: DeadLetterState;
  created_at: number;
  updated_at: number;
  retry_count: number;
  note: string | null;
  run_id: string | null;
}

function parse<T>(json: string, fallback: T): T {
  try {
    return JSON.parse(json) as T;
  } catch {
    return fallback;
  }
}

function toJson(value: unknown): string {
  try {
    return JSON.stringify(value === undefined ? null : value) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}

/** A value as plain JSON data (what JSON.stringify would keep), or its string form. */
function toPlain(value: unknown): unknown {
  try {
    const text = JSON.stringify(value === undefined ? null : value);
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return String(value);
  }
}

function fromRow(r: Row): DeadLetter {
  const attempts = parse<unknown>(r.attempts_json, []);
  const context = parse<unknown>(r.context_json, {});
  return {
    id: r.id,
    operation: r.operation,
    kind: r.kind,
    component: r.component,
    code: r.code,
    category: isCategory(r.category) ? r.category : 'unknown',
    message: r.message,
    input: parse<unknown>(r.input_json, null),
    error: parse<SerializedError>(r.error_json, { name: 'Error', message: r.message }),
    attempts: Array.isArray(attempts) ? (attempts as AttemptRecord[]) : [],
    context: typeof context === 'object' && context !== null && !Array.isArray(context) ? (context as Record<string, unknown>) : {},
    state: r.state,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    retryCount: r.retry_count,
    note: r.note,
    runId: r.run_id,
  };
}

/** Builds a WHERE clause from a filter: fixed column names, every value bound. */
function where(filter: DeadLetterFilter, now: number): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const anyOf = (column: string, values: readonly unknown[] | undefined) => {
    if (values === undefined) return;
    if (values.length === 0) {
      parts.push('0');
      return;
    }
    parts.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  anyOf('state', filter.states);
  anyOf('code', filter.codes);
  anyOf('category', filter.categories);
  anyOf('component', filter.components);
  anyOf('kind', filter.kinds);
  anyOf('operation', filter.operations);
  if (filter.olderThanMs !== undefined) {
    parts.push('created_at <= ?');
    params.push(now - filter.olderThanMs);
  }
  if (filter.newerThanMs !== undefined) {
    parts.push('created_at > ?');
    params.push(now - filter.newerThanMs);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/**
 * The dead-letter queue of a workspace: work whose retries ran out, or whose failure is permanent,
 * with its input, full error, attempts and context, waiting for a person. Re-running is delegated
 * to a callback (the queue does not know how to run tasks or migrations).
 */
export class DeadLetterRepository {
  private readonly now: () => number;
  private readonly redact: (text: string) => string;

  constructor(
    private readonly db: Database,
    options: DeadLetterRepositoryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.redact = options.redact ?? redactSecrets;
  }

  add(entry: NewDeadLetter): DeadLetter {
    if (!entry.operation) throw new ValidationError('A dead letter needs an operation');
    if (!entry.kind) throw new ValidationError('A dead letter needs a kind');
    const failure = describeFailure(entry.error);
    const now = this.now();
    const r = this.redact;
    const json = (v: unknown) => toJson(scrub(toPlain(v), r));
    const info = this.db
      .prepare(
        `INSERT INTO dead_letters (operation, kind, component, code, category, message, input_json, error_json,
           attempts_json, context_json, state, created_at, updated_at, retry_count, note, run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, 0, NULL, ?)`,
      )
      .run(
        entry.operation,
        entry.kind,
        entry.component ?? null,
        failure.code,
        failure.category,
        r(failure.message),
        json(entry.input),
        json(failure.error),
        json(entry.attempts ?? []),
        json(entry.context ?? {}),
        now,
        now,
        entry.runId ?? null,
      );
    return this.require(Number(info.lastInsertRowid));
  }

  /**
   * Parks a failure of `entry.operation`, keeping at most one pending entry per kind and operation:
   * when one is pending, it takes the new failure (error, input, run, attempts, context): it stands
   * for the latest failed run, and `context.failures` counts how many failures it stands for.
   */
  park(entry: NewDeadLetter): DeadLetter {
    const pending = this.list({ states: ['pending'], kinds: [entry.kind], operations: [entry.operation], order: 'newest', limit: 1 })[0];
    if (!pending) return this.add({ ...entry, context: { ...(entry.context ?? {}), failures: 1 } });
    const failure = describeFailure(entry.error);
    const r = this.redact;
    const json = (v: unknown) => toJson(scrub(toPlain(v), r));
    const before = typeof pending.context.failures === 'number' ? pending.context.failures : 1;
    const changed = this.db
      .prepare(
        `UPDATE dead_letters SET code = ?, category = ?, message = ?, error_json = ?, input_json = ?, attempts_json = ?,
           context_json = ?, run_id = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
      )
      .run(
        failure.code,
        failure.category,
        r(failure.message),
        json(failure.error),
        json(entry.input),
        json(entry.attempts ?? []),
        json({ ...(entry.context ?? {}), failures: before + 1 }),
        entry.runId ?? pending.runId ?? null,
        this.now(),
        pending.id,
      ).changes;
    // Taken by a retry meanwhile: this failure gets its own entry.
    return changed === 1 ? this.require(pending.id) : this.add({ ...entry, context: { ...(entry.context ?? {}), failures: 1 } });
  }

  get(id: number): DeadLetter | undefined {
    const row = this.db.prepare('SELECT * FROM dead_letters WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** The entry, or a ValidationError saying it does not exist. */
  require(id: number): DeadLetter {
    const entry = this.get(id);
    if (!entry) throw new ValidationError(`Dead letter ${id} does not exist`);
    return entry;
  }

  list(query: DeadLetterQuery = {}): DeadLetter[] {
    const w = where(query, this.now());
    const limit = Math.max(1, Math.min(query.limit ?? 100, 10_000));
    const offset = Math.max(0, query.offset ?? 0);
    const order = query.order === 'oldest' ? 'created_at ASC, id ASC' : 'created_at DESC, id DESC';
    const rows = this.db.prepare(`SELECT * FROM dead_letters ${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...w.params, limit, offset) as Row[];
    return rows.map(fromRow);
  }

  count(filter: DeadLetterFilter = {}): number {
    const w = where(filter, this.now());
    return (this.db.prepare(`SELECT count(*) AS n FROM dead_letters ${w.sql}`).get(...w.params) as { n: number }).n;
  }

  /** Gives up on an entry on purpose. */
  discard(id: number, note?: string): DeadLetter {
    return this.move(id, 'discarded', 'discarded', note);
  }

  /** Marks an entry as dealt with (fixed by hand). */
  resolve(id: number, note?: string): DeadLetter {
    return this.move(id, 'resolved', 'resolved', note);
  }

  /** Puts a discarded entry back to pending review. */
  reopen(id: number, note?: string): DeadLetter {
    return this.move(id, 'pending', 'reopened', note);
  }

  private move(id: number, to: DeadLetterState, action: string, note: string | undefined): DeadLetter {
    return this.db.transaction(() => {
      const entry = this.require(id);
      assertTransition(entry, to, action);
      this.db
        .prepare('UPDATE dead_letters SET state = ?, updated_at = ?, note = coalesce(?, note) WHERE id = ?')
        .run(to, this.now(), note === undefined ? null : this.redact(note), id);
      return this.require(id);
    }).immediate();
  }

  /**
   * Re-runs one entry through `run` (the runner for its kind). The entry is claimed (requeued)
   * first, so two retries cannot run it twice; then it is resolved when `run` resolves, or back
   * to pending with the new failure (and one more attempt in its history) when it throws.
   * A cancelled re-run puts it back to pending unchanged.
   */
  async retry(id: number, run: (entry: DeadLetter) => Promise<unknown>, options: DeadLetterRetryOptions = {}): Promise<DeadLetterRetryResult> {
    const claimed = this.claim(id, options.force === true);
    const startedAt = this.now();
    const nextNumber = claimed.attempts.reduce((m, a) => Math.max(m, a.number ?? 0), 0) + 1;
    try {
      await run(claimed);
    } catch (error) {
      return { id, ok: false, entry: this.recordFailure(claimed, error, startedAt, nextNumber), error };
    }
    const attempt: AttemptRecord = { number: nextNumber, startedAt, delayMs: 0, durationMs: this.now() - startedAt, outcome: 'success' };
    this.db
      .prepare(`UPDATE dead_letters SET state = 'resolved', updated_at = ?, attempts_json = ?, note = ? WHERE id = ? AND state = 'requeued'`)
      .run(this.now(), toJson([...claimed.attempts, attempt]), `Resolved by a retry from the queue`, id);
    return { id, ok: true, entry: this.require(id) };
  }

  private claim(id: number, force: boolean): DeadLetter {
    return this.db.transaction(() => {
      const entry = this.require(id);
      if (!(force && entry.state === 'requeued')) {
        if (entry.state === 'requeued') {
          throw new ValidationError(`Dead letter ${id} is already being retried (requeued); use --force if that retry was interrupted`);
        }
        assertTransition(entry, 'requeued', 'retried');
      }
      this.db
        .prepare(`UPDATE dead_letters SET state = 'requeued', retry_count = retry_count + 1, updated_at = ? WHERE id = ?`)
        .run(this.now(), id);
      return this.require(id);
    }).immediate();
  }

  private recordFailure(claimed: DeadLetter, error: unknown, startedAt: number, number: number): DeadLetter {
    const now = this.now();
    if (isCancellation(error)) {
      this.db
        .prepare(`UPDATE dead_letters SET state = 'pending', updated_at = ?, note = ? WHERE id = ? AND state = 'requeued'`)
        .run(now, 'A retry from the queue was cancelled', claimed.id);
      return this.require(claimed.id);
    }
    const failure = describeFailure(error);
    const attempt: AttemptRecord = {
      number,
      startedAt,
      delayMs: 0,
      durationMs: now - startedAt,
      outcome: 'failure',
      errorCode: failure.code,
      category: failure.category,
      message: this.redact(failure.message),
    };
    this.db
      .prepare(
        `UPDATE dead_letters SET state = 'pending', updated_at = ?, code = ?, category = ?, message = ?, error_json = ?,
           attempts_json = ?, note = ? WHERE id = ? AND state = 'requeued'`,
      )
      .run(
        now,
        failure.code,
        failure.category,
        this.redact(failure.message),
        toJson(scrub(toPlain(failure.error), this.redact)),
        toJson([...claimed.attempts, attempt]),
        'A retry from the queue failed',
        claimed.id,
      );
    return this.require(claimed.id);
  }

  /**
   * Re-runs every entry the filter selects (default: all pending), oldest first, one at a time.
   * A failure does not stop the others; an aborted signal stops before the next entry.
   */
  async retryAll(
    filter: DeadLetterFilter,
    run: (entry: DeadLetter) => Promise<unknown>,
    options: { signal?: AbortSignal; limit?: number } = {},
  ): Promise<DeadLetterRetryAllResult> {
    const selected = this.list({ states: ['pending'], ...filter, order: 'oldest', limit: options.limit ?? 10_000 });
    const result: DeadLetterRetryAllResult = { selected: selected.length, succeeded: 0, failed: 0, skipped: 0, results: [] };
    for (const entry of selected) {
      if (options.signal?.aborted) {
        result.skipped++;
        continue;
      }
      let r: DeadLetterRetryResult;
      try {
        r = await this.retry(entry.id, run);
      } catch {
        // Changed meanwhile (discarded, resolved or being retried elsewhere).
        result.skipped++;
        continue;
      }
      result.results.push(r);
      if (r.ok) result.succeeded++;
      else result.failed++;
    }
    return result;
  }

  stats(): DeadLetterStats {
    const byState = Object.fromEntries(DEAD_LETTER_STATES.map((s) => [s, 0])) as Record<DeadLetterState, number>;
    let total = 0;
    for (const r of this.db.prepare('SELECT state, count(*) AS n FROM dead_letters GROUP BY state').all() as Array<{ state: DeadLetterState; n: number }>) {
      byState[r.state] = r.n;
      total += r.n;
    }
    const group = (column: string): Record<string, number> => {
      const out: Record<string, number> = {};
      const rows = this.db
        .prepare(`SELECT coalesce(${column}, '') AS k, count(*) AS n FROM dead_letters WHERE state = 'pending' GROUP BY k ORDER BY n DESC, k`)
        .all() as Array<{ k: string; n: number }>;
      for (const r of rows) out[r.k] = r.n;
      return out;
    };
    const agg = this.db
      .prepare(`SELECT min(CASE WHEN state = 'pending' THEN created_at END) AS oldest, coalesce(sum(retry_count), 0) AS retries FROM dead_letters`)
      .get() as { oldest: number | null; retries: number };
    return {
      total,
      byState,
      pendingByCode: group('code'),
      pendingByCategory: group('category'),
      pendingByComponent: group('component'),
      pendingByKind: group('kind'),
      oldestPendingAt: agg.oldest,
      totalRetries: agg.retries,
    };
  }

  /** Deletes entries the filter selects (e.g. resolved and discarded ones older than 30 days); returns how many. */
  purge(filter: DeadLetterFilter & { states: readonly DeadLetterState[] }): number {
    const w = where(filter, this.now());
    return this.db.prepare(`DELETE FROM dead_letters ${w.sql}`).run(...w.params).changes;
  }
}
