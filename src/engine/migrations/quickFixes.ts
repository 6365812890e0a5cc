import type { AppliedFileInfo, MigrationFinding, QuickFixKind } from './analysis';
import { formatMigrationFileName, parseMigrationFileName } from './fileName';
import { parseMigration } from './sections';
import type { SqlStatement } from './splitter';
import { describeStatement, inverseStatement } from './statements';
import { LineIndex, lineEndingOf, type TextEdit } from './text';

/** A quick fix as plain data: edits to the file, and possibly a new file to create next to it. */
export interface QuickFix {
  kind: QuickFixKind;
  title: string;
  /** Set only when the fix fully removes the finding it is offered for. */
  isPreferred: boolean;
  /** Edits to the file the finding is on (0-based line/character ranges of the text given). */
  edits: TextEdit[];
  /** A migration file to create in the same folder. */
  newFile?: { fileName: string; text: string };
}

/**
 * Adds a down section (or fills an empty one) with the inverse of the up statements, last first:
 * CREATE TABLE/INDEX/VIEW/TRIGGER -> DROP, ADD COLUMN -> DROP COLUMN, RENAME -> RENAME back. A
 * statement with no derivable inverse gets a comment saying so. Undefined when the down section
 * already has statements.
 */
export function buildDownSkeletonFix(text: string): QuickFix | undefined {
  const parsed = parseMigration(text);
  if (parsed.down && parsed.down.statements.length > 0) return undefined;
  const eol = lineEndingOf(text);
  const lines = new LineIndex(text);
  const body: string[] = [];
  let complete = true;
  for (const st of [...parsed.up.statements].reverse()) {
    const inverse = inverseStatement(describeStatement(st));
    if (inverse) body.push(`${inverse};`);
    else {
      complete = false;
      body.push(`-- Rebound could not derive the inverse of: ${oneLine(st.text)}`);
    }
  }
  const dialect = parsed.up.marker?.dialect ?? 'rebound';
  const edits: TextEdit[] = [];
  if (parsed.down) {
    const m = parsed.down.marker!;
    const at = lines.positionAt(m.end);
    edits.push({ range: { start: at, end: at }, newText: eol + body.join(eol) });
  } else {
    if (!parsed.up.marker) {
      const top = { line: 0, character: 0 };
      edits.push({ range: { start: top, end: top }, newText: `-- ${dialect}:up${eol}` });
    }
    const end = lines.positionAt(text.length);
    const lead = text.length === 0 || /[\r\n]$/.test(text) ? '' : eol;
    edits.push({ range: { start: end, end }, newText: `${lead}${eol}-- ${dialect}:down${eol}${body.join(eol)}${eol}` });
  }
  return {
    kind: 'insert-down-skeleton',
    title: complete ? 'Add a down section that undoes the up section' : 'Add a down section skeleton (some statements need a hand-written inverse)',
    isPreferred: complete,
    edits,
  };
}

/** Replaces the whole file with the text that was applied (keeping the file's line endings). */
export function buildRestoreAppliedFix(text: string, appliedSource: string): QuickFix {
  const eol = lineEndingOf(text);
  const lines = new LineIndex(text);
  const restored = eol === '\r\n' ? appliedSource.replace(/\n/g, '\r\n') : appliedSource;
  return {
    kind: 'restore-applied',
    title: 'Restore the file to the text that was applied',
    isPreferred: true,
    edits: [{ range: lines.rangeOf(0, text.length), newText: restored }],
  };
}

/** Marks the whole file `-- rebound:no-transaction` (its statements then run one by one, each committed). */
export function buildMarkNoTransactionFix(text: string): QuickFix | undefined {
  const parsed = parseMigration(text);
  if (parsed.noTransaction) return undefined;
  const top = { line: 0, character: 0 };
  return {
    kind: 'mark-no-transaction',
    title: 'Run this whole migration outside a transaction (-- rebound:no-transaction)',
    isPreferred: false,
    edits: [{ range: { start: top, end: top }, newText: `-- rebound:no-transaction${lineEndingOf(text)}` }],
  };
}

