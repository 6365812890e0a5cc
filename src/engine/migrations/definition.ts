import { migrationChecksum, upChecksum } from './checksum';
import { parseMigrationFileName } from './fileName';
import { parseMigration, type ParsedMigration } from './sections';
import { describeStatement, nonTransactionalReason } from './statements';
import { normalizeText } from './text';

/** A statement SQLite cannot run inside a transaction. */
export interface NonTransactionalStatement {
  section: 'up' | 'down';
  index: number;
  sql: string;
  reason: string;
}

/** A migration file, read and checked: what the runner applies. */
export interface MigrationDefinition {
  version: number;
  versionText: string;
  name: string;
  fileName: string;
  /** The file text with BOM and CR removed (what the checksum covers, and what history keeps). */
  source: string;
  checksum: string;
  /** Checksum of what the up section does (see `upChecksum`). */
  upChecksum: string;
  /** The up statements, as written, without their `;`. */
  up: string[];
  /** The down statements; undefined when the file has no down section. */
  down: string[] | undefined;
  noTransaction: boolean;
  /** Statements that cannot run in a transaction (a problem only when the file does not opt out). */
  nonTransactional: NonTransactionalStatement[];
  /** Parse problems (unknown or duplicate markers, unterminated strings, comments or triggers). */
  problems: string[];
  parsed: ParsedMigration;
}

/** Reads a migration file; undefined when the name is not `NNNN_name.sql`. */
export function defineMigration(fileName: string, text: string): MigrationDefinition | undefined {
  const name = parseMigrationFileName(fileName);
  if (!name) return undefined;
  const source = normalizeText(text);
  const parsed = parseMigration(source);
  const nonTransactional: NonTransactionalStatement[] = [];
  for (const section of ['up', 'down'] as const) {
    const s = parsed[section];
    if (!s) continue;
    for (const st of s.statements) {
      const reason = nonTransactionalReason(describeStatement(st));
      if (reason) nonTransactional.push({ section, index: st.index, sql: st.text, reason });
    }
  }
  return {
    version: name.version,
    versionText: name.versionText,
    name: name.name,
    fileName,
    source,
    checksum: migrationChecksum(source),
    upChecksum: upChecksum(parsed),
    up: parsed.up.statements.map((s) => s.text),
    down: parsed.down ? parsed.down.statements.map((s) => s.text) : undefined,
    noTransaction: parsed.noTransaction,
    nonTransactional,
    problems: parsed.problems.map((p) => p.message),
    parsed,
  };
}

/** Joins statements back into a script (each ends with `;` on its own line). */
export function joinStatements(statements: readonly string[]): string {
  return statements.map((s) => `${s};`).join('\n');
}
