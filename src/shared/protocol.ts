/**
 * Messages between the dashboard webview and the extension host. Both sides import this module,
 * so a change of shape is a compile error on both. Every value here is plain data: workspace text
 * (titles, messages, file names) travels as strings and is rendered as text, never as HTML.
 */

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type Category = 'transient' | 'permanent' | 'system' | 'business' | 'unknown';
export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';
/** As shown (`recovered`: resolved because retries of the same runs recovered every failure). */
export type IssueSubstatus = 'new' | 'ongoing' | 'regressed' | 'escalating' | 'recovered';

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
  /** Open (unresolved) issues per category: issues, not events. */
  categories: Array<{ category: Category; count: number }>;
  topIssues: Array<{ id: number; title: string; count: number }>;
  attempts: { success: number; failure: number; cancelled: number };
}

/** Host → webview. */
export type HostMessage =
  | { type: 'data'; data: DashboardData }
  | { type: 'issues'; query: IssueQuery; rows: IssueRow[]; total: number }
  /** `changed: false`: the user backed out (Escape in a picker): nothing happened, nothing to report. */
  | { type: 'reply'; id: number; ok: boolean; error?: string; changed?: boolean }
  | { type: 'trust'; trusted: boolean };

/** Webview → host. Requests carry an id the host answers with a `reply`. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'query'; query: IssueQuery }
  | { type: 'action'; id: number; action: IssueAction; issueId: number };

/** `details` opens the issue page; `open` reveals the issue in the Errors view. */
export type IssueAction = 'resolve' | 'reopen' | 'ignore' | 'open' | 'guidance' | 'details';

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
      ['resolve', 'reopen', 'ignore', 'open', 'guidance', 'details'].includes(a.action as string)
    );
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The issue page: one editor tab that shows one issue in full. Same rules as the dashboard: plain
// data, rendered as text, a `ready` handshake before anything is posted.

/** One event of an issue, as the issue page lists it. */
export interface IssueEventView {
  id: number;
  time: number;
  severity: Severity;
  code: string;
  message: string;
  attempt: number | null;
  task: string | null;
  step: string | null;
  file: string | null;
  line: number | null;
  column: number | null;
}

export interface GuidanceView {
  code: string;
  title: string;
  explanation: string;
  steps: string[];
}

/** Which actions the page offers for the issue as it is now. */
export interface IssuePageActions {
  resolve: boolean;
  ignore: boolean;
  reopen: boolean;
  /** Re-running can help: the failure came from a task or a migration and is not permanent. */
  retry: boolean;
  /** An event of the issue names a file in the workspace. */
  openSource: boolean;
}

export interface IssuePageData {
  generatedAt: number;
  issue: {
    id: number;
    title: string;
    culprit: string | null;
    code: string;
    category: Category;
    severity: Severity;
    status: IssueStatus;
    substatus: IssueSubstatus;
    component: string | null;
    task: string | null;
    migration: string | null;
    firstSeen: number;
    lastSeen: number;
    count: number;
  };
  /** Lines of evidence (what matched, exit code, the failing statement…), when the store has them. */
  evidence: string[];
  /** The latest event's message, details and stack: what the failing work printed, last lines. */
  output: { text: string; truncated: boolean; eventId: number | null };
  /** The latest events, newest first (at most 50). */
  events: IssueEventView[];
  /** Events per day over the last 14 days, oldest first (from the stored events). */
  daily: Array<{ start: number; count: number }>;
  guidance: GuidanceView | null;
  actions: IssuePageActions;
  trusted: boolean;
}

export type IssuePageAction = 'resolve' | 'ignore' | 'reopen' | 'retry' | 'openSource' | 'guidance' | 'reveal';
const ISSUE_PAGE_ACTIONS: readonly IssuePageAction[] = ['resolve', 'ignore', 'reopen', 'retry', 'openSource', 'guidance', 'reveal'];

/** Host → issue page. */
export type IssueHostMessage =
  | { type: 'issue'; data: IssuePageData }
  | { type: 'missing'; issueId: number }
  | { type: 'reply'; id: number; ok: boolean; message?: string; error?: string };

/** Issue page → host. */
export type IssueWebviewMessage = { type: 'ready' } | { type: 'action'; id: number; action: IssuePageAction; issueId: number };

/** Kept with getState/setState so a reloaded page shows the same issue. */
export interface IssuePageState {
  issueId: number;
}

export function isIssueWebviewMessage(m: unknown): m is IssueWebviewMessage {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'ready') return true;
  if (t !== 'action') return false;
  const a = m as { id?: unknown; action?: unknown; issueId?: unknown };
  return typeof a.id === 'number' && typeof a.issueId === 'number' && Number.isInteger(a.issueId) && ISSUE_PAGE_ACTIONS.includes(a.action as IssuePageAction);
}
