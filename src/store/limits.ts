import { DEFAULT_LIMITS, type LimitsConfig } from '../engine/issues/limitsSchema';
import type { IssueDescription } from './issues';
import type { Database, Statement } from './sqlite';

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

/** The limits in force: the config's, over the defaults. */
export function resolveLimits(config: LimitsConfig | undefined): Limits {
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(config ?? {})) if (typeof v === 'number') out[k as keyof Limits] = v;
  return out;
}

interface WindowCounters {
  start: number;
  issues: number;
  events: number;
}

const WINDOW_KEY = 'limits.window';

/**
 * Flood control across fingerprints and per run, inside the recording transaction: at most
 * `maxNewIssuesPerWindow` new issues per window (past it, a failure is counted on its code's
 * overflow issue), at most `maxEventsPerWindow` stored events per window and `maxEventsPerRun`
 * per run (past them, events are only counted on their issue). The window's counters live in
 * `meta`, so every process recording into the database shares them.
 */
export class EventBudget {
  private counters: WindowCounters = { start: 0, issues: 0, events: 0 };
  private dirty = false;
  private readonly perRun = new Map<string, number>();
  private readonly readWindow: Statement;
  private readonly writeWindow: Statement;
  private readonly runCount: Statement;

  constructor(
    db: Database,
    private readonly limits: Limits,
    private readonly windowMs: number,
  ) {
    this.readWindow = db.prepare(`SELECT value FROM meta WHERE key = '${WINDOW_KEY}'`).pluck();
    this.writeWindow = db.prepare(`INSERT INTO meta (key, value) VALUES ('${WINDOW_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    this.runCount = db.prepare('SELECT count(*) FROM events WHERE run_id = ?').pluck();
  }

  /** At the start of a recording transaction: the shared counters as the database holds them. */
  begin(): void {
    this.perRun.clear();
    this.dirty = false;
    const raw = this.readWindow.get() as string | undefined;
    try {
      const v = raw === undefined ? undefined : (JSON.parse(raw) as Partial<WindowCounters>);
      this.counters = { start: Number(v?.start) || 0, issues: Number(v?.issues) || 0, events: Number(v?.events) || 0 };
    } catch {
      this.counters = { start: 0, issues: 0, events: 0 };
    }
  }

  /** Before the end of the transaction: the counters written back. */
  end(): void {
    if (this.dirty) this.writeWindow.run(JSON.stringify(this.counters));
  }

  private at(time: number): WindowCounters {
    const start = time - (time % this.windowMs);
    if (start > this.counters.start) {
      this.counters = { start, issues: 0, events: 0 };
      this.dirty = true;
    }
    return this.counters;
  }

  /** The most new issues per window. */
  get newIssueLimit(): number {
    return this.limits.maxNewIssuesPerWindow;
  }

  /** Whether a failure with a new fingerprint may open an issue of its own now. */
  allowNewIssue(time: number): boolean {
    return this.at(time).issues < this.limits.maxNewIssuesPerWindow;
  }

  /** An issue was created. */
  issueCreated(time: number): void {
    this.at(time).issues += 1;
    this.dirty = true;
  }

  /** Whether an event (past its issue's own flood cap) may be stored; counts it when it may. */
  admitEvent(time: number, runId: string | null): boolean {
    const w = this.at(time);
    if (w.events >= this.limits.maxEventsPerWindow) return false;
    if (runId !== null) {
      const n = this.perRun.get(runId) ?? (this.runCount.get(runId) as number);
      if (n >= this.limits.maxEventsPerRun) return false;
      this.perRun.set(runId, n + 1);
    }
    w.events += 1;
    this.dirty = true;
    return true;
  }
}

/** The issue that counts failures past the new-issue limit: one per error code and component. */
export function overflowDescription(d: IssueDescription, limit: number): IssueDescription {
  return {
    ...d,
    fingerprint: `overflow:${d.code}:${d.component ?? ''}`,
    title: `More distinct ${d.code} failures than flood control keeps apart (over ${limit} new issues in one window); counted here`,
    culprit: null,
    task: null,
    migration: null,
  };
}

export interface SizeTrim {
  /** Events deleted (oldest stored first, every issue keeping its latest). */
  deleted: number;
  /** Events whose details and stack were dropped (the next step). */
  shortened: number;
  /** Issues folded into their code's overflow issue, counts carried over (the last resort). */
  folded: number;
  /** Bytes of pages in use after. */
  usedBytes: number;
}

const BATCH = 2000;

/** Trimming starts past this share of the limit (a batch recorded after a check still fits) and stops at TARGET. */
const TRIGGER = 0.8;
const TARGET = 0.6;

/** Issues folded per step: few, as used pages fall only once whole pages empty. */
const FOLD_BATCH = 250;

/** The newest issues are never folded: what failed last always keeps its own issue. */
const KEEP_ISSUES = 100;

/**
 * Keeps the database's pages in use under `maxDatabaseMb`: when they pass 80 % of it, what is
 * stored goes, oldest stored first, down to 60 %: first events (never an issue's latest, so every
 * issue keeps one and its counts, which the issue row holds, stay exact), then the details and
 * stacks of the events left, and last the oldest issues themselves, folded into their code's
 * overflow issue with their counts added to it (so the total stays exact). Freed pages are
 * reused, so the file stops growing. Each step walks the events by id from where it stopped, so
 * trimming costs what it removes, not the size of the database.
 */
export class SizeLimit {
  private readonly pages: Statement;
  private readonly free: Statement;
  private readonly pageSize: number;
  private deleteCursor = 0;
  private shortenCursor = 0;

  constructor(
    private readonly db: Database,
    private readonly maxBytes: number,
    private readonly newIssueLimit: number = DEFAULT_LIMITS.maxNewIssuesPerWindow,
  ) {
    this.pages = db.prepare('PRAGMA page_count').pluck();
    this.free = db.prepare('PRAGMA freelist_count').pluck();
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
  }

  /** Bytes of pages in use (the file minus its free pages). */
  usedBytes(): number {
    return ((this.pages.get() as number) - (this.free.get() as number)) * this.pageSize;
  }

  /** Trims when over 80 % of the limit; returns undefined when nothing had to go. */
  enforce(): SizeTrim | undefined {
    if (this.usedBytes() <= this.maxBytes * TRIGGER) return undefined;
    const target = this.maxBytes * TARGET;
    const trim: SizeTrim = { deleted: 0, shortened: 0, folded: 0, usedBytes: 0 };
    const pick = this.db.prepare(
      `SELECT e.id, e.issue_id FROM events e JOIN issues i ON i.id = e.issue_id
       WHERE e.id > ? AND (i.last_event_id IS NULL OR e.id != i.last_event_id) ORDER BY e.id LIMIT ${BATCH}`,
    );
    const del = this.db.prepare('DELETE FROM events WHERE id = ?');
    const dec = this.db.prepare('UPDATE issues SET stored_count = max(0, stored_count - ?) WHERE id = ?');
    for (let restarted = false; this.usedBytes() > target; ) {
      const rows = pick.all(this.deleteCursor) as Array<{ id: number; issue_id: number }>;
      if (rows.length === 0) {
        this.deleteCursor = 0;
        if (restarted) break;
        restarted = true;
        continue;
      }
      this.db
        .transaction(() => {
          const perIssue = new Map<number, number>();
          for (const r of rows) {
            del.run(r.id);
            perIssue.set(r.issue_id, (perIssue.get(r.issue_id) ?? 0) + 1);
          }
          for (const [id, n] of perIssue) dec.run(n, id);
        })
        .immediate();
      this.deleteCursor = rows[rows.length - 1].id;
      trim.deleted += rows.length;
    }
    const pickLong = this.db.prepare(`SELECT id FROM events WHERE id > ? AND (details IS NOT NULL OR stack IS NOT NULL) ORDER BY id LIMIT ${BATCH}`).pluck();
    const shorten = this.db.prepare('UPDATE events SET details = NULL, stack = NULL WHERE id = ?');
    for (let restarted = false; this.usedBytes() > target; ) {
      const ids = pickLong.all(this.shortenCursor) as number[];
      if (ids.length === 0) {
        this.shortenCursor = 0;
        if (restarted) break;
        restarted = true;
        continue;
      }
      this.db.transaction(() => ids.forEach((id) => shorten.run(id))).immediate();
      this.shortenCursor = ids[ids.length - 1];
      trim.shortened += ids.length;
    }
    while (this.usedBytes() > target) {
      const n = this.foldOldestIssues();
      if (n === 0) break;
      trim.folded += n;
    }
    trim.usedBytes = this.usedBytes();
    return trim;
  }

  /**
   * Folds the oldest issues (by last seen; overflow issues and the newest 100 stay) into the overflow
   * issue of their code and component: their counts are added there, their events and rows go.
   */
  private foldOldestIssues(): number {
    type Row = { id: number; fingerprint: string; title: string; code: string; category: string; severity: string; component: string | null; count: number; first_seen: number; last_seen: number };
    const rows = this.db
      .prepare(
        `SELECT id, fingerprint, title, code, category, severity, component, count, first_seen, last_seen FROM issues
         WHERE fingerprint NOT LIKE 'overflow:%' AND id NOT IN (SELECT id FROM issues ORDER BY last_seen DESC, id DESC LIMIT ${KEEP_ISSUES})
         ORDER BY last_seen, id LIMIT ${FOLD_BATCH}`,
      )
      .all() as Row[];
    if (rows.length === 0) return 0;
    this.db
      .transaction(() => {
        for (const r of rows) {
          const d = overflowDescription({ fingerprint: r.fingerprint, title: r.title, culprit: null, code: r.code, category: r.category, severity: r.severity, component: r.component, task: null, migration: null } as IssueDescription, this.newIssueLimit);
          const target = this.db.prepare('SELECT id FROM issues WHERE fingerprint = ?').pluck().get(d.fingerprint) as number | undefined;
          if (target === undefined) {
            // The oldest issue of its code becomes the overflow issue: its row is kept, renamed.
            this.db.prepare('UPDATE issues SET fingerprint = ?, title = ?, culprit = NULL, task = NULL, migration = NULL WHERE id = ?').run(d.fingerprint, d.title, r.id);
            continue;
          }
          this.db
            .prepare('UPDATE issues SET count = count + ?, first_seen = min(first_seen, ?), last_seen = max(last_seen, ?) WHERE id = ?')
            .run(r.count, r.first_seen, r.last_seen, target);
          this.db.prepare('DELETE FROM events WHERE issue_id = ?').run(r.id);
          this.db.prepare('DELETE FROM issues WHERE id = ?').run(r.id);
        }
      })
      .immediate();
    return rows.length;
  }
}
