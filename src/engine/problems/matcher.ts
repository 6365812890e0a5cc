import type { Problem } from '../tasks/definition';

/** Receives each problem a matcher finds. */
export type Emit = (problem: Problem) => void;

/**
 * Reads output one line at a time (ANSI codes and line endings already removed) and emits the
 * problems it recognises. Matchers that span lines (tracebacks, eslint's stylish blocks) keep
 * their own small state; `end` flushes whatever is still pending when the output stops.
 */
export interface LineMatcher {
  readonly name: string;
  line(text: string, emit: Emit): void;
  end(emit: Emit): void;
}

/** "error", "fatal error", "warning", "note"... to a problem severity; unknown words are errors. */
export function toSeverity(word: string | undefined, fallback: Problem['severity'] = 'error'): Problem['severity'] {
  if (word === undefined || word === '') return fallback;
  const w = word.trim().toLowerCase();
  if (w.startsWith('warn')) return 'warning';
  if (w === 'info' || w === 'information' || w === 'note' || w === 'hint' || w === 'message' || w === 'remark' || w === 'help') return 'info';
  return 'error';
}

/** A 1-based position from printed digits; 0 (eslint's "file-level") becomes 1. */
export function position(digits: string | undefined): number | undefined {
  if (digits === undefined || digits === '') return undefined;
  const n = Number.parseInt(digits, 10);
  if (!Number.isFinite(n) || n < 0 || n > 0x7fffffff) return undefined;
  return Math.max(1, n);
}

/** Builds a problem, leaving out the optional fields that are absent. */
export function problem(
  matcher: string,
  file: string,
  line: number,
  column: number | undefined,
  severity: Problem['severity'],
  message: string,
  toolCode?: string,
): Problem {
  const p: Problem = { file, line, severity, message: message.trim(), matcher };
  if (column !== undefined) p.column = column;
  if (toolCode) p.toolCode = toolCode;
  return p;
}
