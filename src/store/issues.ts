import type { Category, Severity } from '../engine/errors/types';
import {
  applyEvent,
  applyEventInPlace,
  createIssueState,
  ignoreIssue,
  recoverIssue,
  reopenIssue,
  resolveIssue,
  shownSubstatus,
  type Applied,
  type IgnoreCondition,
  type IssuePolicy,
  type IssueState,
  type IssueStatus,
  type IssueSubstatus,
  type IssueTransition,
  type ShownSubstatus,
} from '../engine/issues/issueState';
import type { Database, Statement } from './sqlite';

/** An issue as stored: its triage state plus what it is about. */
export interface Issue {
  id: number;
  fingerprint: string;
  title: string;
  culprit: string | null;
  code: string;
  category: Category;
  severity: Severity;
  component: string | null;
  task: string | null;
  migration: string | null;
  status: IssueStatus;
  /** As shown: `recovered` for an issue resolved because retries recovered its failures. */
  substatus: ShownSubstatus;
  firstSeen: number;
  lastSeen: number;
  /** Every event seen, including those flood control did not store and those retention deleted. */
  count: number;
  /** Event rows currently stored. */
  storedCount: number;
  /** Events flood control counted without storing. */
  droppedCount: number;
  lastEventId: number | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  ignore: IssueState['ignore'] | null;
  state: IssueState;
}

export interface IssueFilter {
  status?: IssueStatus | IssueStatus[];
  substatus?: IssueSubstatus | IssueSubstatus[];
  severity?: Severity | Severity[];
  category?: Category | Category[];
  component?: string;
  task?: string;
  migration?: string;
  code?: string;
  /** Words in the title, culprit or code (case-insensitive). */
  text?: string;
  /** last_seen >= since */
  since?: number;
  /** last_seen < until */
  until?: number;
}

export type IssueSortKey = 'lastSeen' | 'firstSeen' | 'count' | 'severity' | 'title';

export interface PageRequest {
  /** Default 50, at most 1000. */
  limit?: number;
  offset?: number;
}

export interface IssuePage {
  items: Issue[];
  total: number;
  offset: number;
  limit: number;
}

export interface IssueRow {
  id: number;
  fingerprint: string;
  title: string;
  culprit: string | null;
  code: string;
  category: Category;
  severity: Severity;
  component: string | null;
  task: string | null;
  migration: string | null;
  status: IssueStatus;
  substatus: IssueSubstatus;
  substatus_since: number;
  first_seen: number;
  last_seen: number;
  count: number;
  stored_count: number;
  dropped_count: number;
  last_event_id: number | null;
  resolved_at: number | null;
  resolved_by: string | null;
  ignore_mode: 'forever' | 'count' | 'until' | null;
  ignore_until: number | null;
  ignore_remaining: number | null;
  window_start: number;
  window_count: number;
  baseline_rate: number | null;
}

/** The columns {@link stateOf} reads. */
export type IssueStateRow = Pick<IssueRow, (typeof STATE_COLUMNS)[number]>;

export function stateOf(r: IssueStateRow): IssueState {
  const s: IssueState = {
    status: r.status,
    substatus: r.substatus,
    substatusSince: r.substatus_since,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    count: r.count,
    windowStart: r.window_start,
    windowCount: r.window_count,
  };
  if (r.resolved_at !== null) s.resolvedAt = r.resolved_at;
  if (r.resolved_by !== null) s.resolvedBy = r.resolved_by;
  if (r.baseline_rate !== null) s.baselineRate = r.baseline_rate;
  if (r.ignore_mode === 'forever') s.ignore = { mode: 'forever' };
  else if (r.ignore_mode === 'count') s.ignore = { mode: 'count', remaining: r.ignore_remaining ?? 1 };
  else if (r.ignore_mode === 'until') s.ignore = { mode: 'until', until: r.ignore_until ?? 0 };
  return s;
}

export function issueOf(r: IssueRow): Issue {
  const state = stateOf(r);
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    title: r.title,
    culprit: r.culprit,
    code: r.code,
    category: r.category,
    severity: r.severity,
    component: r.component,
    task: r.task,
    migration: r.migration,
    status: r.status,
    substatus: shownSubstatus(state),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    count: r.count,
    storedCount: r.stored_count,
    droppedCount: r.dropped_count,
    lastEventId: r.last_event_id,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    ignore: state.ignore ?? null,
    state,
  };
}

/** The columns of an issue's triage state, in the order {@link stateParams} gives them. */
const STATE_COLUMNS = [
  'status',
  'substatus',
  'substatus_since',
  'first_seen',
  'last_seen',
  'count',
  'resolved_at',
  'resolved_by',
  'ignore_mode',
  'ignore_until',
  'ignore_remaining',
  'window_start',
  'window_count',
  'baseline_rate',
] as const;

