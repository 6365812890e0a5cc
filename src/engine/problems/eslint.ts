import { position, problem, toSeverity, type Emit, type LineMatcher } from './matcher';

// `  12:5   error    'x' is assigned a value but never used  no-unused-vars`
const ROW = /^\s+(\d+):(\d+)\s+(error|warning)\s+(\S.*)$/;
// `/abs/src/a.js:12:5: 'x' is defined but never used. [Error/no-unused-vars]`
const UNIX = /^(\S.*?):(\d+):(\d+): (.*)$/;
const UNIX_TAIL = /\s\[(Error|Warning)(?:\/([^\]\s]+))?\]$/;

/**
 * eslint's default "stylish" format: the file's path on a line of its own, then one indented
 * row per problem (`line:col  severity  message  rule-id`), then a blank line.
 */
export function eslintStylishMatcher(name = 'eslint'): LineMatcher {
  let file: string | undefined;
  return {
    name,
    line(text: string, emit: Emit): void {
      if (text.trim() === '') {
        file = undefined;
        return;
      }
      if (!/^\s/.test(text)) {
        // A path line (or a summary like "✖ 2 problems", which no row follows).
        file = text.trim();
        return;
      }
      if (file === undefined) return;
      const m = ROW.exec(text);
      if (!m) return;
      const line = position(m[1]);
      if (line === undefined) return;
      const { message, rule } = splitRule(m[4]);
      emit(problem(name, file, line, position(m[2]), toSeverity(m[3]), message, rule));
    },
    end(): void {
      file = undefined;
    },
  };
}

/**
 * The message and rule columns of a stylish row: the rule is the last run of non-space characters
 * after two or more spaces (columns are padded). Parse errors have no rule.
 */
function splitRule(rest: string): { message: string; rule?: string } {
  const trimmed = rest.trimEnd();
  const gap = trimmed.lastIndexOf('  ');
  if (gap < 0) return { message: trimmed };
  const rule = trimmed.slice(gap + 2).trim();
  if (rule === '' || /\s/.test(rule)) return { message: trimmed };
  return { message: trimmed.slice(0, gap).trim(), rule };
}

/** eslint `--format unix`: `file:line:col: message [Severity/rule-id]`. */
export function eslintUnixMatcher(name = 'eslint-unix'): LineMatcher {
  return {
    name,
    line(text: string, emit: Emit): void {
      if (!text.endsWith(']')) return;
      const m = UNIX.exec(text);
      if (!m) return;
      const tail = UNIX_TAIL.exec(m[4]);
      if (!tail) return;
      const line = position(m[2]);
      if (line === undefined) return;
      const message = m[4].slice(0, tail.index);
      emit(problem(name, m[1], line, position(m[3]), toSeverity(tail[1]), message, tail[2]));
    },
    end(): void {},
  };
}
