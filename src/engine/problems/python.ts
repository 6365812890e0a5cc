import { position, problem, type Emit, type LineMatcher } from './matcher';

const HEADER = /^\s*Traceback \(most recent call last\):\s*$/;
// `  File "/x/app.py", line 12, in main` (no `, in ...` for a SyntaxError)
const FRAME = /^\s*File "([^"]+)", line (\d+)(?:, in (.*))?$/;
// `ValueError: bad value`, `KeyboardInterrupt`, `json.decoder.JSONDecodeError: Expecting value: ...`
const EXCEPTION = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/;

interface Frame {
  file: string;
  line: number;
}

/**
 * Python tracebacks: the problem sits at the last frame in a real file (not `<frozen ...>` or
 * `<string>`), with the final `XError: message` line as its message. A SyntaxError in the main
 * script prints its frame without the `Traceback` header; that is recognised too.
 */
export function pythonMatcher(name = 'python'): LineMatcher {
  let inTraceback = false;
  let last: Frame | undefined;
  const reset = (): void => {
    inTraceback = false;
    last = undefined;
  };
  return {
    name,
    line(text: string, emit: Emit): void {
      if (HEADER.test(text)) {
        inTraceback = true;
        last = undefined;
        return;
      }
      const frame = /^\s/.test(text) ? FRAME.exec(text) : null;
      if (frame) {
        // A frame without `, in` outside a traceback starts a SyntaxError report.
        if (!inTraceback && frame[3] !== undefined) return;
        inTraceback = true;
        const line = position(frame[2]);
        if (line !== undefined && !frame[1].startsWith('<')) last = { file: frame[1], line };
        return;
      }
      if (!inTraceback) return;
      // Source lines, carets and `~~~^^^` markers are indented; the exception line is not.
      if (text === '' || /^\s/.test(text)) return;
      const frameSeen = last;
      reset();
      if (!frameSeen) return;
      const exc = EXCEPTION.exec(text.trimEnd());
      const code = exc ? exc[1].slice(exc[1].lastIndexOf('.') + 1) : undefined;
      emit(problem(name, frameSeen.file, frameSeen.line, undefined, 'error', text, code));
    },
    end(): void {
      // Output that stops mid-traceback has no exception line to report.
      reset();
    },
  };
}
