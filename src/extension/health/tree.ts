import * as vscode from 'vscode';
import type { ComponentHealth, HealthReport, HealthStatus } from '../../engine/health/evaluate';
import type { StoredBreaker } from '../../store/breakers';
import { ViewFailures, failureItem, type FailureNode } from '../ui/failure';
import { SafeMarkdown } from '../ui/markdown';
import { TreeProvider } from '../ui/treeProvider';

export type HealthNode =
  | { kind: 'store'; store: StoreStatus }
  | { kind: 'component'; health: ComponentHealth }
  | { kind: 'breaker'; breaker: StoredBreaker; retryAt: number | null }
  | FailureNode;

/** The store's SQLite driver as the Health view shows it: the one in use, or why none loads. */
export type StoreStatus = { driver: string; sqliteVersion: string; reason: string; persistent: boolean } | { error: string };

export interface HealthModel {
  report(): HealthReport | undefined;
  breakers(): Array<{ breaker: StoredBreaker; retryAt: number | null }>;
}

const ICON: Record<HealthStatus, vscode.ThemeIcon> = {
  healthy: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  degraded: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  failing: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
};

/** The Health view: each component's status with the reasons, then every circuit breaker. */
export class HealthTreeProvider extends TreeProvider<HealthNode> {
  constructor(
    /** The model, undefined when there is no database yet; throws when the database cannot be read. */
    private readonly model: () => HealthModel | undefined,
    private readonly failures: ViewFailures,
    private readonly store: () => StoreStatus | undefined = () => undefined,
  ) {
    super();
  }

  /** Whether an open breaker is counting down to its trial call (the view re-renders every second). */
  countingDown(now = Date.now()): boolean {
    try {
      return (this.model()?.breakers() ?? []).some((b) => b.breaker.state === 'open' && b.retryAt !== null && b.retryAt > now - 1000);
    } catch {
      return false; // the view shows why it cannot read the breakers
    }
  }

  getChildren(parent?: HealthNode): HealthNode[] {
    if (parent) return [];
    const store = this.store();
    const head = store ? [{ kind: 'store' as const, store }] : [];
    return [
      ...head,
      ...this.failures.children('Health', 'the health', () => {
        const m = this.model();
        if (!m) return [];
        const report = m.report();
        return [
          ...(report?.components ?? []).map((health) => ({ kind: 'component' as const, health })),
          ...m.breakers().map((b) => ({ kind: 'breaker' as const, ...b })),
        ];
      }),
    ];
  }

  getTreeItem(n: HealthNode): vscode.TreeItem {
    if (n.kind === 'failure') return failureItem(n);
    if (n.kind === 'store') {
      const s = n.store;
      const item = new vscode.TreeItem('SQLite driver', vscode.TreeItemCollapsibleState.None);
      item.id = 'store';
      item.contextValue = 'rebound.store';
      if ('error' in s) {
        item.iconPath = ICON.failing;
        item.description = 'none loads: nothing is stored';
        item.tooltip = new SafeMarkdown().bold('No SQLite driver could load').paragraph(s.error).md;
      } else if (!s.persistent) {
        item.iconPath = ICON.degraded;
        item.description = `${s.driver} · in memory: nothing is saved`;
        item.tooltip = new SafeMarkdown()
          .bold(`SQLite driver: ${s.driver}, in memory only`)
          .paragraph('Errors, runs and dead letters last until this window closes; migrations on SQLite cannot run.')
          .field('SQLite', s.sqliteVersion)
          .field('Chosen', s.reason).md;
      } else {
        item.iconPath = new vscode.ThemeIcon('database');
        item.description = `${s.driver} · SQLite ${s.sqliteVersion}`;
        item.tooltip = new SafeMarkdown().bold(`SQLite driver: ${s.driver}`).field('SQLite', s.sqliteVersion).field('Chosen', s.reason).md;
      }
      return item;
    }
    if (n.kind === 'component') {
      const h = n.health;
      const item = new vscode.TreeItem(h.component, vscode.TreeItemCollapsibleState.None);
      item.id = `component:${h.component}`;
      item.iconPath = ICON[h.status];
      item.description = h.status === 'healthy' ? 'healthy' : `${h.status}: ${h.reasons[0] ?? ''}`;
      item.contextValue = 'rebound.component';
      const tip = new SafeMarkdown()
        .bold(`${h.component}: ${h.status}`)
        .field('Unresolved issues', h.metrics.unresolvedIssues)
        .field('Unresolved critical', h.metrics.unresolvedCritical)
        .field('Events in 24 h', h.metrics.events24h)
        .field('Open breakers', h.metrics.openBreakers);
      for (const r of h.reasons) tip.paragraph(`• ${r}`);
      item.tooltip = tip.md;
      return item;
    }
    const b = n.breaker;
    const c = b.snapshot.counts;
    const failures = c.kind === 'consecutive' ? c.failures : c.buckets.reduce((n, [, , f]) => n + f, 0);
    const item = new vscode.TreeItem(`breaker: ${b.key}`, vscode.TreeItemCollapsibleState.None);
    item.id = `breaker:${b.key}`;
    item.iconPath = new vscode.ThemeIcon(
      b.state === 'closed' ? 'circle-large-outline' : b.state === 'half-open' ? 'circle-large' : 'circle-slash',
      b.state === 'closed' ? undefined : new vscode.ThemeColor(b.state === 'half-open' ? 'list.warningForeground' : 'list.errorForeground'),
    );
    // Computed when shown (the view re-renders every second while a breaker counts down): once the
    // break is over, the next call is a trial, whatever the stored state still says.
    const wait = n.retryAt !== null ? Math.ceil((n.retryAt - Date.now()) / 1000) : null;
    const when = b.state !== 'open' || wait === null ? '' : wait > 0 ? ` · half-open in ${wait}s` : ' · break over: the next call is a trial';
    item.description = `${b.state}${failures !== undefined ? ` · ${failures} failure${failures === 1 ? '' : 's'}` : ''}${when}`;
    item.contextValue = `rebound.breaker.${b.state}`;
    item.tooltip = new SafeMarkdown()
      .bold(`Circuit breaker ${b.key}`)
      .field('State', b.state)
      .field('Failures', failures ?? null)
      .field('Opened', b.openedAt ? new Date(b.openedAt).toLocaleString() : null)
      .field('Half-open at', n.retryAt ? new Date(n.retryAt).toLocaleString() : null).md;
    return item;
  }

}
