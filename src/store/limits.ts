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
  /** Events deleted (oldest first, every issue keeping its latest). */
  deleted: number;
  /** Latest events whose details and stack were dropped (the last resort). */
  shortened: number;
  /** Bytes of pages in use after. */
  usedBytes: number;
}

const BATCH = 2000;

/**
 * Keeps the database's pages in use under `maxDatabaseMb`: when they pass 90 % of it, events are
 * deleted oldest first down to 75 % — never an issue's latest event, so every issue keeps one
 * and its counts (which the issue row holds) stay exact; if that is not enough, the details and
 * stacks of the oldest remaining events go. Freed pages are reused, so the file stops growing.
 */
export class SizeLimit {
  private readonly pages: Statement;
  private readonly free: Statement;
  private readonly pageSize: number;

  constructor(
    private readonly db: Database,
    private readonly maxBytes: number,
  ) {
    this.pages = db.prepare('PRAGMA page_count').pluck();
    this.free = db.prepare('PRAGMA freelist_count').pluck();
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
  }

  /** Bytes of pages in use (the file minus its free pages). */
  usedBytes(): number {
    return ((this.pages.get() as number) - (this.free.get() as number)) * this.pageSize;
  }

  /** Trims when over 90 % of the limit; returns undefined when nothing had to go. */
  enforce(): SizeTrim | undefined {
    if (this.usedBytes() <= this.maxBytes * 0.9) return undefined;
    const target = this.maxBytes * 0.75;
    const trim: SizeTrim = { deleted: 0, shortened: 0, usedBytes: 0 };
    const pick = this.db.prepare(
      `SELECT e.id, e.issue_id FROM events e WHERE NOT EXISTS (SELECT 1 FROM issues i WHERE i.last_event_id = e.id) ORDER BY e.time, e.id LIMIT ${BATCH}`,
    );
    const del = this.db.prepare('DELETE FROM events WHERE id = ?');
    const dec = this.db.prepare('UPDATE issues SET stored_count = max(0, stored_count - ?) WHERE id = ?');
    const shorten = this.db.prepare(
      `UPDATE events SET details = NULL, stack = NULL WHERE id IN (SELECT id FROM events WHERE details IS NOT NULL OR stack IS NOT NULL ORDER BY time, id LIMIT ${BATCH})`,
    );
    while (this.usedBytes() > target) {
      const rows = pick.all() as Array<{ id: number; issue_id: number }>;
      if (rows.length === 0) break;
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
      trim.deleted += rows.length;
    }
    while (this.usedBytes() > target) {
      const n = this.db.transaction(() => shorten.run().changes).immediate();
      if (n === 0) break;
      trim.shortened += n;
    }
    trim.usedBytes = this.usedBytes();
    return trim;
  }
}
