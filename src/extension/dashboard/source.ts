import * as vscode from 'vscode';
import type { Category, DashboardData, IssueAction, IssueQuery, IssueRow } from '../../shared/protocol';
import type { ReboundSession } from '../session';
import type { DashboardSource } from './panel';
import { toIssueRow } from '../errors/model';

const CATEGORIES: Category[] = ['transient', 'permanent', 'system', 'business', 'unknown'];

const EMPTY: DashboardData['kpis'] = {
  openIssues: 0,
  events24h: 0,
  retrySuccessRate: null,
  transientRecoveryRate: null,
  deadLetters: 0,
  openBreakers: 0,
  pendingMigrations: 0,
};

/** The dashboard's data over the workspace store: statistics come from counters, never a scan. */
export function dashboardSource(session: ReboundSession, pendingMigrations: () => number): DashboardSource {
  return {
    onDidChange: session.onDidChange,
    data(): DashboardData {
      const now = Date.now();
      const h = session.store();
      if (!h) return { generatedAt: now, kpis: { ...EMPTY, pendingMigrations: pendingMigrations() }, hourly: [], categories: [], topIssues: [], attempts: { success: 0, failure: 0, cancelled: 0 } };
      const s = h.errors.statistics();
      const breakers = h.breakers.countByState();
      const attempts = h.attempts.summary({ since: now - 30 * 86_400_000 });
      return {
        generatedAt: now,
        kpis: {
          openIssues: s.totals.unresolved,
          events24h: s.totals.events24h,
          retrySuccessRate: s.retry?.successRate ?? null,
          transientRecoveryRate: s.retry?.transientRecoveryRate ?? null,
          deadLetters: h.deadLetters.count({ states: ['pending', 'requeued'] }),
          openBreakers: breakers.open + breakers['half-open'] + breakers.isolated,
          pendingMigrations: pendingMigrations(),
        },
        hourly: s.hourly.map((b) => ({ start: b.start, counts: b.counts })),
        // Issues, not events: how many open issues each category holds.
        categories: CATEGORIES.map((category) => ({ category, count: h.errors.listIssues({ status: 'unresolved', category }, { limit: 1 }).total })).filter((c) => c.count > 0),
        topIssues: s.topIssues.map((t) => ({ id: t.id, title: t.title, count: t.count })),
        attempts: { success: attempts.successes, failure: attempts.failures, cancelled: attempts.cancelled },
      };
    },
    issues(q: IssueQuery): { rows: IssueRow[]; total: number } {
      const h = session.store();
      if (!h) return { rows: [], total: 0 };
      const page = h.errors.listIssues(
        {
          status: q.status && q.status !== 'all' ? q.status : undefined,
          severity: q.severity && q.severity !== 'all' ? q.severity : undefined,
          category: q.category && q.category !== 'all' ? q.category : undefined,
          text: q.text?.trim() ? q.text.trim() : undefined,
        },
        { limit: Math.min(1000, q.limit ?? 50) },
        q.sort ? { key: q.sort.key, direction: q.sort.direction } : undefined,
      );
      return {
        total: page.total,
        rows: page.items.map(toIssueRow),
      };
    },
    async act(action: IssueAction, issueId: number): Promise<boolean | void> {
      const h = session.store();
      const issue = h?.errors.getIssue(issueId);
      if (!h || !issue) throw new Error(`issue #${issueId} does not exist`);
      switch (action) {
        case 'resolve':
          h.errors.resolve(issueId, 'vscode');
          break;
        case 'reopen':
          h.errors.reopen(issueId);
          break;
        case 'ignore':
          // The command says whether it ignored the issue: Escape in its picker changes nothing.
          return (await vscode.commands.executeCommand<boolean | undefined>('rebound.issue.ignore', issueId)) === true;
        case 'guidance':
          await vscode.commands.executeCommand('rebound.showGuidance', issue.code);
          break;
        case 'open':
          await vscode.commands.executeCommand('rebound.errors.reveal', issueId);
          break;
        case 'details':
          await vscode.commands.executeCommand('rebound.issue.open', issueId);
          break;
      }
    },
  };
}
