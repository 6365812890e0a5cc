import { position, problem, toSeverity, type Emit, type LineMatcher } from './matcher';

// `src/a.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.`
const PLAIN = /^\s*(\S[^(]*)\((\d+),(\d+)\): (error|warning|message) (TS\d+): (.*)$/;
// `src/a.ts:12:5 - error TS2322: ...` (--pretty, the default on a terminal)
const PRETTY = /^\s*(\S.*?):(\d+):(\d+) - (error|warning|message) (TS\d+): (.*)$/;

/** The TypeScript compiler, plain and pretty output. */
export function tscMatcher(name = 'tsc'): LineMatcher {
  return {
    name,
    line(text: string, emit: Emit): void {
      if (!text.includes(' TS')) return;
      const m = PLAIN.exec(text) ?? PRETTY.exec(text);
      if (!m) return;
      const line = position(m[2]);
      if (line === undefined) return;
      emit(problem(name, m[1].trim(), line, position(m[3]), toSeverity(m[4]), m[6], m[5]));
    },
    end(): void {},
  };
}
