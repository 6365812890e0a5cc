import type { Category, Severity } from '../engine/errors/types';
import { CATEGORIES, SEVERITIES } from '../engine/errors/types';
import { emptyMetrics, healthComponentOf, type ComponentMetrics } from '../engine/health/evaluate';
import type { Database } from './sqlite';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface HourCount {
  /** Start of the hour (UTC), ms since the epoch. */
  start: number;
  total: number;
  counts: Record<Severity, number>;
}

export interface DayCount {
  /** Start of the day (UTC), ms since the epoch. */
  start: number;
  total: number;
}

export interface RetryStatistics {
  /** Attempts after the first (v2 attempts table). */
  retries: number;
  /** Retries that succeeded. */
  recovered: number;
  /** recovered / retries, or null when nothing was retried. */
  successRate: number | null;
  /** Failed attempts classified transient that a later attempt of the same operation and run recovered. */
  transientFailures: number;
  transientRecovered: number;
  transientRecoveryRate: number | null;
}

export interface Statistics {
  generatedAt: number;
  totals: {
    /** Every event seen (stored, flood-counted or deleted by retention). */
    events: number;
    storedEvents: number;
    droppedEvents: number;
    events24h: number;
    issues: number;
    unresolved: number;
    resolved: number;
    ignored: number;
  };
  /** Events seen, all time, by the severity / category / health component of their issue. */
  bySeverity: Record<Severity, number>;
  byCategory: Record<Category, number>;
  byComponent: Array<{ component: string; events: number; unresolved: number }>;
  /** Unresolved issues by severity. */
  unresolvedBySeverity: Record<Severity, number>;
  /** The last 24 hours, oldest first (the last bucket is the current hour). */
  hourly: HourCount[];
  /** The last 30 days, oldest first (the last bucket is today, UTC). */
  daily: DayCount[];
  /** From the attempts table over the last 30 days; null before schema v2. */
  retry: RetryStatistics | null;
  /** The five unresolved issues with the most events. */
  topIssues: Array<{ id: number; title: string; code: string; severity: Severity; count: number }>;
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** Dashboard statistics and health measures, from the issues and the hourly counters (never a scan of the events). */
export class StatsRepository {
  constructor(private readonly db: Database) {}

  statistics(now: number): Statistics {
    const db = this.db;
    const totals = db
      .prepare(
        `SELECT count(*) AS issues, coalesce(sum(count), 0) AS events, coalesce(sum(stored_count), 0) AS stored,
                coalesce(sum(dropped_count), 0) AS dropped,
                coalesce(sum(status = 'unresolved'), 0) AS unresolved, coalesce(sum(status = 'resolved'), 0) AS resolved,
                coalesce(sum(status = 'ignored'), 0) AS ignored
         FROM issues`,
      )
      .get() as Record<string, number>;

    const bySeverity = zeros(SEVERITIES);
    const unresolvedBySeverity = zeros(SEVERITIES);
    const byCategory = zeros(CATEGORIES);
    const components = new Map<string, { component: string; events: number; unresolved: number }>();
    const groups = db
      .prepare(
        `SELECT severity, category, component, task IS NOT NULL AS has_task, migration IS NOT NULL AS has_migration,
                sum(count) AS events, sum(status = 'unresolved') AS unresolved
         FROM issues GROUP BY severity, category, component, has_task, has_migration`,
      )
      .all() as Array<{ severity: Severity; category: Category; component: string | null; has_task: number; has_migration: number; events: number; unresolved: number }>;
    for (const g of groups) {
      if (g.severity in bySeverity) {
        bySeverity[g.severity] += g.events;
        unresolvedBySeverity[g.severity] += g.unresolved;
      }
      if (g.category in byCategory) byCategory[g.category] += g.events;
      const name = healthComponentOf({ component: g.component, task: g.has_task ? 'x' : null, migration: g.has_migration ? 'x' : null });
      const c = components.get(name) ?? { component: name, events: 0, unresolved: 0 };
      c.events += g.events;
      c.unresolved += g.unresolved;
      components.set(name, c);
    }

    const thisHour = now - (now % HOUR);
    const firstHour = thisHour - 23 * HOUR;
    const hourly: HourCount[] = [];
    for (let h = firstHour; h <= thisHour; h += HOUR) hourly.push({ start: h, total: 0, counts: zeros(SEVERITIES) });
    for (const r of db
      .prepare('SELECT hour, severity, sum(count) AS n FROM event_buckets WHERE hour >= ? AND hour <= ? GROUP BY hour, severity')
      .all(firstHour, thisHour) as Array<{ hour: number; severity: Severity; n: number }>) {
      const b = hourly[Math.floor((r.hour - firstHour) / HOUR)];
      if (!b) continue;
      b.total += r.n;
      if (r.severity in b.counts) b.counts[r.severity] += r.n;
    }

    const today = now - (now % DAY);
    const firstDay = today - 29 * DAY;
    const daily: DayCount[] = [];
    for (let d = firstDay; d <= today; d += DAY) daily.push({ start: d, total: 0 });
    for (const r of db
      .prepare(`SELECT hour - (hour % ${DAY}) AS day, sum(count) AS n FROM event_buckets WHERE hour >= ? AND hour < ? GROUP BY day`)
      .all(firstDay, today + DAY) as Array<{ day: number; n: number }>) {
      const b = daily[Math.floor((r.day - firstDay) / DAY)];
      if (b) b.total += r.n;
    }

    const topIssues = db
      .prepare(`SELECT id, title, code, severity, count FROM issues WHERE status = 'unresolved' ORDER BY count DESC, id LIMIT 5`)
      .all() as Statistics['topIssues'];

    return {
      generatedAt: now,
      totals: {
        events: totals.events,
        storedEvents: totals.stored,
        droppedEvents: totals.dropped,
        events24h: this.eventsSince(now - 24 * HOUR),
        issues: totals.issues,
        unresolved: totals.unresolved,
        resolved: totals.resolved,
        ignored: totals.ignored,
      },
      bySeverity,
      byCategory,
      byComponent: [...components.values()].sort((a, b) => b.events - a.events || a.component.localeCompare(b.component)),
      unresolvedBySeverity,
      hourly,
      daily,
      retry: this.retry(now - 30 * DAY),
      topIssues,
    };
  }

