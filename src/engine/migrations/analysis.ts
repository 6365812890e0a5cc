import { migrationChecksum, upChecksum } from './checksum';
import { parseMigrationFileName } from './fileName';
import { parseMigration, type ParsedMigration } from './sections';
import type { SqlStatement } from './splitter';
import { describeStatement, isDestructive, isSchemaNeutral, nonTransactionalReason, type StatementInfo } from './statements';
import { LineIndex, normalizeText, type TextRange } from './text';

/** Stable codes of the findings on a migration file (diagnostic codes in the editor). */
export const FINDING_CODES = {
  noDown: 'RB-MIGRATE-NO-DOWN',
  emptyDown: 'RB-MIGRATE-EMPTY-DOWN',
  nonTransactional: 'RB-MIGRATE-NON-TRANSACTIONAL',
  destructive: 'RB-MIGRATE-DESTRUCTIVE',
  modified: 'RB-MIGRATE-MODIFIED',
  fileName: 'RB-MIGRATE-FILE-NAME',
  syntax: 'RB-MIGRATE-SYNTAX',
} as const;

export type FindingCode = (typeof FINDING_CODES)[keyof typeof FINDING_CODES];

/** The quick fixes a finding offers (build them with the functions in quickFixes.ts, or `quickFixesFor`). */
export type QuickFixKind = 'insert-down-skeleton' | 'restore-applied' | 'move-to-no-transaction' | 'mark-no-transaction' | 'remove-statement';

export type FindingSeverity = 'error' | 'warning' | 'information' | 'hint';

export interface MigrationFinding {
  code: FindingCode;
  severity: FindingSeverity;
  message: string;
  /** 0-based lines and characters in the text given to the analysis (as in `vscode.Range`). */
  range: TextRange;
  fixes: QuickFixKind[];
  /** For statement findings: which section and statement (0-based index in that section). */
  section?: 'up' | 'down';
  statementIndex?: number;
  /** For RB-MIGRATE-MODIFIED: true when what the up section does is unchanged. */
  cosmetic?: boolean;
}

/** What the history says about an applied file (from the target database). */
export interface AppliedFileInfo {
  checksum: string;
  /** The applied file text (enables the restore quick fix). */
  source?: string;
  /** Lets the finding say whether the change is cosmetic. */
  upChecksum?: string;
}

function baseName(fileName: string): string {
  const parts = fileName.split(/[\\/]/);
  return parts[parts.length - 1];
}

/**
 * Everything the editor flags on a migration file: a missing (or empty) down section, statements
 * SQLite cannot run in a transaction in a transactional file, DROP TABLE / DROP COLUMN that the down
 * section does not restore, an applied file changed since, a file name Rebound ignores, and syntax
 * problems (unterminated strings, comments, trigger bodies; unknown or duplicate markers).
 */
