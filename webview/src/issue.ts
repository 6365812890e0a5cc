/**
 * The issue page: one issue in full (headline, culprit, evidence, output tail, events over time,
 * guidance) with its actions. Everything from the host is workspace data and goes in as text.
 */
import type { IssueHostMessage, IssuePageAction, IssuePageData, IssuePageState, IssueWebviewMessage } from '../../src/shared/protocol';
import { button, registerComponents, setDisabled } from './components';
import { clear, el, formatAgo, svg } from './dom';

interface VsCodeApi {
  postMessage(message: IssueWebviewMessage): void;
  getState(): IssuePageState | undefined;
  setState(state: IssuePageState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let current: IssuePageData | undefined;
let nextId = 1;
const pending = new Map<number, (ok: boolean, text: string) => void>();

registerComponents();
const root = document.getElementById('app')!;
root.classList.add('issue-page');
const header = el('header', { class: 'issue-header' });
const actions = el('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Actions on this issue' });
const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
const body = el('div', { class: 'issue-body' });
const buttons: Record<IssuePageAction, HTMLElement> = {
  resolve: button('Resolve', () => act('resolve'), 'primary'),
  ignore: button('Ignore…', () => act('ignore')),
  reopen: button('Reopen', () => act('reopen')),
  retry: button('Retry', () => act('retry')),
  openSource: button('Open Source Location', () => act('openSource')),
  guidance: button('Open Guidance', () => act('guidance')),
  reveal: button('Show in Errors View', () => act('reveal')),
};
for (const [k, b] of Object.entries(buttons)) b.setAttribute('data-action', k);
actions.append(...Object.values(buttons));
root.append(header, actions, status, body);
header.append(el('h1', {}, 'Loading the issue…'));

window.addEventListener('message', (event: MessageEvent<IssueHostMessage>) => {
  const m = event.data;
  switch (m?.type) {
    case 'issue':
      render(m.data);
      break;
    case 'missing':
      current = undefined;
      clear(header);
      clear(body);
      header.append(el('h1', {}, `Issue #${m.issueId} no longer exists`), el('p', { class: 'muted' }, 'It was deleted or the errors were cleared.'));
      for (const b of Object.values(buttons)) b.hidden = true;
      break;
    case 'reply': {
      const done = pending.get(m.id);
      pending.delete(m.id);
      done?.(m.ok, m.ok ? (m.message ?? 'Done.') : `Could not do that: ${m.error ?? 'unknown error'}`);
      break;
    }
  }
});
vscode.postMessage({ type: 'ready' });

function render(d: IssuePageData): void {
  const changedIssue = current?.issue.id !== d.issue.id;
  current = d;
  vscode.setState({ issueId: d.issue.id });
  if (changedIssue) status.textContent = '';
  const i = d.issue;
  const now = Date.now();
  clear(header);
  header.append(
    el('h1', { class: 'headline' }, i.title),
    el(
      'p',
      { class: 'facts' },
      el('span', { class: `sev sev-${i.severity.toLowerCase()}`, 'data-severity': i.severity }, i.severity),
      ` ${i.code} · ${i.category} · ${i.status === 'unresolved' || i.substatus === 'recovered' ? `${i.status} (${i.substatus})` : i.status} · ${i.count} event${i.count === 1 ? '' : 's'} · first seen ${formatAgo(i.firstSeen, now)}, last seen ${formatAgo(i.lastSeen, now)}`,
    ),
  );
  if (i.culprit) header.append(el('p', { class: 'culprit' }, el('span', { class: 'muted' }, 'Culprit: '), i.culprit));
  const where = [i.component && `component ${i.component}`, i.task && `task ${i.task}`, i.migration && `migration ${i.migration}`].filter(Boolean).join(' · ');
  if (where) header.append(el('p', { class: 'muted' }, where));

  const a = d.actions;
  buttons.resolve.hidden = !a.resolve;
  buttons.ignore.hidden = !a.ignore;
  buttons.reopen.hidden = !a.reopen;
  buttons.retry.hidden = !a.retry;
  buttons.openSource.hidden = !a.openSource;
  buttons.guidance.hidden = !d.guidance;
  buttons.reveal.hidden = false;
  if (!d.trusted) actions.title = 'Triage works in a restricted workspace; retries do not.';

  clear(body);
  body.append(section('Evidence', d.evidence.length ? list(d.evidence) : el('p', { class: 'muted' }, 'No evidence was recorded.')));
  const out = el('pre', { class: 'output', tabindex: '0', 'aria-label': 'Captured output, last lines' }, d.output.text || '(no output was captured)');
  body.append(section(d.output.truncated ? 'Captured output (last lines)' : 'Captured output', out));
  const days = d.daily.length ? [new Date(d.daily[0].start), new Date(d.daily[d.daily.length - 1].start)] : [];
  const axis = el('p', { class: 'axis muted' }, el('span', {}, days[0] ? days[0].toLocaleDateString() : ''), el('span', {}, 'today'));
  body.append(section('Events over time (last 14 days)', timeline(d), axis));
  body.append(section('Latest events', events(d, now)));
  if (d.guidance) {
    const g = d.guidance;
    const parts: Node[] = [el('h3', {}, `${g.code}: ${g.title}`), el('p', {}, g.explanation)];
    if (g.steps.length) {
      const ol = el('ol');
      for (const s of g.steps) ol.append(el('li', {}, s));
      parts.push(ol);
    }
    body.append(section('Guidance', ...parts));
  }
}

function section(title: string, ...content: Node[]): HTMLElement {
  return el('section', { class: 'card', 'aria-label': title }, el('h2', {}, title), ...content);
}

function list(items: string[]): HTMLElement {
  const ul = el('ul', { class: 'evidence' });
  for (const x of items) ul.append(el('li', {}, x));
  return ul;
}

function timeline(d: IssuePageData): Element {
  const W = 480;
  const H = 80;
  const max = Math.max(1, ...d.daily.map((b) => b.count));
  const total = d.daily.reduce((n, b) => n + b.count, 0);
  const label = `Events per day over the last 14 days: ${total} in all; ${d.daily.map((b) => `${new Date(b.start).toISOString().slice(5, 10)} ${b.count}`).join(', ')}.`;
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none', class: 'chart timeline' });
  s.append(svg('title', {}, label));
  const bw = W / d.daily.length;
  d.daily.forEach((b, i) => {
    const h = (b.count / max) * (H - 4);
    if (h > 0) s.append(svg('rect', { x: i * bw + 2, y: H - h, width: Math.max(1, bw - 4), height: h, class: `sev-${d.issue.severity.toLowerCase()}` }));
  });
  return s;
}

function events(d: IssuePageData, now: number): Element {
  if (!d.events.length) return el('p', { class: 'muted' }, 'No events are stored (retention may have removed them; the count is kept).');
  const table = el('table', { class: 'events' });
  table.append(el('thead', {}, el('tr', {}, el('th', {}, 'When'), el('th', {}, 'Attempt'), el('th', {}, 'Message'), el('th', {}, 'Where'))));
  const tbody = el('tbody');
  for (const e of d.events) {
    const where = [e.task && `${e.task}${e.step ? `/${e.step}` : ''}`, e.file && `${e.file}${e.line ? `:${e.line}` : ''}`].filter(Boolean).join(' · ');
    tbody.append(
      el(
        'tr',
        {},
        el('td', { title: new Date(e.time).toLocaleString() }, formatAgo(e.time, now)),
        el('td', {}, e.attempt ? String(e.attempt) : '—'),
        el('td', { class: 'message' }, e.message.split('\n')[0]),
        el('td', {}, where || '—'),
      ),
    );
  }
  table.append(tbody);
  return table;
}

function act(action: IssuePageAction): void {
  if (!current) return;
  const id = nextId++;
  setDisabled(buttons[action], true);
  status.textContent = 'Working…';
  pending.set(id, (_ok, text) => {
    setDisabled(buttons[action], false);
    status.textContent = text;
  });
  vscode.postMessage({ type: 'action', id, action, issueId: current.issue.id });
}