  /** Events seen since `time`, counted by whole hours (the hour holding `time` is included). */
  eventsSince(time: number): number {
    return (this.db.prepare('SELECT coalesce(sum(count), 0) AS n FROM event_buckets WHERE hour > ?').get(time - HOUR) as { n: number }).n;
  }

  /** Retry success from the attempts table (schema v2), or null when it does not exist. */
  retry(since: number): RetryStatistics | null {
    if (!this.hasTable('attempts')) return null;
    const r = this.db
      .prepare(
        `SELECT coalesce(sum(number > 1), 0) AS retries, coalesce(sum(number > 1 AND outcome = 'success'), 0) AS recovered
         FROM attempts WHERE started_at >= ?`,
      )
      .get(since) as { retries: number; recovered: number };
    const t = this.db
      .prepare(
        `SELECT count(*) AS failures,
                coalesce(sum(EXISTS (SELECT 1 FROM attempts b WHERE b.operation = a.operation AND b.run_id IS a.run_id
                                       AND b.number > a.number AND b.outcome = 'success')), 0) AS recovered
         FROM attempts a WHERE a.started_at >= ? AND a.outcome = 'failure' AND a.category = 'transient'`,
      )
      .get(since) as { failures: number; recovered: number };
    return {
      retries: r.retries,
      recovered: r.recovered,
      successRate: r.retries > 0 ? r.recovered / r.retries : null,
      transientFailures: t.failures,
      transientRecovered: t.recovered,
      transientRecoveryRate: t.failures > 0 ? t.recovered / t.failures : null,
    };
  }

  /** Per health component: unresolved issues, unresolved CRITICAL issues, events in 24 h, open breakers. */
  healthMetrics(now: number, windowHours = 24): ComponentMetrics[] {
    const metrics = new Map<string, ComponentMetrics>();
    const get = (component: string) => {
      let m = metrics.get(component);
      if (!m) metrics.set(component, (m = emptyMetrics(component)));
      return m;
    };
    // Counted in SQL, by what decides the component (see healthComponentOf): a few rows, not one per issue.
    for (const r of this.db
      .prepare(
        `SELECT component, coalesce(task, '') <> '' AS has_task, coalesce(migration, '') <> '' AS has_migration,
                count(*) AS n, sum(severity = 'CRITICAL') AS critical
         FROM issues WHERE status = 'unresolved' GROUP BY component, has_task, has_migration`,
      )
      .all() as Array<{ component: string | null; has_task: number; has_migration: number; n: number; critical: number }>) {
      const m = get(healthComponentOf({ component: r.component, task: r.has_task ? 'x' : null, migration: r.has_migration ? 'x' : null }));
      m.unresolvedIssues += r.n;
      m.unresolvedCritical += r.critical;
    }
    for (const r of this.db
      .prepare('SELECT component, sum(count) AS n FROM event_buckets WHERE hour > ? GROUP BY component')
      .all(now - 25 * HOUR) as Array<{ component: string; n: number }>) {
      get(r.component).events24h += r.n;
    }
    get('breakers').openBreakers = this.openBreakers();
    get('tasks').failedRuns = this.failedRuns(now - windowHours * HOUR);
    for (const r of this.pendingDeadLetters()) get(healthComponentOf({ component: r.component })).pendingDeadLetters += r.n;
    return [...metrics.values()];
  }

  /**
   * Task runs that failed since `since` and are still the task's last word: no later run of the
   * same task succeeded, and no fallback run standing in for it succeeded (that is a success).
   */
  failedRuns(since: number): number {
    if (!this.hasTable('runs')) return 0;
    return (
      this.db
        .prepare(
          `SELECT count(*) AS n FROM runs r
           WHERE r.kind = 'task' AND r.state = 'failed' AND coalesce(r.ended_at, r.heartbeat) > ?
             AND NOT EXISTS (SELECT 1 FROM runs f WHERE f.resumed_from = r.id AND f.state IN ('succeeded', 'recovered'))
             AND NOT EXISTS (SELECT 1 FROM runs s WHERE s.kind = 'task' AND s.name = r.name AND s.started_at > r.started_at AND s.state IN ('succeeded', 'recovered'))`,
        )
        .get(since) as { n: number }
    ).n;
  }

  /** Dead letters waiting for review, per component. */
  pendingDeadLetters(): Array<{ component: string; n: number }> {
    if (!this.hasTable('dead_letters')) return [];
    return this.db.prepare(`SELECT component, count(*) AS n FROM dead_letters WHERE state IN ('pending', 'requeued') GROUP BY component`).all() as Array<{ component: string; n: number }>;
  }

  /** Breakers open or isolated (schema v2), 0 before it. */
  openBreakers(): number {
    if (!this.hasTable('breakers')) return 0;
    try {
      return (this.db.prepare(`SELECT count(*) AS n FROM breakers WHERE state IN ('open', 'isolated')`).get() as { n: number }).n;
    } catch {
      return 0;
    }
  }

  private hasTable(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(name) !== undefined;
  }
}
