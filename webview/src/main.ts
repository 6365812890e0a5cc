import type {
  DashboardData,
  DashboardState,
  HostMessage,
  IssueAction,
  IssueQuery,
  IssueRow,
  WebviewMessage,
} from '../../src/shared/protocol';
import * as charts from './charts';
import { button, dataGrid, dropdown, registerComponents, setDisabled, textField, type Grid } from './components';
import { clear, el, formatAgo, formatCount, formatPercent } from './dom';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): DashboardState | undefined;
  setState(state: DashboardState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
/** Rows per page: the grid draws one page; "Show more" asks the host for the next. */
const PAGE = 50;
const MAX_ROWS = 1000;
const DEFAULT_QUERY: IssueQuery = { text: '', status: 'unresolved', severity: 'all', category: 'all', sort: { key: 'lastSeen', direction: 'desc' }, limit: PAGE };
let query: IssueQuery = { ...DEFAULT_QUERY, ...(vscode.getState()?.query ?? {}) };
let selected: IssueRow | undefined;
let trusted = true;
let nextId = 1;
const pending = new Map<number, (ok: boolean, error?: string, changed?: boolean) => void>();

interface TableRow {
  id: number;
  title: string;
  severity: string;
  category: string;
  status: string;
  count: string;
  lastSeen: string;
  issue: IssueRow;
}

registerComponents();
const root = document.getElementById('app')!;
const kpis = el('section', { class: 'kpis', 'aria-label': 'Key figures' });
const chartArea = el('section', { class: 'charts', 'aria-label': 'Charts' });
const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
const actionsBar = el('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Actions on the selected issue' });
const selectionLabel = el('span', { class: 'selection' }, 'Select an issue in the table.');
const grid: Grid<TableRow> = dataGrid<TableRow>(
  'Issues',
  [
    { key: 'title', title: 'Issue', width: 'minmax(120px, 3fr)' },
    { key: 'severity', title: 'Severity', width: '100px' },
    { key: 'category', title: 'Category', width: '110px' },
    { key: 'status', title: 'Status', width: '130px' },
    { key: 'count', title: 'Events', width: '80px' },
    { key: 'lastSeen', title: 'Last seen', width: '100px' },
  ],
  (row) => select(row.issue),
  (key) => sortBy(key),
  (row) => {
    select(row.issue);
    act('details');
  },
);

/**
 * Fewer columns on a narrow page, so the Issue column keeps room for its words and the page never
 * scrolls sideways: below 560 px Issue, Severity and Events; below 820 px Status too.
 */
function fitColumns(width: number): void {
  if (width < 560) grid.setVisibleColumns(['title', 'severity', 'count']);
  else if (width < 820) grid.setVisibleColumns(['title', 'severity', 'status', 'count']);
  else grid.setVisibleColumns(['title', 'severity', 'category', 'status', 'count', 'lastSeen']);
}

const actionButtons: Record<IssueAction, HTMLElement> = {
  details: button('Open Issue', () => act('details'), 'primary'),
  resolve: button('Resolve', () => act('resolve')),
  reopen: button('Reopen', () => act('reopen')),
  ignore: button('Ignore', () => act('ignore')),
  open: button('Show in Errors view', () => act('open')),
  guidance: button('Guidance', () => act('guidance')),
};
actionsBar.append(selectionLabel, ...Object.values(actionButtons));
const showMore = button('Show more', () => update({ limit: Math.min(MAX_ROWS, (query.limit ?? PAGE) + PAGE) }, false));
showMore.hidden = true;

const filters = el('div', { class: 'filters', role: 'search' });
filters.append(
  textField('Search issues', query.text ?? '', debounce((v: string) => update({ text: v }), 200), 'Search issues by title, code or component'),
  dropdown('Status', [['unresolved', 'Unresolved'], ['resolved', 'Resolved'], ['ignored', 'Ignored'], ['all', 'All statuses']], query.status ?? 'unresolved', (v) => update({ status: v as IssueQuery['status'] })),
  dropdown('Severity', [['all', 'All severities'], ['CRITICAL', 'Critical'], ['HIGH', 'High'], ['MEDIUM', 'Medium'], ['LOW', 'Low']], query.severity ?? 'all', (v) => update({ severity: v as IssueQuery['severity'] })),
  dropdown('Category', [['all', 'All categories'], ['transient', 'Transient'], ['permanent', 'Permanent'], ['system', 'System'], ['business', 'Business'], ['unknown', 'Unknown']], query.category ?? 'all', (v) => update({ category: v as IssueQuery['category'] })),
);

