/** The lexical pieces of SQLite SQL that matter for splitting and recognising statements. */
export type TokenKind =
  | 'word' // keyword, bare identifier, number, parameter
  | 'string' // '...'
  | 'quoted' // "...", `...`, [...] identifiers
  | 'comment' // -- ... and /* ... */
  | 'space'
  | 'punct'; // any other single character, `;` included

export interface Token {
  kind: TokenKind;
  /** The token's text as written. */
  text: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset just past the last character. */
  end: number;
  /** For strings, quoted identifiers and block comments: false when the source ended before the closing mark. */
  closed?: boolean;
}

/** Letters, digits, `_`, `$` and anything non-ASCII. */
function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 128;
}

function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Splits SQL into tokens; never throws (an unterminated string or comment runs to the end, `closed: false`). */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const code = sql.charCodeAt(i);
    const c = sql[i];
    if (isSpaceCode(code)) {
      while (i < n && isSpaceCode(sql.charCodeAt(i))) i++;
      tokens.push({ kind: 'space', text: sql.slice(start, i), start, end: i });
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n' && sql[i] !== '\r') i++;
      tokens.push({ kind: 'comment', text: sql.slice(start, i), start, end: i });
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      tokens.push({ kind: 'comment', text: sql.slice(start, i), start, end: i, closed: close >= 0 });
    } else if (c === "'" || c === '"' || c === '`') {
      let closed = false;
      i++;
      while (i < n) {
        const close = sql.indexOf(c, i);
        if (close < 0) {
          i = n;
          break;
        }
        if (sql[close + 1] === c) {
          i = close + 2;
          continue;
        }
        i = close + 1;
        closed = true;
        break;
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text: sql.slice(start, i), start, end: i, closed });
    } else if (c === '[') {
      const close = sql.indexOf(']', i + 1);
      i = close < 0 ? n : close + 1;
      tokens.push({ kind: 'quoted', text: sql.slice(start, i), start, end: i, closed: close >= 0 });
    } else if (isWordCode(code)) {
      while (i < n && isWordCode(sql.charCodeAt(i))) i++;
      tokens.push({ kind: 'word', text: sql.slice(start, i), start, end: i });
    } else {
      i++;
      tokens.push({ kind: 'punct', text: c, start, end: i });
    }
  }
  return tokens;
}

/** The identifier a word or quoted token names, unquoted and lower-cased (SQLite compares names case-insensitively). */
export function identifierOf(token: Token): string {
  if (token.kind === 'quoted') {
    const body = token.text.length >= 2 ? token.text.slice(1, token.closed === false ? undefined : -1) : '';
    const q = token.text[0];
    const unescaped = q === '[' ? body : body.split(q + q).join(q);
    return unescaped.toLowerCase();
  }
  if (token.kind === 'string') {
    // SQLite accepts a 'string' where an identifier is expected.
    return token.text.slice(1, token.closed === false ? undefined : -1).split("''").join("'").toLowerCase();
  }
  return token.text.toLowerCase();
}

/** True for a token that can name something (a bare word or a quoted identifier). */
export function isNameToken(token: Token | undefined): token is Token {
  return token !== undefined && (token.kind === 'word' || token.kind === 'quoted' || token.kind === 'string');
}
