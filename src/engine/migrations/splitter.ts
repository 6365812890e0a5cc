import { tokenize, type Token } from './tokenizer';

/** One SQL statement found in a text. */
export interface SqlStatement {
  /** 0-based position among the statements of the text. */
  index: number;
  /** The statement as written, from its first significant token to its last (no trailing `;`). */
  text: string;
  /** Offset of the first significant character, relative to the start of the text given to the splitter (plus `baseOffset`). */
  start: number;
  /** Offset just past the last significant character (before the `;`). */
  end: number;
  /** Offset just past the terminating `;`, or `end` when the statement is not terminated. */
  endWithSemicolon: number;
  /** Tokens without spaces and comments. */
  tokens: Token[];
  /** False when the text ended without a `;` after this statement. */
  terminated: boolean;
}

export interface SplitProblem {
  message: string;
  start: number;
  end: number;
}

export interface SplitResult {
  statements: SqlStatement[];
  /** Unterminated strings, quoted identifiers, block comments or trigger bodies. */
  problems: SplitProblem[];
}

function upper(t: Token | undefined): string {
  return t && t.kind === 'word' ? t.text.toUpperCase() : '';
}

/**
 * Splits SQL text into statements at `;`, respecting strings, quoted identifiers, `--` and block
 * comments, and the `BEGIN ... END` body of `CREATE TRIGGER` (including `CASE ... END` inside it).
 * Comment-only pieces are dropped. Offsets are shifted by `baseOffset` so statements of a section
 * can be reported against the whole file.
 */
export function splitStatements(sql: string, baseOffset = 0): SplitResult {
  const tokens = tokenize(sql);
  const statements: SqlStatement[] = [];
  const problems: SplitProblem[] = [];
  let current: Token[] = [];
  // Trigger state for the statement being read.
  let trigger = false;
  let bodyDepth = 0;
  let bodyClosed = false;

  const shift = (t: Token): Token => (baseOffset === 0 ? t : { ...t, start: t.start + baseOffset, end: t.end + baseOffset });

  const flush = (semicolon: Token | undefined) => {
    if (current.length > 0) {
      const first = current[0];
      const last = current[current.length - 1];
      statements.push({
        index: statements.length,
        text: sql.slice(first.start, last.end),
        start: first.start + baseOffset,
        end: last.end + baseOffset,
        endWithSemicolon: (semicolon ? semicolon.end : last.end) + baseOffset,
        tokens: current.map(shift),
        terminated: semicolon !== undefined,
      });
    }
    current = [];
    trigger = false;
    bodyDepth = 0;
    bodyClosed = false;
  };

  for (const t of tokens) {
    if (t.closed === false) {
      const what = t.kind === 'comment' ? 'block comment' : t.kind === 'string' ? 'string' : 'quoted identifier';
      problems.push({ message: `Unterminated ${what}`, start: t.start + baseOffset, end: t.end + baseOffset });
    }
    if (t.kind === 'space' || t.kind === 'comment') continue;
    if (t.kind === 'punct' && t.text === ';') {
      if (trigger && !bodyClosed && bodyDepth > 0) {
        current.push(t);
        continue;
      }
      flush(t);
      continue;
    }
    current.push(t);
    if (current.length <= 4 && !trigger) {
      // CREATE [TEMP|TEMPORARY] TRIGGER
      const w = current.map(upper);
      if (w[0] === 'CREATE' && (w[1] === 'TRIGGER' || ((w[1] === 'TEMP' || w[1] === 'TEMPORARY') && w[2] === 'TRIGGER'))) trigger = true;
    }
    if (trigger && t.kind === 'word' && !bodyClosed) {
      const w = t.text.toUpperCase();
      if (w === 'BEGIN' && bodyDepth === 0) bodyDepth = 1;
      else if (bodyDepth > 0 && w === 'CASE') bodyDepth++;
      else if (bodyDepth > 0 && w === 'END') {
        bodyDepth--;
        if (bodyDepth === 0) bodyClosed = true;
      }
    }
  }
  if (current.length > 0) {
    if (trigger && bodyDepth > 0 && !bodyClosed) {
      const first = current[0];
      problems.push({ message: 'CREATE TRIGGER body has no matching END', start: first.start + baseOffset, end: current[current.length - 1].end + baseOffset });
    }
    flush(undefined);
  }
  return { statements, problems };
}