function stateParams(s: IssueState): unknown[] {
  return [
    s.status,
    s.substatus,
    s.substatusSince,
    s.firstSeen,
    s.lastSeen,
    s.count,
    s.resolvedAt ?? null,
    s.resolvedBy ?? null,
    s.ignore?.mode ?? null,
    s.ignore?.mode === 'until' ? s.ignore.until : null,
    s.ignore?.mode === 'count' ? s.ignore.remaining : null,
    s.windowStart,
    s.windowCount,
    s.baselineRate ?? null,
  ];
}

import type { IssueDescription } from '../engine/events/prepare';
export type { IssueDescription };

const SEVERITY_RANK = `CASE severity WHEN 'CRITICAL' THEN 4 WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 ELSE 1 END`;
const SORTS: Record<IssueSortKey, string> = {
  lastSeen: 'last_seen',
  firstSeen: 'first_seen',
  count: 'count',
  severity: SEVERITY_RANK,
  title: 'title COLLATE NOCASE',
};

/** Escapes `%`, `_` and `\` for a LIKE pattern used with ESCAPE '\'. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

export function inList(column: string, value: string | readonly string[] | undefined, parts: string[], params: unknown[]): void {
  if (value === undefined) return;
  const list = typeof value === 'string' ? [value] : value;
  if (list.length === 0) return;
  parts.push(`${column} IN (${list.map(() => '?').join(', ')})`);
  params.push(...list);
}

function issueWhere(f: IssueFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  inList('status', f.status, parts, params);
  inList('substatus', f.substatus, parts, params);
  inList('severity', f.severity, parts, params);
  inList('category', f.category, parts, params);
  for (const [col, v] of [
    ['component', f.component],
    ['task', f.task],
    ['migration', f.migration],
    ['code', f.code],
  ] as const) {
    if (v !== undefined) {
      parts.push(`${col} = ?`);
      params.push(v);
    }
  }
  if (f.text) {
    const p = likePattern(f.text);
    parts.push(`(title LIKE ? ESCAPE '\\' OR culprit LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\')`);
    params.push(p, p, p);
  }
  if (f.since !== undefined) {
    parts.push('last_seen >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    parts.push('last_seen < ?');
    params.push(f.until);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export function clampPage(page: PageRequest = {}): { limit: number; offset: number } {
  const limit = Math.max(1, Math.min(Math.floor(page.limit ?? 50), 1000));
  const offset = Math.max(0, Math.floor(page.offset ?? 0));
  return { limit, offset };
}

/** Issues: lookup, paged lists with filters, and the triage actions. Writes go through the state machine. */
export class IssueRepository {
  private readonly byFingerprint: Statement<[string], IssueRow>;
  private readonly stateByFp: Statement<[string], IssueStateRow & Pick<IssueRow, 'id' | 'title' | 'culprit' | 'code' | 'category' | 'severity' | 'component' | 'task' | 'migration'>>;
  private readonly byId: Statement<[number], IssueRow>;
  private readonly insert: Statement;
  private readonly updateState: Statement;
  private readonly updateAfterEvents: Statement;
  private readonly updateTitleAfterEvents: Statement;

