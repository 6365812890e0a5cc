import { position, problem, type Emit, type LineMatcher } from './matcher';

// `_____________ test_add _____________` or `_____ TestMath.test_div[0] _____`
const SECTION = /^_{2,} (.+?) _{2,}$/;
// `tests/test_math.py:5: AssertionError` (the raising frame, long format),
// `tests/test_math.py:8: ` or `tests/test_math.py:8: in helper` (other frames; --tb=short)
const LOCATION = /^(\S.*?):(\d+): ?(in \S.*|[A-Za-z_][\w.]*)?$/;
// `E       assert 3 == 4`
const E_LINE = /^E\s+(\S.*)$/;
// `FAILED tests/test_math.py::TestMath::test_add - assert 3 == 4`
const FAILED = /^FAILED (\S+?)::(\S+)(?: - (.*))?$/;

/** Sections kept until the summary names them (a bound on memory for enormous runs). */
const MAX_PENDING = 2000;

interface Location {
  file: string;
  line: number;
  /** The exception's name when the frame is the raising one. */
  exception?: string;
  /** The first `E` line that belongs to this frame. */
  detail?: string;
}

interface Failure {
  test: string;
  at: Location;
}

/**
 * pytest failures. Each `___ test ___` section of the FAILURES report yields a location: the
 * `path:line: ExceptionName` line of the long format, or else the last `path:line: in f` frame
 * (--tb=short). The problem is reported when the `FAILED node - message` summary names the test
 * (its message is the best one), and at the end for sections the summary did not mention.
 * A summary line for a test whose location is unknown (--tb=no) is not a problem: it has no line.
 */
export function pytestMatcher(name = 'pytest'): LineMatcher {
  let test: string | undefined;
  let raising: Location | undefined;
  let lastFrame: Location | undefined;
  /** `E` lines since the last location line: they belong to the frame before (long) or after (short). */
  let pendingDetail: string | undefined;
  let failures: Failure[] = [];

  const closeSection = (): void => {
    if (test !== undefined) {
      if (lastFrame && !lastFrame.detail && pendingDetail) lastFrame.detail = pendingDetail;
      const at = raising ?? lastFrame;
      if (at && failures.length < MAX_PENDING) failures.push({ test, at });
    }
    test = undefined;
    raising = undefined;
    lastFrame = undefined;
    pendingDetail = undefined;
  };

  const report = (f: Failure, message: string | undefined, emit: Emit): void => {
    const text = message || f.at.detail || f.at.exception || `${f.test} failed`;
    emit(problem(name, f.at.file, f.at.line, undefined, 'error', text, f.at.exception));
  };

  return {
    name,
    line(text: string, emit: Emit): void {
      if (text.startsWith('__')) {
        const s = SECTION.exec(text.trimEnd());
        if (s) {
          closeSection();
          test = s[1];
          return;
        }
      }
      if (text.startsWith('===')) {
        closeSection();
        return;
      }
      if (text.startsWith('FAILED ')) {
        closeSection();
        const m = FAILED.exec(text.trimEnd());
        if (!m) return;
        const key = m[2].replace(/::/g, '.');
        const i = failures.findIndex((f) => f.test === key);
        if (i < 0) return;
        const [f] = failures.splice(i, 1);
        report(f, m[3], emit);
        return;
      }
      if (test === undefined) return;
      const e = E_LINE.exec(text);
      if (e) {
        pendingDetail ??= e[1].trim();
        return;
      }
      const loc = LOCATION.exec(text.trimEnd());
      if (!loc) return;
      const line = position(loc[2]);
      if (line === undefined) return;
      const tail = loc[3];
      if (tail !== undefined && !tail.startsWith('in ')) {
        raising = { file: loc[1], line, exception: tail, detail: pendingDetail };
      } else {
        if (lastFrame && !lastFrame.detail && pendingDetail) lastFrame.detail = pendingDetail;
        lastFrame = { file: loc[1], line };
      }
      pendingDetail = undefined;
    },
    end(emit: Emit): void {
      closeSection();
      for (const f of failures) report(f, undefined, emit);
      failures = [];
    },
  };
}
