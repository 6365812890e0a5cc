import { splitStatements, type SplitProblem, type SqlStatement } from './splitter';

export type MarkerKind = 'up' | 'down' | 'no-transaction';

/** A `-- rebound:...` (or `-- migrate:...`) line. */
export interface SectionMarker {
  kind: MarkerKind;
  /** 'rebound' or 'migrate' (the dbmate-style spelling). */
  dialect: 'rebound' | 'migrate';
  /** Offset of the line's first character and just past its last (before the line break). */
  start: number;
  end: number;
}

/** One section of a migration file. Offsets are into the whole file text. */
export interface MigrationSection {
  /** The section's SQL exactly as written (between its marker line and the next section marker). */
  sql: string;
  start: number;
  end: number;
  statements: SqlStatement[];
  /** The marker that opens it; undefined for an up section without a marker (a file with no markers). */
  marker?: SectionMarker;
}

export interface ParsedMigration {
  up: MigrationSection;
  /** Undefined when the file has no down marker. */
  down?: MigrationSection;
  /** The file opted out of the transaction (`-- rebound:no-transaction` or `-- migrate:up transaction:false`). */
  noTransaction: boolean;
  markers: SectionMarker[];
  /** Duplicate or unknown markers, unterminated strings, comments or trigger bodies. */
  problems: SplitProblem[];
}

const MARKER = /^[ \t]*--[ \t]*(rebound|migrate)[ \t]*:[ \t]*([A-Za-z-]+)(.*)$/i;

/**
 * Reads the sections of a migration file: `-- rebound:up` / `-- rebound:down` (or `-- migrate:up` /
 * `-- migrate:down`) and the `-- rebound:no-transaction` opt-out. A file without any up or down
 * marker is all up. Works on the text as given (CRLF and BOM included), so offsets match the editor.
 */
export function parseMigration(text: string): ParsedMigration {
  const markers: SectionMarker[] = [];
  const problems: SplitProblem[] = [];
  let noTransaction = false;
  const lineRe = /[^\r\n]*(\r\n|\r|\n|$)/g;
  let m: RegExpExecArray | null;
  while ((m = lineRe.exec(text)) !== null) {
    if (m[0] === '') break;
    const lineStart = m.index;
    const lineText = m[0].slice(0, m[0].length - m[1].length);
    const lineEnd = lineStart + lineText.length;
    const mm = MARKER.exec(lineText.startsWith('\uFEFF') ? lineText.slice(1) : lineText);
    if (!mm) continue;
    const dialect = mm[1].toLowerCase() as 'rebound' | 'migrate';
    const word = mm[2].toLowerCase();
    const rest = mm[3];
    const start = lineStart + (lineText.startsWith('\uFEFF') ? 1 : 0);
    if (word === 'up' || word === 'down') {
      markers.push({ kind: word, dialect, start, end: lineEnd });
      if (word === 'up' && /\btransaction[ \t]*:[ \t]*false\b/i.test(rest)) noTransaction = true;
    } else if (word === 'no-transaction' || word === 'notransaction') {
      markers.push({ kind: 'no-transaction', dialect, start, end: lineEnd });
      noTransaction = true;
    } else {
      problems.push({ message: `Unknown marker "${dialect}:${word}" (expected up, down or no-transaction)`, start, end: lineEnd });
    }
  }

  const sectionMarkers = markers.filter((k) => k.kind !== 'no-transaction');
  for (const kind of ['up', 'down'] as const) {
    const all = sectionMarkers.filter((k) => k.kind === kind);
    for (const extra of all.slice(1)) problems.push({ message: `Duplicate "${kind}" marker: only the first one counts`, start: extra.start, end: extra.end });
  }
  const upMarker = sectionMarkers.find((k) => k.kind === 'up');
  const downMarker = sectionMarkers.find((k) => k.kind === 'down');

  const sectionAfter = (marker: SectionMarker): MigrationSection => {
    const bodyStart = afterLineBreak(text, marker.end);
    const next = sectionMarkers.find((k) => k.start > marker.start && k.kind !== marker.kind);
    const bodyEnd = next ? next.start : text.length;
    return section(text, bodyStart, Math.max(bodyStart, bodyEnd), marker, problems);
  };

  let up: MigrationSection;
  if (upMarker) up = sectionAfter(upMarker);
  else {
    const start = text.startsWith('\uFEFF') ? 1 : 0;
    up = section(text, start, downMarker ? downMarker.start : text.length, undefined, problems);
  }
  const down = downMarker ? sectionAfter(downMarker) : undefined;
  return { up, down, noTransaction, markers, problems };
}

function afterLineBreak(text: string, offset: number): number {
  if (text[offset] === '\r' && text[offset + 1] === '\n') return offset + 2;
  if (text[offset] === '\n' || text[offset] === '\r') return offset + 1;
  return offset;
}

function section(text: string, start: number, end: number, marker: SectionMarker | undefined, problems: SplitProblem[]): MigrationSection {
  const sql = text.slice(start, end);
  const split = splitStatements(sql, start);
  problems.push(...split.problems);
  return { sql, start, end, statements: split.statements, marker };
}