  constructor(
    private readonly db: Database,
    private readonly policy: IssuePolicy,
  ) {
    this.byFingerprint = db.prepare('SELECT * FROM issues WHERE fingerprint = ?');
    this.byId = db.prepare('SELECT * FROM issues WHERE id = ?');
    this.stateByFp = db.prepare(`SELECT id, title, culprit, code, category, severity, component, task, migration, ${STATE_COLUMNS.join(', ')} FROM issues WHERE fingerprint = ?`);
    this.insert = db.prepare(
      `INSERT INTO issues (fingerprint, title, culprit, code, category, severity, component, task, migration, ${STATE_COLUMNS.join(', ')})
       VALUES (${new Array(9 + STATE_COLUMNS.length).fill('?').join(', ')})`,
    );
    this.updateState = db.prepare(`UPDATE issues SET ${STATE_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
    this.updateAfterEvents = db.prepare(
      `UPDATE issues SET title = ?, culprit = ?, category = ?, severity = ?, component = ?, task = ?, migration = ?,
         ${STATE_COLUMNS.map((c) => `${c} = ?`).join(', ')},
         stored_count = stored_count + ?, dropped_count = dropped_count + ?, last_event_id = coalesce(?, last_event_id)
       WHERE id = ?`,
    );
    this.updateTitleAfterEvents = db.prepare(
      `UPDATE issues SET title = ?, ${STATE_COLUMNS.map((c) => `${c} = ?`).join(', ')},
         stored_count = stored_count + ?, dropped_count = dropped_count + ?, last_event_id = coalesce(?, last_event_id)
       WHERE id = ?`,
    );
  }

  get(id: number): Issue | undefined {
    const r = this.byId.get(id);
    return r ? issueOf(r) : undefined;
  }

  getByFingerprint(fingerprint: string): Issue | undefined {
    const r = this.byFingerprint.get(fingerprint);
    return r ? issueOf(r) : undefined;
  }

  /** Raw row by fingerprint (for the record pipeline). */
  row(fingerprint: string): IssueRow | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  /** Id, description and triage state by fingerprint: only what the record pipeline needs. */
  stateByFingerprint(fingerprint: string): { id: number; state: IssueState; description: IssueDescription } | undefined {
    const r = this.stateByFp.get(fingerprint);
    if (!r) return undefined;
    const { title, culprit, code, category, severity, component, task, migration } = r;
    return { id: r.id, state: stateOf(r), description: { fingerprint, title, culprit, code, category, severity, component, task, migration } };
  }

  /** Inserts a new issue for its first event; returns its id. */
  create(d: IssueDescription, state: IssueState): number {
    const info = this.insert.run(d.fingerprint, d.title, d.culprit, d.code, d.category, d.severity, d.component, d.task, d.migration, ...stateParams(state));
    return Number(info.lastInsertRowid);
  }

  /**
   * Writes an issue's state and description after a batch of its events. `previous`, the
   * description the row holds now, lets an update that changes only the title leave the other
   * columns (and the indexes on them) alone.
   */
  saveAfterEvents(id: number, d: IssueDescription, state: IssueState, stored: number, dropped: number, lastEventId: number | null, previous?: IssueDescription): void {
    if (
      previous !== undefined &&
      previous.culprit === d.culprit &&
      previous.category === d.category &&
      previous.severity === d.severity &&
      previous.component === d.component &&
      previous.task === d.task &&
      previous.migration === d.migration
    ) {
      this.updateTitleAfterEvents.run(d.title, ...stateParams(state), stored, dropped, lastEventId, id);
      return;
    }
    this.updateAfterEvents.run(d.title, d.culprit, d.category, d.severity, d.component, d.task, d.migration, ...stateParams(state), stored, dropped, lastEventId, id);
  }

  list(filter: IssueFilter = {}, page: PageRequest = {}, sort: { key: IssueSortKey; direction?: 'asc' | 'desc' } = { key: 'lastSeen' }): IssuePage {
    const { limit, offset } = clampPage(page);
    const w = issueWhere(filter);
    const dir = sort.direction === 'asc' ? 'ASC' : 'DESC';
    const order = `${SORTS[sort.key] ?? SORTS.lastSeen} ${dir}, id ${dir}`;
    const rows = this.db.prepare(`SELECT * FROM issues ${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...w.params, limit, offset) as IssueRow[];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM issues ${w.sql}`).get(...w.params) as { n: number }).n;
    return { items: rows.map(issueOf), total, offset, limit };
  }

  /** Resolve, ignore or reopen: returns the issue after the change, or undefined when there is no such issue. */
  resolve(id: number, time: number, by?: string): { issue: Issue; applied: Applied } | undefined {
    return this.transition(id, (s) => resolveIssue(s, time, by));
  }

  ignore(id: number, condition: IgnoreCondition): { issue: Issue; applied: Applied } | undefined {
    return this.transition(id, (s) => ignoreIssue(s, condition));
  }

  reopen(id: number, time: number): { issue: Issue; applied: Applied } | undefined {
    return this.transition(id, (s) => reopenIssue(s, time));
  }

  /** Every stored event of the issue was recovered by a retry: resolved as recovered (see recoverIssue). */
  recover(id: number, time: number): { issue: Issue; applied: Applied } | undefined {
    return this.transition(id, (s) => recoverIssue(s, time));
  }

  private transition(id: number, f: (s: IssueState) => Applied): { issue: Issue; applied: Applied } | undefined {
    return this.db
      .transaction(() => {
        const r = this.byId.get(id);
        if (!r) return undefined;
        const applied = f(stateOf(r));
        this.updateState.run(...stateParams(applied.state), id);
        return { issue: issueOf(this.byId.get(id)!), applied };
      })
      .immediate();
  }

  /** One more event, applied in place to a state the caller owns; transitions are appended. */
  applyInPlace(state: IssueState, time: number, transitions: IssueTransition[]): void {
    applyEventInPlace(state, time, this.policy, transitions);
  }

  /** The state machine for a new event (exposed for the record pipeline). */
  next(state: IssueState | undefined, time: number): Applied {
    return state ? applyEvent(state, time, this.policy) : { state: createIssueState(time, this.policy), transitions: ['created'] };
  }
}
