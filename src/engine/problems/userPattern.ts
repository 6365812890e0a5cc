import { ConfigurationError } from '../errors';
import type { ProblemPattern } from '../tasks/definition';
import { position, problem, toSeverity, type Emit, type LineMatcher } from './matcher';

const GROUP_FIELDS = ['file', 'line', 'column', 'endLine', 'endColumn', 'severity', 'code', 'message'] as const;

/**
 * A user's pattern from `problems` in .rebound/config.json: one regular expression per line, with
 * the capture group numbers of each field. A bad pattern (invalid regexp, a group number the
 * regexp does not have) is a ConfigurationError naming the pattern and the field.
 */
export function userPatternMatcher(pattern: ProblemPattern, index: number): LineMatcher {
  const name = pattern.name ?? `pattern ${index + 1}`;
  const where = `problems[${index}]${pattern.name ? ` ("${pattern.name}")` : ''}`;
  if (typeof pattern.regexp !== 'string' || pattern.regexp === '') {
    throw new ConfigurationError(`${where}.regexp: a regular expression is required`);
  }
  let regexp: RegExp;
  try {
    regexp = new RegExp(pattern.regexp);
  } catch (err) {
    throw new ConfigurationError(`${where}.regexp: invalid regular expression: ${(err as Error).message}`, { cause: err });
  }
  // The number of capture groups: an alternative that matches the empty string reveals them all.
  const groups = (new RegExp(`${pattern.regexp}|`).exec('') ?? ['']).length - 1;
  for (const field of GROUP_FIELDS) {
    const n = pattern[field];
    if (n === undefined && field !== 'file' && field !== 'line' && field !== 'message') continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > groups) {
      throw new ConfigurationError(
        `${where}.${field}: expected a capture group number from 1 to ${groups}, got ${JSON.stringify(n)}`,
      );
    }
  }
  const fallback = pattern.defaultSeverity ?? 'error';
  return {
    name,
    line(text: string, emit: Emit): void {
      const m = regexp.exec(text);
      if (!m) return;
      const file = m[pattern.file]?.trim();
      const line = position(m[pattern.line]);
      const message = m[pattern.message];
      if (!file || line === undefined || message === undefined) return;
      const severity = pattern.severity !== undefined ? toSeverity(m[pattern.severity], fallback) : fallback;
      const code = pattern.code !== undefined ? m[pattern.code] : undefined;
      const p = problem(name, file, line, pattern.column !== undefined ? position(m[pattern.column]) : undefined, severity, message, code);
      const endLine = pattern.endLine !== undefined ? position(m[pattern.endLine]) : undefined;
      const endColumn = pattern.endColumn !== undefined ? position(m[pattern.endColumn]) : undefined;
      if (endLine !== undefined) p.endLine = endLine;
      if (endColumn !== undefined) p.endColumn = endColumn;
      emit(p);
    },
    end(): void {},
  };
}