root.append(
  el('h1', {}, 'Rebound'),
  kpis,
  chartArea,
  el('section', { class: 'issues', 'aria-label': 'Issues' }, el('h2', {}, 'Issues'), filters, actionsBar, grid.element, status, showMore),
);
refreshActions();
fitColumns(document.body.clientWidth);
new ResizeObserver(() => fitColumns(document.body.clientWidth)).observe(document.body);

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const m = event.data;
  switch (m?.type) {
    case 'data':
      renderData(m.data);
      break;
    case 'issues':
      renderIssues(m.rows, m.total);
      break;
    case 'reply': {
      const done = pending.get(m.id);
      pending.delete(m.id);
      done?.(m.ok, m.error, m.changed);
      break;
    }
    case 'trust':
      trusted = m.trusted;
      refreshActions();
      break;
  }
});
vscode.postMessage({ type: 'ready' });
vscode.postMessage({ type: 'query', query });

function renderData(data: DashboardData): void {
  const k = data.kpis;
  clear(kpis);
  const tiles: Array<[string, string, string]> = [
    ['Open issues', formatCount(k.openIssues), 'open-issues'],
    ['Events, 24 h', formatCount(k.events24h), 'events-24h'],
    ['Retry success', formatPercent(k.retrySuccessRate), 'retry-success'],
    ['Transient recovered', formatPercent(k.transientRecoveryRate), 'transient-recovery'],
    ['Dead letters', formatCount(k.deadLetters), 'dead-letters'],
    ['Open breakers', formatCount(k.openBreakers), 'open-breakers'],
    ['Pending migrations', formatCount(k.pendingMigrations), 'pending-migrations'],
  ];
  for (const [label, value, id] of tiles) {
    kpis.append(el('div', { class: 'kpi', 'data-kpi': id }, el('span', { class: 'value' }, value), el('span', { class: 'label' }, label)));
  }
  clear(chartArea);
  chartArea.append(charts.eventsOverTime(data), charts.categories(data), charts.topIssues(data), charts.attempts(data));
}

function renderIssues(rows: IssueRow[], total: number): void {
  const now = Date.now();
  grid.setRows(
    rows.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      category: r.category,
      status: r.substatus && (r.status === 'unresolved' || r.substatus === 'recovered') ? `${r.status} · ${r.substatus}` : r.status,
      count: formatCount(r.count),
      lastSeen: formatAgo(r.lastSeen, now),
      issue: r,
    })),
  );
  status.textContent = total > rows.length ? `Showing ${rows.length} of ${total} issues.` : `${total} issue${total === 1 ? '' : 's'}.`;
  showMore.hidden = !(total > rows.length && rows.length < MAX_ROWS);
  if (selected) {
    selected = rows.find((r) => r.id === selected!.id);
    refreshActions();
  }
}

function select(issue: IssueRow): void {
  selected = issue;
  refreshActions();
}

function refreshActions(): void {
  selectionLabel.textContent = selected ? `Selected: ${selected.title}` : 'Select an issue in the table.';
  const none = !selected;
  setDisabled(actionButtons.resolve, none || selected!.status === 'resolved');
  setDisabled(actionButtons.reopen, none || selected!.status === 'unresolved');
  setDisabled(actionButtons.ignore, none || selected!.status === 'ignored');
  setDisabled(actionButtons.open, none);
  setDisabled(actionButtons.details, none);
  setDisabled(actionButtons.guidance, none);
  if (!trusted) actionsBar.title = 'Triage works in a restricted workspace; retries and recovery do not.';
}

function act(action: IssueAction): void {
  if (!selected) return;
  const id = nextId++;
  const title = selected.title;
  pending.set(id, (ok, error, changed) => {
    if (ok && changed === false) return; // backed out of a picker: nothing changed, nothing to say
    status.textContent = ok ? `${action === 'open' || action === 'guidance' || action === 'details' ? 'Opened' : `${capitalise(action)}d`}: ${title}` : `Could not ${action}: ${error ?? 'unknown error'}`;
  });
  vscode.postMessage({ type: 'action', id, action, issueId: selected.id });
}

/** A new query; a change of search, filter or sort starts again from the first page. */
function update(change: Partial<IssueQuery>, firstPage = true): void {
  query = { ...query, ...change, ...(firstPage ? { limit: PAGE } : {}) };
  vscode.setState({ query });
  vscode.postMessage({ type: 'query', query });
}

function sortBy(key: string): void {
  const map: Record<string, NonNullable<IssueQuery['sort']>['key']> = { title: 'title', count: 'count', lastSeen: 'lastSeen', severity: 'severity' };
  const k = map[key];
  if (!k) return;
  const direction = query.sort?.key === k && query.sort.direction === 'desc' ? 'asc' : 'desc';
  update({ sort: { key: k, direction } });
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number): (...a: A) => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    if (t) clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}
