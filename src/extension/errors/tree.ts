import * as vscode from 'vscode';
import type { Category, IssueRow, IssueStatus, Severity } from '../../shared/protocol';
import { ViewFailures, failureItem, type FailureNode } from '../ui/failure';
import { SafeMarkdown, ago } from '../ui/markdown';
import { TreeProvider } from '../ui/treeProvider';

export const GROUP_BY = ['status', 'component', 'category', 'task'] as const;
export type GroupBy = (typeof GROUP_BY)[number];
/** The workspace-state key of the Errors view's grouping (view state, not a setting). */
export const GROUP_BY_KEY = 'rebound.errors.groupBy';

export function isGroupBy(v: unknown): v is GroupBy {
  return typeof v === 'string' && (GROUP_BY as readonly string[]).includes(v);
}

export interface IssueDetail extends IssueRow {
  culprit: string | null;
  task: string | null;
  migration: string | null;
  firstSeen: number;
  /** One of its events has a source location (file, line). */
  hasSource?: boolean;
}

export interface EventRow {
  id: number;
  time: number;
  message: string;
  code: string;
  severity: Severity;
  attempt: number | null;
  file: string | null;
  line: number | null;
  column: number | null;
  task: string | null;
  step: string | null;
}

/** The data the Errors view reads; implemented over the workspace store. */
export interface ErrorsModel {
  /** Counts of issues per group key (e.g. per status, or per component). `null` key = none. */
  groupCounts(by: GroupBy): Array<{ key: string | null; count: number }>;
  /** Counts of issues with `status` per severity (the second level when grouping by status). */
  severityCounts(status: IssueStatus): Array<{ key: Severity; count: number }>;
  /** Issues of one group, most recent first, at most `limit`. */
  issues(filter: { by: GroupBy; key: string | null; severity?: Severity }, limit: number): IssueDetail[];
  latestEvents(issueId: number, limit: number): EventRow[];
  openIssueCount(): number;
}

export type ErrorsNode =
  | { kind: 'group'; by: GroupBy; key: string | null; count: number }
  | { kind: 'severity'; status: IssueStatus; severity: Severity; count: number }
  | { kind: 'issue'; issue: IssueDetail }
  | { kind: 'event'; issue: IssueDetail; event: EventRow }
  | { kind: 'more'; shown: number; total: number }
  | FailureNode;

const STATUS_ORDER: IssueStatus[] = ['unresolved', 'ignored', 'resolved'];
const SEVERITY_ORDER: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
const PAGE = 200;
const EVENTS_PER_ISSUE = 10;

const SEVERITY_ICON: Record<Severity, vscode.ThemeIcon> = {
  CRITICAL: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
  HIGH: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  MEDIUM: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  LOW: new vscode.ThemeIcon('info'),
};

/**
 * The Errors view: issues grouped by status then severity (or by component, category or task),
 * each expanding to its latest events. The provider only maps model rows to tree items; the model
 * does the queries, so a large store stays fast (one indexed query per expanded node).
 */
export class ErrorsTreeProvider extends TreeProvider<ErrorsNode> {
  groupBy: GroupBy = 'status';

  constructor(
    /** The model, undefined when there is no database yet; throws when the database cannot be read. */
    private readonly model: () => ErrorsModel | undefined,
    private readonly failures: ViewFailures,
  ) {
    super();
  }

  setGroupBy(by: GroupBy): void {
    if (!isGroupBy(by)) throw new Error(`Unknown grouping: ${String(by)}`);
    this.groupBy = by;
    this.refresh();
  }

  getChildren(node?: ErrorsNode): ErrorsNode[] {
    if (node?.kind === 'failure') return [];
    return this.failures.children('Errors', node ? 'this group' : 'the errors', () => this.childrenOf(node));
  }

  private childrenOf(node: ErrorsNode | undefined): ErrorsNode[] {
    const model = this.model();
    if (!model) return [];
    if (!node) {
      const counts = model.groupCounts(this.groupBy).filter((g) => g.count > 0);
      if (this.groupBy === 'status') counts.sort((a, b) => STATUS_ORDER.indexOf(a.key as IssueStatus) - STATUS_ORDER.indexOf(b.key as IssueStatus));
      return counts.map((g) => ({ kind: 'group', by: this.groupBy, key: g.key, count: g.count }));
    }
    switch (node.kind) {
      case 'group':
        if (node.by === 'status') {
          return model
            .severityCounts(node.key as IssueStatus)
            .filter((s) => s.count > 0)
            .sort((a, b) => SEVERITY_ORDER.indexOf(a.key) - SEVERITY_ORDER.indexOf(b.key))
            .map((s) => ({ kind: 'severity', status: node.key as IssueStatus, severity: s.key, count: s.count }));
        }
        return this.page(model.issues({ by: node.by, key: node.key }, PAGE), node.count);
      case 'severity':
        return this.page(model.issues({ by: 'status', key: node.status, severity: node.severity }, PAGE), node.count);
      case 'issue':
        return model.latestEvents(node.issue.id, EVENTS_PER_ISSUE).map((event) => ({ kind: 'event', issue: node.issue, event }));
      default:
        return [];
    }
  }

