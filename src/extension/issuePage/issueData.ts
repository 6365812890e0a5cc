import type { GuidanceCatalog } from '../../engine/guidance';
import type { StoredEvent } from '../../store/events';
import type { Issue } from '../../store/issues';
import type { IssueEventView, IssuePageData } from '../../shared/protocol';
import type { StoreHandles } from '../session';

const DAY = 86_400_000;
const EVENTS = 50;
/** Events read to draw "events over time" (the newest ones; the issue's count covers the rest). */
const HISTORY = 1000;
const DAYS = 14;
const OUTPUT_LINES = 40;

/**
 * Everything the issue page shows about one issue, read from the store: the issue, its latest
 * events, the tail of what the failing work printed, its evidence and its guidance. Undefined when
 * the issue does not exist (deleted or cleared since).
 */
export function issuePageData(h: StoreHandles, issueId: number, catalog: GuidanceCatalog, trusted: boolean, now = Date.now()): IssuePageData | undefined {
  const issue = h.errors.getIssue(issueId);
  if (!issue) return undefined;
  const recent = h.errors.listEvents({ issueId }, { limit: HISTORY }).items;
  const latest = recent[0];
  const g = catalog.get(issue.code);
  return {
    generatedAt: now,
    issue: {
      id: issue.id,
      title: issue.title,
      culprit: issue.culprit,
      code: issue.code,
      category: issue.category,
      severity: issue.severity,
      status: issue.status,
      substatus: issue.substatus,
      component: issue.component,
      task: issue.task,
      migration: issue.migration,
      firstSeen: issue.firstSeen,
      lastSeen: issue.lastSeen,
      count: issue.count,
    },
    evidence: evidenceOf(issue, latest),
    output: outputOf(latest),
    events: recent.slice(0, EVENTS).map(toView),
    daily: daily(recent, now),
    guidance: g ? { code: g.code, title: g.title, explanation: g.explanation, steps: [...g.steps] } : null,
    actions: {
      resolve: issue.status !== 'resolved',
      ignore: issue.status !== 'ignored',
      reopen: issue.status !== 'unresolved',
      retry: trusted && !!(issue.task || issue.migration) && issue.category !== 'permanent' && issue.category !== 'business',
      openSource: recent.some((e) => !!e.file),
    },
    trusted,
  };
}

/** The first event of the issue that names a file, for "Open Source Location". */
export function sourceLocation(h: StoreHandles, issueId: number): { file: string; line: number | null; column: number | null } | undefined {
  const e = h.errors.listEvents({ issueId }, { limit: HISTORY }).items.find((x) => !!x.file);
  return e?.file ? { file: e.file, line: e.line, column: e.column } : undefined;
}

function toView(e: StoredEvent): IssueEventView {
  return {
    id: e.id,
    time: e.time,
    severity: e.severity,
    code: e.code,
    message: e.message,
    attempt: e.attempt,
    task: e.task,
    step: e.step,
    file: e.file,
    line: e.line,
    column: e.column,
  };
}

/**
 * What points at the cause: the issue's own evidence fields when the store has them, else what the
 * latest event recorded (the rule or text that classified it, the command and its exit, the place).
 */
function evidenceOf(issue: Issue, e: StoredEvent | undefined): string[] {
  const own = (issue as Issue & { evidence?: unknown }).evidence;
  if (Array.isArray(own)) return own.filter((x): x is string => typeof x === 'string');
  if (typeof own === 'string' && own.trim()) return own.split('\n');
  if (!e) return [];
  const lines: string[] = [];
  if (e.evidence) lines.push(`Matched: ${e.evidence}`);
  if (e.rule) lines.push(`Classified by: ${e.rule}`);
  if (e.command) lines.push(`Command: ${e.command}`);
  if (e.exitCode !== null) lines.push(`Exit code: ${e.exitCode}${e.signal ? ` (${e.signal})` : ''}`);
  else if (e.signal) lines.push(`Signal: ${e.signal}`);
  if (e.task) lines.push(`Task: ${e.task}${e.step ? `, step ${e.step}` : ''}${e.attempt ? `, attempt ${e.attempt}` : ''}`);
  if (e.migration) lines.push(`Migration: ${e.migration}`);
  if (e.file) lines.push(`Location: ${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ''}` : ''}`);
  if (e.durationMs !== null) lines.push(`Duration: ${(e.durationMs / 1000).toFixed(1)} s`);
  return lines;
}

/** The tail of the latest event's captured output (details), else its message and stack. */
function outputOf(e: StoredEvent | undefined): IssuePageData['output'] {
  if (!e) return { text: '', truncated: false, eventId: null };
  const text = e.details ?? [e.message, e.stack].filter(Boolean).join('\n');
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  return { text: lines.slice(-OUTPUT_LINES).join('\n'), truncated: lines.length > OUTPUT_LINES, eventId: e.id };
}

function daily(events: readonly StoredEvent[], now: number): IssuePageData['daily'] {
  const today = now - (now % DAY);
  const first = today - (DAYS - 1) * DAY;
  const out = Array.from({ length: DAYS }, (_, i) => ({ start: first + i * DAY, count: 0 }));
  for (const e of events) {
    const i = Math.floor((e.time - first) / DAY);
    if (i >= 0 && i < DAYS) out[i].count++;
  }
  return out;
}
