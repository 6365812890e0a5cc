import type { Classification, Classifier } from '../engine/classify/classifier';
import type { Category, Severity } from '../engine/errors/types';
import { EventPreparer, type IssueDescription, type PreparedEvent, type PreparedRow, type RecordInput } from '../engine/events/prepare';
import type { IssueState, IssueStatus, IssueTransition } from '../engine/issues/issueState';
import { redact } from '../engine/redact/redact';
import { clampPage, inList, likePattern, type IssueRepository, type PageRequest } from './issues';
import { overflowDescription, type EventBudget } from './limits';
import type { Database, Statement } from './sqlite';

export type { RecordInput } from '../engine/events/prepare';

export interface RecordResult {
  /** The stored row, or null when flood control only counted the event. */
  eventId: number | null;
  issueId: number;
  fingerprint: string;
  classification: Classification;
  transitions: IssueTransition[];
  stored: boolean;
  /**
   * The database could not take the event (busy, full, read-only, gone): it is in this spool
   * file and is added at the next open. Then `issueId` is 0 and `eventId` null.
   */
  spooled?: string;
}

/** A stored event: the prepared row (redacted and capped) with its id, issue and resolution. */
export interface StoredEvent extends PreparedRow {
  id: number;
  issueId: number;
  resolution: string | null;
}

export interface EventFilter {
  severity?: Severity | Severity[];
  category?: Category | Category[];
  component?: string;
  /** The status of the event's issue. */
  status?: IssueStatus | IssueStatus[];
  /** Words in the message, code or evidence (case-insensitive). */
  text?: string;
  /** time >= since */
  since?: number;
  /** time < until */
  until?: number;
  task?: string;
  migration?: string;
  issueId?: number;
  runId?: string;
  code?: string;
}

export interface EventPage {
  items: StoredEvent[];
  hasMore: boolean;
  offset: number;
  limit: number;
}

export interface FloodControl {
  /** At most this many rows per issue per window; more are only counted. */
  cap: number;
}

interface EventRow {
  id: number;
  time: number;
  severity: Severity;
  category: Category;
  code: string;
  component: string | null;
  message: string;
  details: string | null;
  stack: string | null;
  task: string | null;
  step: string | null;
  migration: string | null;
  file: string | null;
  line: number | null;
  col: number | null;
  command: string | null;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number | null;
  attempt: number | null;
  run_id: string | null;
  rule: string | null;
  evidence: string | null;
  fingerprint: string;
  issue_id: number;
  resolution: string | null;
}

export function eventOf(r: EventRow): StoredEvent {
  return {
    id: r.id,
    time: r.time,
    severity: r.severity,
    category: r.category,
    code: r.code,
    component: r.component,
    message: r.message,
    details: r.details,
    stack: r.stack,
    task: r.task,
    step: r.step,
    migration: r.migration,
    file: r.file,
    line: r.line,
    column: r.col,
    command: r.command,
    exitCode: r.exit_code,
    signal: r.signal,
    durationMs: r.duration_ms,
    attempt: r.attempt,
    runId: r.run_id,
    rule: r.rule,
    evidence: r.evidence,
    fingerprint: r.fingerprint,
    issueId: r.issue_id,
    resolution: r.resolution,
  };
}

const EVENT_COLUMNS = [
  'time', 'severity', 'category', 'code', 'component', 'message', 'details', 'stack', 'task', 'step', 'migration',
  'file', 'line', 'col', 'command', 'exit_code', 'signal', 'duration_ms', 'attempt', 'run_id', 'rule', 'evidence',
  'fingerprint', 'issue_id',
];

/** Where issue_id, fingerprint and run_id go in an event's values. */
const ISSUE_ID = EVENT_COLUMNS.length - 1;
const FINGERPRINT = EVENT_COLUMNS.indexOf('fingerprint');
const RUN_ID = EVENT_COLUMNS.indexOf('run_id');

/** An event ready to store, its values in EVENT_COLUMNS order; the last one, issue_id, is set when the issue is known. */
interface Prepared {
  time: number;
  classification: Classification;
  description: IssueDescription;
  values: unknown[];
  bucketComponent: string;
}

function valuesOf(p: PreparedEvent): unknown[] {
  const r = p.row;
  return [
    r.time, r.severity, r.category, r.code, r.component, r.message, r.details, r.stack, r.task, r.step, r.migration,
    r.file, r.line, r.column, r.command, r.exitCode, r.signal, r.durationMs, r.attempt, r.runId, r.rule, r.evidence,
    r.fingerprint, null,
  ];
}