export function analyzeMigrationFile(text: string, fileName: string, applied?: AppliedFileInfo): MigrationFinding[] {
  const findings: MigrationFinding[] = [];
  const lines = new LineIndex(text);
  const parsed = parseMigration(text);
  const firstLine: TextRange = lines.rangeOf(0, lines.lineEnd(0));
  const name = baseName(fileName);

  if (!parseMigrationFileName(name)) {
    findings.push({
      code: FINDING_CODES.fileName,
      severity: 'warning',
      message: `"${name}" is not named NNNN_name.sql, so Rebound does not run it.`,
      range: firstLine,
      fixes: [],
    });
  }

  for (const p of parsed.problems) {
    findings.push({ code: FINDING_CODES.syntax, severity: 'error', message: p.message, range: lines.rangeOf(p.start, p.end), fixes: [] });
  }

  // SQLite stops reading a statement at a NUL: the rest would be skipped while the file is recorded as applied.
  for (let at = text.indexOf('\0'), n = 0; at >= 0 && n < 20; at = text.indexOf('\0', at + 1), n++) {
    findings.push({
      code: FINDING_CODES.syntax,
      severity: 'error',
      message: 'A NUL character (U+0000): SQLite stops reading the statement here, so the SQL after it would be skipped silently. Rebound refuses to run this file until it is removed.',
      range: lines.rangeOf(at, at + 1),
      fixes: [],
    });
  }

  const upRange = parsed.up.marker ? lines.rangeOf(parsed.up.marker.start, parsed.up.marker.end) : firstLine;
  if (!parsed.down) {
    if (parsed.up.statements.length > 0) {
      findings.push({
        code: FINDING_CODES.noDown,
        severity: 'warning',
        message: 'This migration has no down section, so it cannot be rolled back.',
        range: upRange,
        fixes: ['insert-down-skeleton'],
      });
    }
  } else if (parsed.down.statements.length === 0 && parsed.up.statements.some((st) => !isSchemaNeutral(describeStatement(st)))) {
    const m = parsed.down.marker!;
    findings.push({
      code: FINDING_CODES.emptyDown,
      severity: 'information',
      message: 'The down section is empty: rolling this migration back changes nothing.',
      range: lines.rangeOf(m.start, m.end),
      fixes: ['insert-down-skeleton'],
    });
  }

  if (!parsed.noTransaction) {
    for (const section of ['up', 'down'] as const) {
      const s = parsed[section];
      if (!s) continue;
      for (const st of s.statements) {
        const info = describeStatement(st);
        const reason = nonTransactionalReason(info);
        if (!reason) continue;
        const fixes: QuickFixKind[] = [];
        if (info.kind === 'transaction') fixes.push('remove-statement');
        else if (section === 'up') fixes.push('move-to-no-transaction');
        fixes.push('mark-no-transaction');
        findings.push({
          code: FINDING_CODES.nonTransactional,
          severity: 'error',
          message: `${reason}; Rebound runs this file in a transaction and refuses it. Move the statement into its own migration marked "-- rebound:no-transaction", or mark this file so.`,
          range: lines.rangeOf(st.start, st.endWithSemicolon),
          fixes,
          section,
          statementIndex: st.index,
        });
      }
    }
  }

  for (const d of unrestoredDestructive(parsed)) {
    findings.push({
      code: FINDING_CODES.destructive,
      severity: 'warning',
      message: d.message,
      range: lines.rangeOf(d.statement.start, d.statement.endWithSemicolon),
      fixes: [],
      section: 'up',
      statementIndex: d.statement.index,
    });
  }

  if (applied && applied.checksum !== migrationChecksum(text)) {
    const cosmetic = applied.upChecksum !== undefined ? applied.upChecksum === upChecksum(parsed) : undefined;
    const line = applied.source !== undefined ? firstDifferentLine(applied.source, normalizeText(text)) : 0;
    const lineNo = Math.min(line, lines.lineCount - 1);
    findings.push({
      code: FINDING_CODES.modified,
      severity: cosmetic ? 'warning' : 'error',
      message:
        cosmetic === true
          ? 'This migration was already applied and has changed since, cosmetically (comments, whitespace or the down section). Restore the applied text, or accept the change: quick fix "Accept this cosmetic change" (the same as `rebound migrate repair`).'
          : 'This migration was already applied and has changed since: the database does not contain what this file says. Restore the applied text; to change the schema, add a new migration.',
      range: lines.rangeOf(lines.lineStart(lineNo), lines.lineEnd(lineNo)),
      fixes: applied.source !== undefined ? ['restore-applied'] : [],
      cosmetic,
    });
  }
  return findings;
}

function firstDifferentLine(a: string, b: string): number {
  const la = a.split('\n');
  const lb = b.split('\n');
  const n = Math.max(la.length, lb.length);
  for (let i = 0; i < n; i++) if (la[i] !== lb[i]) return i;
  return 0;
}

interface Described {
  statement: SqlStatement;
  info: StatementInfo;
}

/** A table (by id) with a column, or the table itself, recreated by the statements. */
function restores(statements: Described[], table: string, column?: string): boolean {
  for (let i = 0; i < statements.length; i++) {
    const { info } = statements[i];
    if (column !== undefined && info.kind === 'alter-add-column' && info.name?.id === table && info.column?.id === column) return true;
    if (info.kind === 'create-table' || info.kind === 'create-virtual-table') {
      const created = info.name?.id;
      const hasColumn = column === undefined || (info.columns ?? []).includes(column);
      if (created === table && hasColumn) return true;
      // A rebuild: CREATE TABLE new ...; ... ALTER TABLE new RENAME TO table.
      if (hasColumn && statements.slice(i + 1).some((d) => d.info.kind === 'alter-rename-table' && d.info.name?.id === created && d.info.newName?.id === table)) return true;
    }
    if (column === undefined && info.kind === 'alter-rename-table' && info.newName?.id === table) return true;
  }
  return false;
}

/** DROP TABLE / DROP COLUMN statements of the up section that neither the up section itself nor the down section puts back. */
export function unrestoredDestructive(parsed: ParsedMigration): Array<{ statement: SqlStatement; info: StatementInfo; message: string }> {
  const up: Described[] = parsed.up.statements.map((statement) => ({ statement, info: describeStatement(statement) }));
  const down: Described[] = (parsed.down?.statements ?? []).map((statement) => ({ statement, info: describeStatement(statement) }));
  const out: Array<{ statement: SqlStatement; info: StatementInfo; message: string }> = [];
  up.forEach((d, i) => {
    if (!isDestructive(d.info)) return;
    const table = d.info.name?.id;
    if (!table) return;
    const column = d.info.kind === 'alter-drop-column' ? d.info.column?.id : undefined;
    if (d.info.kind === 'alter-drop-column' && column === undefined) return;
    // Part of a rebuild inside the up section itself (the table or column comes back later).
    if (restores(up.slice(i + 1), table, column)) return;
    if (restores(down, table, column)) return;
    const what = column !== undefined ? `column ${d.info.column!.text} of ${d.info.name!.text}` : `table ${d.info.name!.text}`;
    const message = parsed.down
      ? `This drops ${what} and the down section does not recreate it: rolling back will not bring it (or its data) back.`
      : `This drops ${what} and there is no down section to recreate it.`;
    out.push({ ...d, message });
  });
  return out;
}
