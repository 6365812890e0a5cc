import { position, problem, toSeverity, type Emit, type LineMatcher } from './matcher';

// `src/main.c:12:5: error: 'x' undeclared (first use in this function)`, also without a column,
// and `fatal error:`; clang prints the same shape.
const DIAG = /^(\S.*?):(\d+)(?::(\d+))?: (fatal error|error|warning|note|remark): (.*)$/;
// `[-Wunused-variable]` at the end of a warning
const FLAG = /\s\[(-W[\w=,+-]+)\]$/;

/** GCC and clang diagnostics (`name` is 'gcc' or 'clang'; the formats are the same). */
export function gccMatcher(name = 'gcc'): LineMatcher {
  return {
    name,
    line(text: string, emit: Emit): void {
      if (!text.includes(': ')) return;
      const m = DIAG.exec(text);
      if (!m) return;
      const line = position(m[2]);
      if (line === undefined) return;
      let message = m[5];
      let code: string | undefined;
      const flag = FLAG.exec(message);
      if (flag) {
        code = flag[1];
        message = message.slice(0, flag.index);
      }
      emit(problem(name, m[1], line, position(m[3]), toSeverity(m[4]), message, code));
    },
    end(): void {},
  };
}
