import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './thresholdsSchema';

export type HealthStatus = 'healthy' | 'degraded' | 'failing';

/** The components every health report shows, even when nothing happened to them. */
export const HEALTH_COMPONENTS = ['tasks', 'migrations', 'store', 'breakers'] as const;

export interface ComponentMetrics {
  component: string;
  unresolvedIssues: number;
  unresolvedCritical: number;
  events24h: number;
  openBreakers: number;
  /** Runs that failed in the window and have not succeeded since. */
  failedRuns: number;
  /** Dead letters waiting for review (pending or requeued). */
  pendingDeadLetters: number;
}

export interface ComponentHealth {
  component: string;
  status: HealthStatus;
  /** Why it is not healthy, one sentence per threshold crossed. */
  reasons: string[];
  metrics: ComponentMetrics;
}

export interface HealthReport {
  /** The worst component status. */
  status: HealthStatus;
  components: ComponentHealth[];
}

/** The health component an event belongs to: its component when it is a known one, else by task or migration. */
export function healthComponentOf(e: { component?: string | null; task?: string | null; migration?: string | null }): string {
  if (e.component && (HEALTH_COMPONENTS as readonly string[]).includes(e.component)) return e.component;
  if (e.migration) return 'migrations';
  if (e.task) return 'tasks';
  return e.component || 'tasks';
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, failing: 2 };

type Measure = Exclude<keyof HealthThresholds, 'windowHours'>;

const MEASURES: Array<[Measure, keyof ComponentMetrics, string]> = [
  ['failedRuns', 'failedRuns', 'failed run(s) not followed by a success'],
  ['pendingDeadLetters', 'pendingDeadLetters', 'dead letter(s) waiting for review'],
  ['unresolvedCritical', 'unresolvedCritical', 'unresolved CRITICAL issue(s)'],
  ['unresolvedIssues', 'unresolvedIssues', 'unresolved issue(s)'],
  ['events24h', 'events24h', 'event(s) in the last 24 hours'],
  ['openBreakers', 'openBreakers', 'open circuit breaker(s)'],
];

/** Something known about a component besides its measures (e.g. "the database was corrupt and was replaced"). */
export interface HealthNote {
  component: string;
  status: HealthStatus;
  reason: string;
}

/**
 * Each component is failing or degraded when a measure is above its threshold (or a note says
 * so), else healthy.
 */
export function emptyMetrics(component: string): ComponentMetrics {
  return { component, unresolvedIssues: 0, unresolvedCritical: 0, events24h: 0, openBreakers: 0, failedRuns: 0, pendingDeadLetters: 0 };
}

export function evaluateHealth(
  metrics: ReadonlyArray<Omit<ComponentMetrics, 'failedRuns' | 'pendingDeadLetters'> & Partial<ComponentMetrics>>,
  thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
  notes: readonly HealthNote[] = [],
): HealthReport {
  const byName = new Map<string, ComponentMetrics>();
  for (const c of HEALTH_COMPONENTS) byName.set(c, emptyMetrics(c));

  const empty = emptyMetrics;
  for (const n of notes) if (!byName.has(n.component)) byName.set(n.component, empty(n.component));
  for (const m of metrics) {
    const cur = byName.get(m.component);
    byName.set(
      m.component,
      cur
        ? {
            component: m.component,
            unresolvedIssues: cur.unresolvedIssues + m.unresolvedIssues,
            unresolvedCritical: cur.unresolvedCritical + m.unresolvedCritical,
            events24h: cur.events24h + m.events24h,
            openBreakers: cur.openBreakers + m.openBreakers,
            failedRuns: cur.failedRuns + (m.failedRuns ?? 0),
            pendingDeadLetters: cur.pendingDeadLetters + (m.pendingDeadLetters ?? 0),
          }
        : { ...emptyMetrics(m.component), ...m },
    );
  }
  const components: ComponentHealth[] = [];
  let worst: HealthStatus = 'healthy';
  for (const m of byName.values()) {
    let status: HealthStatus = 'healthy';
    const reasons: string[] = [];
    for (const [key, field, what] of MEASURES) {
      const value = (m[field] as number | undefined) ?? 0;
      const t = thresholds[key];
      const level: HealthStatus = value > t.failing ? 'failing' : value > t.degraded ? 'degraded' : 'healthy';
      if (level === 'healthy') continue;
      reasons.push(`${value} ${what} (${level} above ${level === 'failing' ? t.failing : t.degraded})`);
      if (RANK[level] > RANK[status]) status = level;
    }
    for (const n of notes) {
      if (n.component !== m.component) continue;
      reasons.push(n.reason);
      if (RANK[n.status] > RANK[status]) status = n.status;
    }
    if (RANK[status] > RANK[worst]) worst = status;
    components.push({ component: m.component, status, reasons, metrics: m });
  }
  return { status: worst, components };
}
