import { position, problem, type Emit, type LineMatcher } from './matcher';

// `./main.go:12:5: undefined: foo` (go build, go vet), `    main_test.go:12: got 3, want 4` (go test),
// `vet: ./main.go:3:2: ...`
const DIAG = /^\s*(?:vet: )?(\S+?\.go):(\d+)(?::(\d+))?: (.*)$/;

/** The Go toolchain: compiler and vet diagnostics, and `t.Errorf` lines of go test. */
export function goMatcher(name = 'go'): LineMatcher {
  return {
    name,
    line(text: string, emit: Emit): void {
      if (!text.includes('.go:')) return;
      const m = DIAG.exec(text);
      if (!m) return;
      const line = position(m[2]);
      if (line === undefined || m[4].trim() === '') return;
      emit(problem(name, m[1], line, position(m[3]), 'error', m[4]));
    },
    end(): void {},
  };
}
