import { parseMigration } from './sections';
import { LineIndex, type TextRange } from './text';

/** Where in its file a failed migration step stopped. */
export interface MigrationFailureLocation {
  section: 'up' | 'down';
  /** 0-based index of the failing statement in that section; undefined when no statement failed (a check after them). */
  statementIndex?: number;
  /** 0-based lines and characters in the file text. */
  range: TextRange;
}

/**
 * The statement a migration step failed at, from the runner's error message: "failed at statement
 * 2 of 3 (…)" gives index 1; undefined when the failure came after the statements (a foreign key
 * check, a transaction left open).
 */
export function failedStatementIndex(message: string): number | undefined {
  const m = /\bfailed at statement (\d+) of \d+/.exec(message);
  return m ? Number(m[1]) - 1 : undefined;
}

/**
 * The range of the failing statement of a migration file (its text with `;`), or, when no
 * statement failed or the file no longer has that statement, the marker line of the section
 * (the first line of a file without markers).
 */
export function locateMigrationFailure(text: string, section: 'up' | 'down', statementIndex: number | undefined): MigrationFailureLocation {
  const lines = new LineIndex(text);
  const parsed = parseMigration(text);
  const s = section === 'down' ? parsed.down : parsed.up;
  const statement = statementIndex !== undefined ? s?.statements[statementIndex] : undefined;
  if (statement) return { section, statementIndex, range: lines.rangeOf(statement.start, statement.endWithSemicolon) };
  const marker = s?.marker;
  const range = marker ? lines.rangeOf(marker.start, marker.end) : lines.rangeOf(0, lines.lineEnd(0));
  return { section, statementIndex: undefined, range };
}
