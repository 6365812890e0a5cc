import type { EventFilter, EventRepository, StoredEvent } from './events';

export type ExportFormat = 'json' | 'csv';

const CSV_COLUMNS: Array<keyof StoredEvent> = [
  'id', 'time', 'severity', 'category', 'code', 'component', 'task', 'step', 'migration', 'file', 'line', 'column',
  'command', 'exitCode', 'signal', 'durationMs', 'attempt', 'runId', 'issueId', 'fingerprint', 'rule', 'message',
  'evidence', 'details', 'resolution',
];

/**
 * One CSV field: quoted when needed, and a leading = + - @ (or tab/CR) prefixed with ' so a
 * spreadsheet never runs stored text as a formula.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? String(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Streams the events matching `filter` (oldest first) as JSON (one array, an object per event,
 * `time` also as ISO text) or CSV (a header and one row per event), chunk by chunk.
 */
export function* exportEvents(events: EventRepository, format: ExportFormat, filter: EventFilter = {}): Generator<string> {
  if (format === 'csv') {
    yield CSV_COLUMNS.join(',') + '\r\n';
    for (const e of events.iterate(filter)) yield CSV_COLUMNS.map((c) => csvField(c === 'time' ? new Date(e.time).toISOString() : e[c])).join(',') + '\r\n';
    return;
  }
  yield '[';
  let first = true;
  for (const e of events.iterate(filter)) {
    yield (first ? '\n  ' : ',\n  ') + JSON.stringify({ ...e, timeIso: new Date(e.time).toISOString() });
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}
