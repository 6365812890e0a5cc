import { createHash } from 'node:crypto';
import { parseMigration, type ParsedMigration } from './sections';
import { normalizeText } from './text';
import type { SqlStatement } from './splitter';
import { identifierOf, type Token } from './tokenizer';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The checksum of a migration file: SHA-256 of the text with the BOM removed and line endings
 * turned into LF, so a checkout with other line endings does not look modified.
 */
export function migrationChecksum(text: string): string {
  return sha256(normalizeText(text));
}

/**
 * A statement with comments dropped, whitespace collapsed, words lower-cased and simple quoted
 * identifiers unquoted (`"Users"` reads as `users`); string literals are kept as written.
 */
export function canonicalStatement(statement: SqlStatement | readonly Token[]): string {
  return canonicalTokens('tokens' in statement ? statement.tokens : statement);
}

const SIMPLE_NAME = /^[a-z_][a-z0-9_$]*$/;

export function canonicalTokens(tokens: readonly Token[]): string {
  let out = '';
  let prev = '';
  for (const t of tokens) {
    if (t.kind === 'space' || t.kind === 'comment') continue;
    let text: string;
    if (t.kind === 'word') text = t.text.toLowerCase();
    else if (t.kind === 'quoted') {
      const id = identifierOf(t);
      text = SIMPLE_NAME.test(id) ? id : '"' + id.split('"').join('""') + '"';
    } else text = t.text;
    // One space only between two tokens that would otherwise merge.
    if (prev !== '' && /[\w$"'\]`]$/.test(prev) && /^[\w$"'[`]/.test(text)) out += ' ';
    else if (prev !== '' && t.kind === 'punct' && /[-/*+<>=!|&]$/.test(prev) && /^[-/*+<>=!|&]/.test(text)) out += ' ';
    out += text;
    prev = text;
  }
  return out;
}

/** The canonical form of a section's statements (see {@link canonicalStatement}), one per line. */
export function canonicalSql(statements: readonly SqlStatement[]): string {
  return statements.map((s) => canonicalStatement(s) + ';').join('\n');
}

/**
 * The checksum of what the up section does: the same for two files whose up sections differ only
 * in comments, whitespace, keyword case or the down section. `repair` accepts a change that keeps it.
 */
export function upChecksum(parsed: ParsedMigration | string): string {
  const p = typeof parsed === 'string' ? parseMigration(parsed) : parsed;
  return sha256(`${p.noTransaction ? 'no-transaction' : 'transaction'}\n${canonicalSql(p.up.statements)}`);
}