  private page(issues: IssueDetail[], total: number): ErrorsNode[] {
    const nodes: ErrorsNode[] = issues.map((issue) => ({ kind: 'issue', issue }));
    if (total > issues.length) nodes.push({ kind: 'more', shown: issues.length, total });
    return nodes;
  }

  getTreeItem(node: ErrorsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        // Statuses and categories are Rebound's words; task and component names are the user's and keep their case.
        const label = node.key === null ? `(no ${node.by})` : node.by === 'status' || node.by === 'category' ? capitalise(node.key) : node.key;
        const item = new vscode.TreeItem(label, node.by === 'status' && node.key !== 'unresolved' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.by}:${node.key}`;
        item.description = `${node.count}`;
        item.contextValue = 'rebound.group';
        return item;
      }
      case 'severity': {
        const item = new vscode.TreeItem(capitalise(node.severity.toLowerCase()), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `sev:${node.status}:${node.severity}`;
        item.iconPath = SEVERITY_ICON[node.severity];
        item.description = `${node.count}`;
        item.contextValue = 'rebound.severity';
        return item;
      }
      case 'issue': {
        const i = node.issue;
        const item = new vscode.TreeItem(i.title, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `issue:${i.id}`;
        item.iconPath = i.status === 'resolved' ? new vscode.ThemeIcon('pass') : i.status === 'ignored' ? new vscode.ThemeIcon('eye-closed') : SEVERITY_ICON[i.severity];
        item.description = `${i.code} · ${i.count}× · ${ago(i.lastSeen)}${i.substatus === 'regressed' || i.substatus === 'escalating' || i.substatus === 'recovered' ? ` · ${i.substatus}` : ''}`;
        item.contextValue = `rebound.issue.${i.status}${i.task ? '.task' : ''}${i.migration ? '.migration' : ''}${i.hasSource ? '.source' : ''}`;
        item.tooltip = new SafeMarkdown()
          .bold(i.title)
          .field('Code', i.code)
          .field('Severity', i.severity)
          .field('Category', i.category as Category)
          .field('Status', i.status === 'unresolved' || i.substatus === 'recovered' ? `${i.status} (${i.substatus})` : i.status)
          .field('Component', i.component)
          .field('Culprit', i.culprit)
          .field('Task', i.task)
          .field('Migration', i.migration)
          .field('Events', i.count)
          .field('First seen', new Date(i.firstSeen).toLocaleString())
          .field('Last seen', new Date(i.lastSeen).toLocaleString()).md;
        item.command = { command: 'rebound.issue.open', title: 'Open Issue', arguments: [i.id] };
        return item;
      }
      case 'event': {
        const e = node.event;
        const item = new vscode.TreeItem(e.message.split('\n')[0], vscode.TreeItemCollapsibleState.None);
        item.id = `event:${e.id}`;
        item.description = `${ago(e.time)}${e.attempt ? ` · attempt ${e.attempt}` : ''}${e.file ? ` · ${e.file}${e.line ? `:${e.line}` : ''}` : ''}`;
        item.contextValue = e.file ? 'rebound.event.source' : 'rebound.event';
        item.tooltip = new SafeMarkdown()
          .bold(e.code)
          .field('Time', new Date(e.time).toLocaleString())
          .field('Task', e.task)
          .field('Step', e.step)
          .field('Attempt', e.attempt)
          .field('Location', e.file ? `${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ''}` : ''}` : null)
          .block(e.message).md;
        if (e.file) item.command = { command: 'rebound.errors.openSource', title: 'Open Source Location', arguments: [node] };
        return item;
      }
      case 'failure':
        return failureItem(node);
      case 'more': {
        const item = new vscode.TreeItem(`${node.total - node.shown} more…`, vscode.TreeItemCollapsibleState.None);
        item.description = 'open the dashboard to search all issues';
        item.command = { command: 'rebound.openDashboard', title: 'Open Dashboard' };
        return item;
      }
    }
  }

  /** Parents of issue and event nodes, so `TreeView.reveal` can expand down to an issue. */
  getParent(node: ErrorsNode): ErrorsNode | undefined {
    if (node.kind === 'failure') return undefined;
    const model = this.model();
    if (!model) return undefined;
    if (node.kind === 'event') return { kind: 'issue', issue: node.issue };
    if (node.kind === 'severity') {
      const g = model.groupCounts('status').find((x) => x.key === node.status);
      return { kind: 'group', by: 'status', key: node.status, count: g?.count ?? 0 };
    }
    if (node.kind !== 'issue') return undefined;
    const i = node.issue;
    if (this.groupBy === 'status') {
      const s = model.severityCounts(i.status).find((x) => x.key === i.severity);
      return { kind: 'severity', status: i.status, severity: i.severity, count: s?.count ?? 0 };
    }
    const key = this.groupBy === 'component' ? i.component : this.groupBy === 'category' ? i.category : i.task;
    const g = model.groupCounts(this.groupBy).find((x) => x.key === key);
    return { kind: 'group', by: this.groupBy, key, count: g?.count ?? 0 };
  }

  /** The node of one issue (for reveal), or undefined when it does not exist. */
  issueNode(issue: IssueDetail): ErrorsNode {
    return { kind: 'issue', issue };
  }

}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
