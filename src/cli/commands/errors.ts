import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { z } from 'zod';
import { rulesSchema, type UserRule } from '../../engine/classify/ruleSchema';
import { CATEGORIES, SEVERITIES, isCategory, isSeverity, type Category, type Severity } from '../../engine/errors/types';
import { parseConfigSection } from '../../engine/config';
import { ConfigFileError } from '../../runner/config';
import { GuidanceCatalog } from '../../engine/guidance/guidanceCatalog';
import type { Guidance } from '../../engine/guidance/guidance';
import { healthThresholdsSchema, type HealthThresholds } from '../../engine/health/thresholdsSchema';
import type { IgnoreCondition, IssueStatus } from '../../engine/issues/issueState';
import { retentionSchema, type RetentionConfig } from '../../engine/issues/retentionSchema';
import { ErrorStore } from '../../store/errorStore';
import type { EventFilter } from '../../store/events';
import type { IssueFilter, IssueSortKey } from '../../store/issues';
import { workspacePaths } from '../../store/location';
import { spoolFiles } from '../../store/spool';
import { writeWithBackpressure } from '../stdio';
import { EXIT, UsageError, intFlag, stringFlag, table, type CliCommand, type CliContext } from '../command';

/** The parts of .rebound/config.json the error commands use, validated with their schemas. */
export interface ErrorsConfig {
  rules: UserRule[];
  retention: RetentionConfig;
  health?: HealthThresholds;
}

/**
 * Reads `rules`, `retention` and `health` from .rebound/config.json (a missing file is an empty
 * config). Other keys are left to the full config loader. Bad JSON or a bad value is a UsageError
 * (exit 2) naming the key.
 */
export function readErrorsConfig(cwd: string): ErrorsConfig {
  const file = workspacePaths(cwd).config;
  if (!existsSync(file)) return { rules: [], retention: {} };
  const text = readFileSync(file, 'utf8');
  // Only these sections: a broken task definition must not stop error triage.
  const section = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
    const r = parseConfigSection(text, file, key, schema);
    if (!r.ok) throw new ConfigFileError(file, r.problems);
    return r.value;
  };
  const config: ErrorsConfig = {
    rules: section('rules', rulesSchema) ?? [],
    retention: section('retention', retentionSchema) ?? {},
  };
  const health = section('health', healthThresholdsSchema);
  if (health !== undefined) config.health = health;
  return config;
}

/**
 * The workspace's error store. When the database does not exist yet and `create` is false, an
 * empty in-memory store answers instead, so reading commands never create files (unless events
 * were spooled for it: they are imported into a new file).
 */
export function openErrorStore(ctx: CliContext, create: boolean, config: ErrorsConfig = readErrorsConfig(ctx.cwd)): ErrorStore {
  const file = workspacePaths(ctx.cwd).db;
  const options = { workspaceRoot: ctx.cwd, rules: config.rules, retention: config.retention, healthThresholds: config.health };
  // Events spooled while the database was gone are brought in by creating it.
  const store = ErrorStore.open(!create && !existsSync(file) && spoolFiles(file).length === 0 ? ':memory:' : file, options);
  for (const n of store.notices) ctx.out.error(`rebound: ${n}`);
  return store;
}

