/**
 * Messages between the dashboard webview and the extension host. Both sides import this module,
 * so a change of shape is a compile error on both. Every value here is plain data: workspace text
 * (titles, messages, file names) travels as strings and is rendered as text, never as HTML.
 */

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type Category = 'transient' | 'permanent' | 'system' | 'business' | 'unknown';
export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';
export type IssueSubstatus = 'new' | 'ongoing' | 'regressed' | 'escalating';

export interface Kpis {
  openIssues: number;
  events24h: number;
  /** 0..1, or null when nothing was retried. */
  retrySuccessRate: number | null;
  /** Share of transient failures that later succeeded, 0..1, or null. */
  transientRecoveryRate: number | null;
  deadLetters: number;
  openBreakers: number;
  pendingMigrations: number;
}

export interface HourBucket {
  /** Start of the hour, ms since the epoch. */
  start: number;
  counts: Record<Severity, number>;
}

export interface IssueRow {
  id: number;
  title: string;
  code: string;
  category: Category;
  severity: Severity;
  status: IssueStatus;
  substatus: IssueSubstatus;
  component: string | null;
  count: number;
  lastSeen: number;
}

export interface IssueQuery {
  text?: string;
  status?: IssueStatus | 'all';
  severity?: Severity | 'all';
  category?: Category | 'all';
  sort?: { key: 'lastSeen' | 'count' | 'severity' | 'title'; direction: 'asc' | 'desc' };
  limit?: number;
}

export interface DashboardData {
  generatedAt: number;
  kpis: Kpis;
  hourly: HourBucket[];
  categories: Array<{ category: Category; count: number }>;
  topIssues: Array<{ id: number; title: string; count: number }>;
  attempts: { success: number; failure: number; cancelled: number };
}

/** Host → webview. */
export type HostMessage =
  | { type: 'data'; data: DashboardData }
  | { type: 'issues'; query: IssueQuery; rows: IssueRow[]; total: number }
  | { type: 'reply'; id: number; ok: boolean; error?: string }
  | { type: 'trust'; trusted: boolean };

/** Webview → host. Requests carry an id the host answers with a `reply`. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'query'; query: IssueQuery }
  | { type: 'action'; id: number; action: IssueAction; issueId: number };

export type IssueAction = 'resolve' | 'reopen' | 'ignore' | 'open' | 'guidance';

/** What the webview keeps with getState/setState so a reload restores the view. */
export interface DashboardState {
  query: IssueQuery;
}

/** Narrowing guard for messages from the webview: anything else is ignored by the host. */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'ready') return true;
  if (t === 'query') return typeof (m as { query?: unknown }).query === 'object' && (m as { query?: unknown }).query !== null;
  if (t === 'action') {
    const a = m as { id?: unknown; action?: unknown; issueId?: unknown };
    return (
      typeof a.id === 'number' &&
      typeof a.issueId === 'number' &&
      Number.isInteger(a.issueId) &&
      ['resolve', 'reopen', 'ignore', 'open', 'guidance'].includes(a.action as string)
    );
  }
  return false;
}