/** The edit deleting a statement (and its `;`), and its whole line(s) when nothing else is on them. */
function removalEdit(text: string, st: SqlStatement): TextEdit {
  const lines = new LineIndex(text);
  let start = st.start;
  let end = st.endWithSemicolon;
  const startPos = lines.positionAt(start);
  const endPos = lines.positionAt(end);
  const before = text.slice(lines.lineStart(startPos.line), start);
  const after = text.slice(end, lines.lineEnd(endPos.line));
  if (before.trim() === '' && after.trim() === '') {
    start = lines.lineStart(startPos.line);
    end = lines.lineEndWithBreak(endPos.line);
  }
  return { range: lines.rangeOf(start, end), newText: '' };
}

/** Deletes a BEGIN/COMMIT/END/ROLLBACK statement: Rebound already runs the file in a transaction. */
export function buildRemoveStatementFix(text: string, section: 'up' | 'down', statementIndex: number): QuickFix | undefined {
  const st = parseMigration(text)[section]?.statements[statementIndex];
  if (!st) return undefined;
  return {
    kind: 'remove-statement',
    title: `Remove "${oneLine(st.text)}" (Rebound runs the migration in a transaction)`,
    isPreferred: describeStatement(st).kind === 'transaction',
    edits: [removalEdit(text, st)],
  };
}

/**
 * Moves an up statement into a new migration marked `-- rebound:no-transaction`: the new file
 * takes the next version if it is free (else one past the highest existing), and the statement is
 * removed from this file. `existingFileNames` are the other files in the migrations folder.
 */
export function buildMoveToNoTransactionFix(text: string, fileName: string, statementIndex: number, existingFileNames: readonly string[]): QuickFix | undefined {
  const parsed = parseMigration(text);
  const st = parsed.up.statements[statementIndex];
  if (!st) return undefined;
  const own = parseMigrationFileName(baseName(fileName));
  const versions = new Set(existingFileNames.map((f) => parseMigrationFileName(baseName(f))?.version).filter((v): v is number => v !== undefined));
  if (own) versions.add(own.version);
  const width = own?.versionText.length ?? 4;
  let version = own ? own.version + 1 : Math.max(0, ...versions) + 1;
  if (versions.has(version)) version = Math.max(...versions) + 1;
  const info = describeStatement(st);
  const slug = info.kind === 'pragma' ? `pragma_${info.name?.id ?? 'statement'}` : info.kind;
  const newName = formatMigrationFileName(version, slug, width);
  const eol = lineEndingOf(text);
  const inverse = inverseStatement(info);
  const newText = [
    '-- rebound:no-transaction',
    '-- rebound:up',
    `${st.text};`,
    '',
    '-- rebound:down',
    inverse ? `${inverse};` : `-- ${oneLine(st.text)} changes no schema object, so there is nothing to undo.`,
    '',
  ].join(eol);
  return {
    kind: 'move-to-no-transaction',
    title: `Move "${oneLine(st.text)}" into its own no-transaction migration ${newName}`,
    isPreferred: true,
    edits: [removalEdit(text, st)],
    newFile: { fileName: newName, text: newText },
  };
}

export interface QuickFixContext {
  applied?: AppliedFileInfo;
  /** The other files in the migrations folder (for the move fix's new version). */
  existingFileNames?: readonly string[];
}

/** Every quick fix a finding from `analyzeMigrationFile` offers, built for `text`. */
export function quickFixesFor(finding: MigrationFinding, text: string, fileName: string, context: QuickFixContext = {}): QuickFix[] {
  const out: QuickFix[] = [];
  for (const kind of finding.fixes) {
    let fix: QuickFix | undefined;
    if (kind === 'insert-down-skeleton') fix = buildDownSkeletonFix(text);
    else if (kind === 'restore-applied' && context.applied?.source !== undefined) fix = buildRestoreAppliedFix(text, context.applied.source);
    else if (kind === 'mark-no-transaction') fix = buildMarkNoTransactionFix(text);
    else if (kind === 'move-to-no-transaction' && finding.statementIndex !== undefined) {
      fix = buildMoveToNoTransactionFix(text, fileName, finding.statementIndex, context.existingFileNames ?? []);
    } else if (kind === 'remove-statement' && finding.statementIndex !== undefined) {
      fix = buildRemoveStatementFix(text, finding.section ?? 'up', finding.statementIndex);
    }
    if (fix) out.push(fix);
  }
  return out;
}

/** Applies text edits to a string (for tests and for the CLI; the editor applies them itself). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineIndex(text);
  const sorted = edits
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 60 ? s.slice(0, 59) + '…' : s;
}

function baseName(fileName: string): string {
  const parts = fileName.split(/[\\/]/);
  return parts[parts.length - 1];
}