/** Untrusted text printed to a terminal: no control characters but newline. */
export function printable(text: string | null | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (text ?? '').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, ' ');
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since 24h` (a span back from now) or an ISO date; undefined when the flag is absent. */
export function timeFlag(ctx: CliContext, name: string, now: number): number | undefined {
  const v = stringFlag(ctx, name);
  if (v === undefined) return undefined;
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(v);
  if (m) return now - Number(m[1]) * UNITS[m[2]];
  const t = Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(t)) return t;
  throw new UsageError(`--${name} expects a span such as 30m, 24h or 7d, or a date such as 2025-01-31, got ${JSON.stringify(v)}`);
}

function listFlag<T extends string>(ctx: CliContext, name: string, valid: readonly T[], check: (s: string) => s is T): T[] | undefined {
  const v = stringFlag(ctx, name);
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!check(i)) throw new UsageError(`unknown ${name} "${i}" (expected ${valid.join(', ')})`);
  if (items.length === 0) throw new UsageError(`--${name} expects a value`);
  return items as T[];
}

const STATUSES = ['unresolved', 'resolved', 'ignored'] as const;
const isStatus = (s: string): s is IssueStatus => (STATUSES as readonly string[]).includes(s);
const SORTS: IssueSortKey[] = ['lastSeen', 'firstSeen', 'count', 'severity', 'title'];

function commonFilter(ctx: CliContext, now: number): IssueFilter & EventFilter {
  const f: IssueFilter & EventFilter = {};
  const status = stringFlag(ctx, 'status');
  if (status !== 'all') f.status = listFlag(ctx, 'status', STATUSES, isStatus) ?? (ctx.args[0] === 'list' && !ctx.flags.has('events') ? ['unresolved'] : undefined);
  const severity = listFlag<Severity>(ctx, 'severity', SEVERITIES, isSeverity);
  if (severity) f.severity = severity;
  const category = listFlag<Category>(ctx, 'category', CATEGORIES, isCategory);
  if (category) f.category = category;
  for (const key of ['component', 'task', 'migration', 'code', 'text'] as const) {
    const v = stringFlag(ctx, key);
    if (v !== undefined) f[key] = v;
  }
  const since = timeFlag(ctx, 'since', now);
  if (since !== undefined) f.since = since;
  const until = timeFlag(ctx, 'until', now);
  if (until !== undefined) f.until = until;
  return f;
}

function idArg(ctx: CliContext, sub: string): number {
  const raw = ctx.args[1];
  if (raw === undefined) throw new UsageError(`errors ${sub} expects an issue id`);
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new UsageError(`an issue id is a positive whole number, got ${JSON.stringify(raw)}`);
  if (ctx.args.length > 2) throw new UsageError(`errors ${sub} takes one id, got: ${ctx.args.slice(1).join(' ')}`);
  return Number(raw);
}

const iso = (t: number | null | undefined) => (t === null || t === undefined ? '' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const pct = (r: number | null) => (r === null ? 'n/a' : `${Math.round(r * 1000) / 10}%`);

function summary(ctx: CliContext): number {
  const store = openErrorStore(ctx, false);
  try {
    const s = store.statistics();
    ctx.out.json({ ok: true, statistics: s });
    const t = s.totals;
    ctx.out.line(`Issues   ${t.unresolved} unresolved, ${t.resolved} resolved, ${t.ignored} ignored (${t.issues} in all)`);
    ctx.out.line(`Events   ${t.events} seen, ${t.events24h} in the last 24 hours; ${t.storedEvents} stored, ${t.droppedEvents} only counted (flood control)`);
    if (s.retry) ctx.out.line(`Retries  ${pct(s.retry.successRate)} succeeded (${s.retry.recovered} of ${s.retry.retries}, last 30 days)`);
    ctx.out.line('');
    ctx.out.line(table(['SEVERITY', 'EVENTS', 'UNRESOLVED ISSUES'], [...SEVERITIES].reverse().map((k) => [k, s.bySeverity[k], s.unresolvedBySeverity[k]])));
    ctx.out.line('');
    ctx.out.line(table(['CATEGORY', 'EVENTS'], CATEGORIES.map((c) => [c, s.byCategory[c]])));
    if (s.byComponent.length > 0) {
      ctx.out.line('');
      ctx.out.line(table(['COMPONENT', 'EVENTS', 'UNRESOLVED'], s.byComponent.map((c) => [printable(c.component), c.events, c.unresolved])));
    }
    if (s.topIssues.length > 0) {
      ctx.out.line('');
      ctx.out.line('Top unresolved issues:');
      ctx.out.line(table(['ID', 'SEVERITY', 'COUNT', 'CODE', 'TITLE'], s.topIssues.map((i) => [i.id, i.severity, i.count, printable(i.code), printable(i.title)])));
    }
    return EXIT.ok;
  } finally {
    store.close();
  }
}

function list(ctx: CliContext): number {
  const store = openErrorStore(ctx, false);
  try {
    const now = Date.now();
    const filter = commonFilter(ctx, now);
    const page = { limit: intFlag(ctx, 'limit') ?? 50, offset: intFlag(ctx, 'offset') ?? 0 };
    if (ctx.flags.has('events')) {
      const p = store.listEvents(filter, page);
      ctx.out.json({ ok: true, events: p.items, hasMore: p.hasMore, offset: p.offset, limit: p.limit });
      if (p.items.length === 0) ctx.out.line('No events match.');
      else
        ctx.out.line(
          table(
            ['ID', 'TIME', 'SEVERITY', 'CODE', 'ISSUE', 'WHERE', 'MESSAGE'],
            p.items.map((e) => [e.id, iso(e.time), e.severity, printable(e.code), e.issueId, printable(e.task ?? e.migration ?? e.component), printable(e.message)]),
          ),
        );
      if (p.hasMore) ctx.out.line(`More: --offset ${p.offset + p.limit}`);
      return EXIT.ok;
    }
    const sortKey = stringFlag(ctx, 'sort') ?? 'lastSeen';
    if (!SORTS.includes(sortKey as IssueSortKey)) throw new UsageError(`--sort expects one of ${SORTS.join(', ')}`);
    const p = store.listIssues(filter, page, { key: sortKey as IssueSortKey, direction: ctx.flags.has('asc') ? 'asc' : 'desc' });
    ctx.out.json({ ok: true, issues: p.items.map(({ state: _state, ...i }) => i), total: p.total, offset: p.offset, limit: p.limit });
    if (p.items.length === 0) ctx.out.line('No issues match.');
    else {
      ctx.out.line(
        table(
          ['ID', 'STATUS', 'SEVERITY', 'COUNT', 'LAST SEEN', 'CODE', 'TITLE'],
          p.items.map((i) => [i.id, i.status === 'unresolved' || i.substatus === 'recovered' ? i.substatus : i.status, i.severity, i.count, iso(i.lastSeen), printable(i.code), printable(i.title)]),
        ),
      );
      ctx.out.line(`${p.offset + 1}-${p.offset + p.items.length} of ${p.total}${p.offset + p.items.length < p.total ? ` (more: --offset ${p.offset + p.limit})` : ''}`);
    }
    return EXIT.ok;
  } finally {
    store.close();
  }
}

function guidanceLines(g: Guidance): string[] {
  const lines = [`${g.code}: ${printable(g.title)}`, '', printable(g.explanation)];
  if (g.steps.length) lines.push('', 'What to do:', ...g.steps.map((s, i) => `  ${i + 1}. ${printable(s)}`));
  const actions = g.actions.map((a) => (a.kind === 'quickFix' ? `quick fix ${a.id}` : a.kind === 'openFile' ? `open ${a.path}${a.line ? `:${a.line}` : ''}` : a.kind));
  if (actions.length) lines.push('', `Actions: ${actions.join(', ')}`);
  return lines;
}

function show(ctx: CliContext): number {
  const id = idArg(ctx, 'show');
  const config = readErrorsConfig(ctx.cwd);
  const store = openErrorStore(ctx, false, config);
  try {
    const issue = store.getIssue(id);
    if (!issue) {
      ctx.out.error(`rebound: no issue ${id}`);
      ctx.out.json({ ok: false, error: { code: 'NOT_FOUND', message: `no issue ${id}` } });
      return EXIT.failed;
    }
    const events = store.listEvents({ issueId: id }, { limit: intFlag(ctx, 'limit') ?? 5 });
    const latest = events.items[0];
    const guidance = new GuidanceCatalog(config.rules).resolve(issue.code, latest ? { file: latest.file, line: latest.line } : undefined);
    const { state: _state, ...plain } = issue;
    ctx.out.json({ ok: true, issue: plain, events: events.items, guidance });
    const line = (label: string, value: string | number | null | undefined) => {
      if (value !== null && value !== undefined && value !== '') ctx.out.line(`${label.padEnd(11)} ${printable(String(value))}`);
    };
    line('Issue', issue.id);
    line('Title', issue.title);
    line('Status', issue.status === 'ignored' && issue.ignore ? `ignored (${ignoreText(issue.ignore)})` : `${issue.status} (${issue.substatus})`);
    line('Code', `${issue.code} (${issue.category}, ${issue.severity})`);
    line('Culprit', issue.culprit);
    line('Task', issue.task);
    line('Migration', issue.migration);
    line('Component', issue.component);
    line('Events', `${issue.count} seen, ${issue.storedCount} stored${issue.droppedCount ? `, ${issue.droppedCount} only counted (flood control)` : ''}`);
    line('First seen', iso(issue.firstSeen));
    line('Last seen', iso(issue.lastSeen));
    if (issue.resolvedAt) line('Resolved', `${iso(issue.resolvedAt)}${issue.resolvedBy ? ` by ${issue.resolvedBy}` : ''}`);
    ctx.out.line('');
    for (const l of guidanceLines(guidance)) ctx.out.line(l);
    if (events.items.length > 0) {
      ctx.out.line('');
      ctx.out.line('Latest events:');
      ctx.out.line(
        table(
          ['ID', 'TIME', 'ATTEMPT', 'EXIT', 'LOCATION', 'MESSAGE'],
          events.items.map((e) => [e.id, iso(e.time), e.attempt, e.exitCode ?? e.signal, e.file ? printable(`${e.file}${e.line ? `:${e.line}` : ''}`) : '', printable(e.message)]),
        ),
      );
      const last = events.items[0];
      if (last.evidence) line('Evidence', last.evidence);
    }
    return EXIT.ok;
  } finally {
    store.close();
  }
}

function ignoreText(ig: NonNullable<ReturnType<ErrorStore['getIssue']>>['ignore']): string {
  if (!ig) return '';
  if (ig.mode === 'count') return `for ${ig.remaining} more event(s)`;
  if (ig.mode === 'until') return `until ${iso(ig.until)}`;
  return 'forever';
}

function triage(ctx: CliContext, action: 'resolve' | 'ignore' | 'reopen'): number {
  const id = idArg(ctx, action);
  let condition: IgnoreCondition = { mode: 'forever' };
  if (action === 'ignore') {
    const count = intFlag(ctx, 'count');
    const untilText = stringFlag(ctx, 'until');
    const until = untilText === undefined ? undefined : Date.parse(untilText);
    if (untilText !== undefined && (!/^\d{4}-\d{2}-\d{2}/.test(untilText) || !Number.isFinite(until))) {
      throw new UsageError(`--until expects a date such as 2025-01-31 (or use --for 7d), got ${JSON.stringify(untilText)}`);
    }
    const forSpan = stringFlag(ctx, 'for');
    if ([count, until, forSpan].filter((v) => v !== undefined).length > 1) throw new UsageError('give at most one of --count N, --for SPAN, --until DATE');
    if (count !== undefined) {
      if (count < 1) throw new UsageError('--count expects at least 1');
      condition = { mode: 'count', count };
    } else if (until !== undefined) condition = { mode: 'until', until };
    else if (forSpan !== undefined) {
      const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(forSpan);
      if (!m) throw new UsageError(`--for expects a span such as 12h or 7d, got ${JSON.stringify(forSpan)}`);
      condition = { mode: 'until', until: Date.now() + Number(m[1]) * UNITS[m[2]] };
    }
  }
  const store = openErrorStore(ctx, false);
  try {
    const by = stringFlag(ctx, 'by');
    const issue = action === 'resolve' ? store.resolve(id, by ?? 'cli') : action === 'ignore' ? store.ignore(id, condition) : store.reopen(id);
    if (!issue) {
      ctx.out.error(`rebound: no issue ${id}`);
      ctx.out.json({ ok: false, error: { code: 'NOT_FOUND', message: `no issue ${id}` } });
      return EXIT.failed;
    }
    const { state: _state, ...plain } = issue;
    ctx.out.json({ ok: true, issue: plain });
    const what = action === 'ignore' ? `ignored ${ignoreText(issue.ignore)}` : action === 'resolve' ? 'resolved' : 'reopened';
    ctx.out.line(`Issue ${id} ${what}: ${printable(issue.title)}`);
    return EXIT.ok;
  } finally {
    store.close();
  }
}

async function exportCmd(ctx: CliContext): Promise<number> {
  const format = stringFlag(ctx, 'format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new UsageError(`--format expects json or csv, got ${JSON.stringify(format)}`);
  const output = stringFlag(ctx, 'output');
  const store = openErrorStore(ctx, false);
  try {
    const filter = commonFilter(ctx, Date.now());
    const sink = output ? createWriteStream(output) : process.stdout;
    let n = 0;
    for (const chunk of store.export(format, filter)) {
      if (ctx.signal.aborted) break;
      n++;
      // stdout's reader gone (`| head`): stop quietly, nothing is wrong with the export.
      if (!(await writeWithBackpressure(sink, chunk))) break;
    }
    if (output) {
      (sink as ReturnType<typeof createWriteStream>).end();
      await once(sink, 'close');
      ctx.out.error(`rebound: exported ${Math.max(0, n - (format === 'csv' ? 1 : 2))} event(s) to ${output}`);
    }
    return ctx.signal.aborted ? EXIT.failed : EXIT.ok;
  } finally {
    store.close();
  }
}

function clear(ctx: CliContext): number {
  const store = openErrorStore(ctx, false);
  try {
    const resolvedOnly = ctx.flags.has('resolved');
    const n = store.clear({ resolvedOnly });
    ctx.out.json({ ok: true, deletedIssues: n });
    ctx.out.line(`Deleted ${n} ${resolvedOnly ? 'resolved ' : ''}issue(s) and their events.`);
    return EXIT.ok;
  } finally {
    store.close();
  }
}

function guidance(ctx: CliContext): number {
  const code = ctx.args[1];
  const catalog = new GuidanceCatalog(readErrorsConfig(ctx.cwd).rules);
  if (code === undefined) {
    const all = catalog.codes().map((c) => catalog.get(c)!);
    ctx.out.json({ ok: true, guidance: all });
    ctx.out.line(table(['CODE', 'TITLE'], all.map((g) => [printable(g.code), printable(g.title)])));
    return EXIT.ok;
  }
  const g = catalog.get(code) ?? catalog.get(code.toUpperCase());
  if (!g) {
    ctx.out.error(`rebound: no guidance for ${printable(code)} (rebound errors guidance lists every code)`);
    ctx.out.json({ ok: false, error: { code: 'NOT_FOUND', message: `no guidance for ${code}` } });
    return EXIT.failed;
  }
  ctx.out.json({ ok: true, guidance: g });
  for (const l of guidanceLines(g)) ctx.out.line(l);
  return EXIT.ok;
}

function retention(ctx: CliContext): number {
  const config = readErrorsConfig(ctx.cwd);
  const store = openErrorStore(ctx, false, config);
  try {
    const days = intFlag(ctx, 'days');
    if (days !== undefined && days < 1) throw new UsageError('--days expects at least 1');
    const n = store.applyRetention(days);
    ctx.out.json({ ok: true, deletedEvents: n });
    ctx.out.line(`Deleted ${n} event(s) of resolved issues older than ${days ?? config.retention.days ?? 30} day(s).`);
    return EXIT.ok;
  } finally {
    store.close();
  }
}

const FILTER_FLAGS = ['status', 'severity', 'category', 'component', 'task', 'migration', 'code', 'text', 'since', 'until'];
const FILTERS = '[--status S,..|all] [--severity S,..] [--category C,..] [--component C] [--task T] [--migration M] [--code C] [--text T] [--since 24h] [--until DATE]';

export const errorsCommand: CliCommand = {
  name: 'errors',
  summary: 'Triage recorded errors: summary, list, show, export, resolve, ignore, reopen, clear, guidance',
  usage: [
    'rebound errors summary',
    `rebound errors list ${FILTERS} [--sort lastSeen|count|severity|title|firstSeen] [--asc] [--limit N] [--offset N] [--events]`,
    'rebound errors show ID [--limit N]',
    `rebound errors export [--format json|csv] [--output FILE] ${FILTERS}`,
    'rebound errors resolve ID [--by NAME]',
    'rebound errors ignore ID [--count N | --for 7d | --until DATE]',
    'rebound errors reopen ID',
    'rebound errors clear [--resolved]',
    'rebound errors retention [--days N]',
    'rebound errors guidance [CODE]',
  ],
  valueFlags: ['status', 'severity', 'category', 'component', 'task', 'migration', 'code', 'text', 'since', 'until', 'sort', 'limit', 'offset', 'format', 'output', 'by', 'count', 'for', 'days'],
  subcommands: {
    summary: {},
    list: { flags: [...FILTER_FLAGS, 'sort', 'asc', 'limit', 'offset', 'events'] },
    show: { flags: ['limit'], args: [1, 1] },
    export: { flags: [...FILTER_FLAGS, 'format', 'output'] },
    resolve: { flags: ['by'], args: [1, 1] },
    ignore: { flags: ['count', 'for', 'until'], args: [1, 1] },
    reopen: { args: [1, 1] },
    clear: { flags: ['resolved'] },
    retention: { flags: ['days'] },
    guidance: { args: [0, 1] },
  },
  async run(ctx) {
    const sub = ctx.args[0];
    switch (sub) {
      case 'summary':
        return summary(ctx);
      case 'list':
        return list(ctx);
      case 'show':
        return show(ctx);
      case 'export':
        return exportCmd(ctx);
      case 'resolve':
      case 'ignore':
      case 'reopen':
        return triage(ctx, sub);
      case 'clear':
        return clear(ctx);
      case 'retention':
        return retention(ctx);
      case 'guidance':
        return guidance(ctx);
      case undefined:
        throw new UsageError('errors expects a subcommand: summary, list, show, export, resolve, ignore, reopen, clear, retention, guidance');
      default:
        throw new UsageError(`unknown errors subcommand "${sub}"`);
    }
  },
};