const HOUR = 3_600_000;
/** Issues remembered across batches at most (a batch touches a few hundred at most, typically). */
const ISSUE_CACHE_LIMIT = 10_000;

interface Touched {
  id: number;
  state: IssueState;
  description: IssueDescription;
  /** The description the issue row holds before this batch. */
  previous: IssueDescription;
  stored: number;
  dropped: number;
  lastEventId: number | null;
}

interface Bucket {
  hour: number;
  severity: string;
  category: string;
  component: string;
  count: number;
}

export interface RecorderOptions {
  classifier: Classifier;
  workspaceRoot?: string;
  now: () => number;
  flood: FloodControl;
  /** Flood control across fingerprints and per run (see limits.ts); none when absent. */
  budget?: EventBudget;
}

/**
 * Error events: the record pipeline (classify, redact, fingerprint, issue upsert, flood control,
 * hourly counters) in one transaction per batch, and the event queries.
 */
export class EventRepository {
  private readonly insert: Statement;
  private readonly bucket: Statement;
  private readonly byId: Statement<[number], EventRow>;
  private readonly preparer: EventPreparer;
  private readonly fkOn: Statement<[], number>;
  private readonly dataVersion: Statement<[], number>;
  private readonly totalChanges: Statement<[], number>;
  /** Issue id and state by fingerprint, as the last committed batch left them (see `store`). */
  private readonly issueCache = new Map<string, { id: number; state: IssueState; description: IssueDescription }>();
  /** The database's changeMark when the issue cache was last brought up to date. */
  private cacheMark: string | undefined;
  private pending: { mark: string; touched: Map<string, Touched> } | undefined;
  private readonly fkOff: Statement;
  private readonly fkRestore: Statement;

  constructor(
    private readonly db: Database,
    private readonly issues: IssueRepository,
    private readonly options: RecorderOptions,
  ) {
    this.preparer = new EventPreparer(options);
    this.insert = db.prepare(`INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`);
    this.bucket = db.prepare(
      `INSERT INTO event_buckets (hour, severity, category, component, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (hour, severity, category, component) DO UPDATE SET count = count + excluded.count`,
    );
    this.byId = db.prepare('SELECT * FROM events WHERE id = ?');
    this.fkOn = db.prepare('PRAGMA foreign_keys').pluck() as Statement<[], number>;
    this.dataVersion = db.prepare('PRAGMA data_version').pluck() as Statement<[], number>;
    this.totalChanges = db.prepare('SELECT total_changes()').pluck() as Statement<[], number>;
    this.fkOff = db.prepare('PRAGMA foreign_keys = OFF');
    this.fkRestore = db.prepare('PRAGMA foreign_keys = ON');
  }

  record(input: RecordInput): RecordResult {
    return this.recordBatch([input])[0];
  }

  /** Records events in one immediate transaction; results are in input order. */
  recordBatch(inputs: readonly RecordInput[]): RecordResult[] {
    if (inputs.length === 0) return [];
    const prepared = inputs.map((i) => this.prepare(i));
    // Every event row references an issue this same transaction read or created, so SQLite's
    // per-row foreign-key lookup proves nothing: it is switched off for the batch (outside a
    // transaction only, where the pragma takes effect) and always switched back on.
    const skipFk = !this.db.inTransaction && this.fkOn.get() === 1;
    if (skipFk) this.fkOff.run();
    let results: RecordResult[];
    try {
      results = this.db.transaction(() => this.store(prepared)).immediate();
    } catch (err) {
      // Rolled back: the states changed in place are not what the database holds.
      this.pending = undefined;
      this.cacheMark = undefined;
      this.issueCache.clear();
      throw err;
    } finally {
      if (skipFk) this.fkRestore.run();
    }
    // Not inside an outer transaction: this batch is committed and its states can be remembered.
    if (!this.db.inTransaction) this.remember();
    else this.pending = undefined;
    return results;
  }

  private prepare(input: RecordInput): Prepared {
    const p = this.preparer.prepare(input);
    return { time: p.row.time, classification: p.classification, description: p.issue, values: valuesOf(p), bucketComponent: p.bucketComponent };
  }

