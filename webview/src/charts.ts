import type { Category, DashboardData, Severity } from '../../src/shared/protocol';
import { el, formatCount, svg } from './dom';

export const SEVERITIES: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/**
 * Accessible SVG charts: each has role="img", a <title> and an aria-label that states its data, and
 * draws with theme colours (CSS classes map to VS Code's chart colour variables).
 */
function chart(label: string, width: number, height: number): SVGSVGElement {
  const s = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none', class: 'chart' });
  s.append(svg('title', {}, label));
  return s;
}

/** Events over the last 24 hours, stacked by severity. */
export function eventsOverTime(data: DashboardData): Element {
  const W = 480;
  const H = 140;
  const buckets = data.hourly;
  const total = buckets.reduce((n, b) => n + SEVERITIES.reduce((m, s) => m + b.counts[s], 0), 0);
  const max = Math.max(1, ...buckets.map((b) => SEVERITIES.reduce((m, s) => m + b.counts[s], 0)));
  const bySeverity = SEVERITIES.map((s) => `${s} ${buckets.reduce((n, b) => n + b.counts[s], 0)}`).join(', ');
  const s = chart(`Events over the last 24 hours: ${total} in all (${bySeverity}); the busiest hour had ${max === 1 && total === 0 ? 0 : max}.`, W, H);
  const bw = W / Math.max(1, buckets.length);
  buckets.forEach((b, i) => {
    let y = H;
    for (const sev of SEVERITIES) {
      const h = (b.counts[sev] / max) * (H - 4);
      if (h <= 0) continue;
      y -= h;
      s.append(svg('rect', { x: i * bw + 1, y, width: Math.max(1, bw - 2), height: h, class: `sev-${sev.toLowerCase()}` }));
    }
  });
  return figure('Events, last 24 h', s, legend(SEVERITIES.map((x) => [x, `sev-${x.toLowerCase()}`])));
}

/** Horizontal bars: label, bar, value. */
function bars(title: string, rows: Array<{ label: string; value: number; cls: string }>, empty: string): Element {
  const W = 480;
  const rowH = 22;
  const H = Math.max(rowH, rows.length * rowH);
  const max = Math.max(1, ...rows.map((r) => r.value));
  const s = chart(`${title}: ${rows.length ? rows.map((r) => `${r.label} ${r.value}`).join(', ') : empty}`, W, H);
  rows.forEach((r, i) => {
    const y = i * rowH;
    const w = Math.max(2, (r.value / max) * (W * 0.45));
    s.append(svg('text', { x: 0, y: y + 15, class: 'label' }, truncate(r.label, 34)));
    s.append(svg('rect', { x: W * 0.45, y: y + 4, width: w, height: rowH - 8, class: r.cls }));
    s.append(svg('text', { x: W * 0.45 + w + 6, y: y + 15, class: 'value' }, formatCount(r.value)));
  });
  if (!rows.length) s.append(svg('text', { x: 0, y: 15, class: 'label' }, empty));
  return figure(title, s);
}

export function categories(data: DashboardData): Element {
  return bars(
    'Open issues by category',
    data.categories.map((c) => ({ label: c.category, value: c.count, cls: `cat-${c.category as Category}` })),
    'no open issues',
  );
}

export function topIssues(data: DashboardData): Element {
  return bars(
    'Top issues by events',
    data.topIssues.map((t) => ({ label: t.title, value: t.count, cls: 'bar' })),
    'no issues',
  );
}

export function attempts(data: DashboardData): Element {
  const a = data.attempts;
  return bars(
    'Attempts by outcome',
    [
      { label: 'succeeded', value: a.success, cls: 'ok' },
      { label: 'failed', value: a.failure, cls: 'sev-high' },
      { label: 'cancelled', value: a.cancelled, cls: 'sev-low' },
    ],
    'no attempts',
  );
}

function figure(caption: string, chartEl: Element, extra?: Element): Element {
  const f = el('figure', { class: 'card' }, el('figcaption', {}, caption), chartEl);
  if (extra) f.append(extra);
  return f;
}

function legend(items: Array<[string, string]>): Element {
  const l = el('ul', { class: 'legend', 'aria-hidden': 'true' });
  for (const [text, cls] of items) l.append(el('li', {}, el('span', { class: `swatch ${cls}` }), text));
  return l;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
