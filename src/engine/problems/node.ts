import { position, problem, type Emit, type LineMatcher } from './matcher';

// `TypeError: x is not a function`, `Error [ERR_MODULE_NOT_FOUND]: Cannot find module 'x'`,
// `Uncaught RangeError: ...`, `AssertionError [ERR_ASSERTION]: ...`
const ERROR_LINE = /^\s*(?:Uncaught )?((?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*(?:Error|Exception)|Error)(?: \[([A-Z][A-Z0-9_]*)\])?: (.*)$/;
const AT = /^\s+at\s+(.*)$/;
const LOCATION = /^(.*):(\d+):(\d+)$/;
/** Lines allowed between the error line and its first frame (multi-line messages, diffs). */
const MAX_GAP = 40;

interface Pending {
  message: string;
  code: string;
  gap: number;
  framesSeen: boolean;
}

/**
 * Node.js stack traces: the first `at` frame in the user's own code (not `node:internal`,
 * `node_modules` or `<anonymous>`), with the `Error: ...` line before the frames as the message.
 */
export function nodeMatcher(name = 'node'): LineMatcher {
  let pending: Pending | undefined;
  return {
    name,
    line(text: string, emit: Emit): void {
      const at = text.includes('at ') ? AT.exec(text) : null;
      if (at) {
        if (!pending) return;
        pending.framesSeen = true;
        const where = frameLocation(at[1]);
        if (!where) return;
        emit(problem(name, where.file, where.line, where.column, 'error', pending.message, pending.code));
        pending = undefined;
        return;
      }
      const err = text.includes(': ') ? ERROR_LINE.exec(text) : null;
      if (err) {
        pending = { message: `${err[1]}: ${err[3]}`.trim(), code: err[2] ?? err[1], gap: 0, framesSeen: false };
        return;
      }
      if (!pending) return;
      // The frames ended (all internal), or the message never reached any frame.
      if (pending.framesSeen || ++pending.gap > MAX_GAP) pending = undefined;
    },
    end(): void {
      pending = undefined;
    },
  };
}

/** `fn (/abs/a.js:12:5)`, `/abs/a.js:12:5`, `async fn (file:///abs/a.mjs:1:2)`; undefined for internal frames. */
function frameLocation(frame: string): { file: string; line: number; column: number } | undefined {
  let where = frame.trimEnd();
  if (where.endsWith(')')) {
    const open = where.lastIndexOf('(');
    if (open < 0) return undefined;
    where = where.slice(open + 1, -1);
  }
  if (where.includes('eval at ')) return undefined;
  const m = LOCATION.exec(where);
  if (!m) return undefined;
  let file = m[1];
  if (file.startsWith('file://')) file = fileUrlToPath(file);
  if (file === '' || file.startsWith('<') || file.startsWith('node:') || file.startsWith('internal/')) return undefined;
  if (/[\\/]node_modules[\\/]/.test(file) || file.includes('(')) return undefined;
  const line = position(m[2]);
  const column = position(m[3]);
  if (line === undefined || column === undefined) return undefined;
  return { file, line, column };
}

/** `file:///home/u/a.mjs` -> `/home/u/a.mjs`, `file:///C:/x/a.mjs` -> `C:/x/a.mjs`. */
function fileUrlToPath(url: string): string {
  let path = url.slice('file://'.length);
  if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