  private store(prepared: Prepared[]): RecordResult[] {
    // The remembered issue states hold only while nobody else wrote: no other connection
    // (data_version, read inside this write transaction) and no other write on this one
    // (total_changes, which counts every row this connection changed since it opened).
    const mark = this.cacheMark;
    this.cacheMark = undefined;
    if (mark === undefined || mark !== this.changeMark()) this.issueCache.clear();
    const touched = new Map<string, Touched>();
    const buckets = new Map<string, Bucket>();
    let last: Bucket | undefined;
    const results: RecordResult[] = new Array(prepared.length);
    const floodCap = this.options.flood.cap;
    const budget = this.options.budget;
    budget?.begin();
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i];
      if (budget !== undefined) this.overflowIfOverBudget(p, budget, touched);
      const fp = p.description.fingerprint;
      let t = touched.get(fp);
      const transitions: IssueTransition[] = [];
      if (t) {
        this.issues.applyInPlace(t.state, p.time, transitions);
        t.description = p.description;
      } else {
        const known = this.issueCache.get(fp) ?? this.issues.stateByFingerprint(fp);
        if (known) {
          this.issues.applyInPlace(known.state, p.time, transitions);
          t = { id: known.id, state: known.state, description: p.description, previous: known.description, stored: 0, dropped: 0, lastEventId: null };
        } else {
          const created = this.issues.next(undefined, p.time);
          const id = this.issues.create(p.description, created.state);
          budget?.issueCreated(p.time);
          t = { id, state: created.state, description: p.description, previous: p.description, stored: 0, dropped: 0, lastEventId: null };
          transitions.push(...created.transitions);
        }
        touched.set(fp, t);
      }
      const stored = t.state.windowCount <= floodCap && (budget === undefined || budget.admitEvent(p.time, p.values[RUN_ID] as string | null));
      let eventId: number | null = null;
      if (stored) {
        p.values[ISSUE_ID] = t.id;
        eventId = Number(this.insert.run(p.values).lastInsertRowid);
        t.stored += 1;
        t.lastEventId = eventId;
      } else t.dropped += 1;
      const hour = p.time - (p.time % HOUR);
      const c = p.classification;
      // Neighbouring events mostly share their counter: check the last one before building a key.
      if (last !== undefined && last.hour === hour && last.severity === c.severity && last.category === c.category && last.component === p.bucketComponent) last.count += 1;
      else {
        const key = `${hour}\u0000${c.severity}\u0000${c.category}\u0000${p.bucketComponent}`;
        last = buckets.get(key);
        if (last) last.count += 1;
        else buckets.set(key, (last = { hour, severity: c.severity, category: c.category, component: p.bucketComponent, count: 1 }));
      }
      results[i] = { eventId, issueId: t.id, fingerprint: fp, classification: c, transitions, stored };
    }
    for (const t of touched.values()) this.issues.saveAfterEvents(t.id, t.description, t.state, t.stored, t.dropped, t.lastEventId, t.previous);
    for (const b of buckets.values()) this.bucket.run(b.hour, b.severity, b.category, b.component, b.count);
    budget?.end();
    // data_version cannot move inside this write transaction: the mark is the one after this batch.
    this.pending = { mark: this.changeMark(), touched };
    return results;
  }

  /**
   * Flood control across fingerprints: a failure whose fingerprint has no issue yet, when the
   * window's new issues are used up, is counted on its code's overflow issue instead.
   */
  private overflowIfOverBudget(p: Prepared, budget: EventBudget, touched: ReadonlyMap<string, unknown>): void {
    const fp = p.description.fingerprint;
    if (touched.has(fp) || this.issueCache.has(fp) || budget.allowNewIssue(p.time) || this.issues.stateByFingerprint(fp)) return;
    p.description = overflowDescription(p.description, budget.newIssueLimit);
    p.values[FINGERPRINT] = p.description.fingerprint;
  }

  /**
   * Changes when the database does: a commit by another connection (data_version) or any write on
   * this one (total_changes). What is cached from a read holds while this stays the same.
   */
  changeMark(): string {
    return `${this.dataVersion.get()}:${this.totalChanges.get()}`;
  }

  /** After a commit: the states this batch wrote are what the database holds. */
  private remember(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    if (this.issueCache.size + pending.touched.size > ISSUE_CACHE_LIMIT) this.issueCache.clear();
    for (const [fp, t] of pending.touched) this.issueCache.set(fp, { id: t.id, state: t.state, description: t.description });
    this.cacheMark = pending.mark;
  }

  get(id: number): StoredEvent | undefined {
    const r = this.byId.get(id);
    return r ? eventOf(r) : undefined;
  }

  /** Events, newest first. */
  list(filter: EventFilter = {}, page: PageRequest = {}): EventPage {
    const { limit, offset } = clampPage(page);
    const w = eventWhere(filter);
    const rows = this.db.prepare(`SELECT * FROM events ${w.sql} ORDER BY time DESC, id DESC LIMIT ? OFFSET ?`).all(...w.params, limit + 1, offset) as EventRow[];
    const hasMore = rows.length > limit;
    return { items: rows.slice(0, limit).map(eventOf), hasMore, offset, limit };
  }

  byTask(task: string, page: PageRequest = {}): EventPage {
    return this.list({ task }, page);
  }

  byMigration(migration: string, page: PageRequest = {}): EventPage {
    return this.list({ migration }, page);
  }

  /** Every matching event, oldest first, one row at a time (for exports). */
  *iterate(filter: EventFilter = {}): IterableIterator<StoredEvent> {
    const w = eventWhere(filter);
    for (const r of this.db.prepare(`SELECT * FROM events ${w.sql} ORDER BY time, id`).iterate(...w.params) as IterableIterator<EventRow>) yield eventOf(r);
  }

  /**
   * Retention: deletes events of resolved issues older than `before`. Issue counts stay; only
   * `stored_count` drops. Hourly counters older than `bucketsBefore` go too. Returns rows deleted.
   */
  deleteResolvedBefore(before: number, bucketsBefore: number = before): number {
    return this.db
      .transaction(() => {
        // Per resolved issue, through the (issue_id, time) index: never a scan of all old events.
        const resolved = this.db.prepare(`SELECT id FROM issues WHERE status = 'resolved' AND first_seen < ?`).pluck().all(before) as number[];
        const del = this.db.prepare('DELETE FROM events WHERE issue_id = ? AND time < ?');
        const dec = this.db.prepare(
          `UPDATE issues SET stored_count = max(0, stored_count - ?),
             last_event_id = (SELECT max(id) FROM events WHERE issue_id = issues.id) WHERE id = ?`,
        );
        let deleted = 0;
        for (const id of resolved) {
          const n = del.run(id, before).changes;
          if (n > 0) dec.run(n, id);
          deleted += n;
        }
        this.db.prepare('DELETE FROM event_buckets WHERE hour < ?').run(bucketsBefore);
        return deleted;
      })
      .immediate();
  }

  /** Deletes every event and issue (or only resolved issues and their events). Returns issues deleted. */
  clear(options: { resolvedOnly?: boolean } = {}): number {
    return this.db
      .transaction(() => {
        if (options.resolvedOnly) {
          this.db.prepare(`DELETE FROM events WHERE issue_id IN (SELECT id FROM issues WHERE status = 'resolved')`).run();
          return this.db.prepare(`DELETE FROM issues WHERE status = 'resolved'`).run().changes;
        }
        this.db.prepare('DELETE FROM events').run();
        this.db.prepare('DELETE FROM event_buckets').run();
        return this.db.prepare('DELETE FROM issues').run().changes;
      })
      .immediate();
  }

  /** Notes how an event ended (e.g. "retried", "rolled back", "recovered"). */
  setResolution(id: number, resolution: string): boolean {
    return this.db.prepare('UPDATE events SET resolution = ? WHERE id = ?').run(redact(resolution), id).changes > 0;
  }
}

export function eventWhere(f: EventFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  inList('severity', f.severity, parts, params);
  inList('category', f.category, parts, params);
  for (const [col, v] of [
    ['component', f.component],
    ['task', f.task],
    ['migration', f.migration],
    ['issue_id', f.issueId],
    ['run_id', f.runId],
    ['code', f.code],
  ] as const) {
    if (v !== undefined) {
      parts.push(`${col} = ?`);
      params.push(v);
    }
  }
  if (f.status !== undefined) {
    const sub: string[] = [];
    inList('status', f.status, sub, params);
    if (sub.length) parts.push(`issue_id IN (SELECT id FROM issues WHERE ${sub[0]})`);
  }
  if (f.text) {
    const p = likePattern(f.text);
    parts.push(`(message LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\' OR evidence LIKE ? ESCAPE '\\')`);
    params.push(p, p, p);
  }
  if (f.since !== undefined) {
    parts.push('time >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    parts.push('time < ?');
    params.push(f.until);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
