import { rootForms } from './normalize';

/** A place in the user's code: a workspace-relative file (forward slashes), a line, maybe a column and function. */
export interface StackFrame {
  file: string;
  line: number;
  column?: number;
  function?: string;
}

// V8 ("at fn (file:1:2)", "at file:1:2"), Python ('File "x.py", line 3, in fn'),
// and compiler/linter locations ("src/a.ts(3,4): ...", "src/a.c:3:4: ...").
const FRAME = new RegExp(
  [
    String.raw`^\s*at (?:(?<v8fn>.+?) \()?(?<v8file>(?:file:\/\/)?[^\s()]+?):(?<v8line>\d+)(?::(?<v8col>\d+))?\)?\s*$`,
    String.raw`^\s*File "(?<pyfile>[^"]+)", line (?<pyline>\d+)(?:, in (?<pyfn>\S+))?`,
    String.raw`^(?<toolfile>[^\s:()"'<>|*?]+\.[A-Za-z0-9]+)(?:\((?<tline>\d+),(?<tcol>\d+)\)|:(?<cline>\d+)(?::(?<ccol>\d+))?)[:\s]`,
  ].join('|'),
  'gm',
);

const SCAN_LIMIT = 64 * 1024;

/**
 * The first frame in `text` (a stack trace or tool output) that lies in the workspace: an absolute
 * path under `workspaceRoot`, or a relative path, and never inside node_modules or Node's internals.
 */
export function topWorkspaceFrame(text: string | undefined, workspaceRoot?: string): StackFrame | undefined {
  if (!text) return undefined;
  const roots = workspaceRoot ? rootForms(workspaceRoot) : [];
  const re = new RegExp(FRAME.source, FRAME.flags);
  const body = text.length > SCAN_LIMIT ? text.slice(0, SCAN_LIMIT) : text;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) !== null) {
    const g = m.groups!;
    const file = g.v8file ?? g.pyfile ?? g.toolfile;
    const line = Number(g.v8line ?? g.pyline ?? g.tline ?? g.cline);
    const colText = g.v8col ?? g.tcol ?? g.ccol;
    const fn = g.v8fn ?? g.pyfn;
    const rel = file ? inWorkspace(file, roots) : undefined;
    if (rel === undefined || !Number.isFinite(line)) continue;
    const frame: StackFrame = { file: rel, line };
    if (colText !== undefined) frame.column = Number(colText);
    if (fn) frame.function = fn.replace(/^async /, '');
    return frame;
  }
  return undefined;
}

function inWorkspace(file: string, roots: string[]): string | undefined {
  if (/(^|[\\/])node_modules[\\/]/.test(file) || /^(node:|internal[\\/]|<anonymous>|native$)/.test(file)) return undefined;
  for (const root of roots) {
    if (file.startsWith(root) && /^[\\/]/.test(file.slice(root.length))) return file.slice(root.length + 1).replace(/\\/g, '/');
  }
  const absolute = /^(?:[a-zA-Z]:[\\/]|[\\/]|file:)/.test(file) || /^[a-z][a-z0-9+.-]*:\/\//i.test(file);
  // A relative path must look like a file (not "[eval]" or "<anonymous>").
  if (absolute || /^[[<]/.test(file) || !/\.[A-Za-z0-9]+$/.test(file)) return undefined;
  return file.replace(/\\/g, '/').replace(/^\.\//, '');
}
