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
const V8 = /^\s*at (?:(.+?) \()?((?:file:\/\/)?[^\s()]+?):(\d+)(?::(\d+))?\)?\s*$/;
const PYTHON = /^\s*File "([^"]+)", line (\d+)(?:, in (\S+))?/;
const TOOL = /^([^\s:()"'<>|*?]+\.[A-Za-z0-9]+)(?:\((\d+),(\d+)\)|:(\d+)(?::(\d+))?)[:\s]/;

const SCAN_LIMIT = 64 * 1024;

/**
 * The first frame in `text` (a stack trace or tool output) that lies in the workspace: an absolute
 * path under `workspaceRoot`, or a relative path, and never inside node_modules or Node's internals.
 */
export function topWorkspaceFrame(text: string | undefined, workspaceRoot?: string): StackFrame | undefined {
  if (!text) return undefined;
  const roots = workspaceRoot ? rootForms(workspaceRoot) : [];
  const body = text.length > SCAN_LIMIT ? text.slice(0, SCAN_LIMIT) : text;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const line = body.slice(start, end);
    start = end + 1;
    const frame = parseLine(line, roots);
    if (frame) return frame;
  }
  return undefined;
}

function parseLine(line: string, roots: string[]): StackFrame | undefined {
  const trimmed = line.trimStart();
  let file: string | undefined;
  let lineNo: string | undefined;
  let col: string | undefined;
  let fn: string | undefined;
  if (trimmed.startsWith('at ')) {
    // Stack frames: only those naming the workspace can be ours (relative V8 frames are eval/anonymous).
    if (!roots.some((r) => trimmed.includes(r))) return undefined;
    const m = V8.exec(line);
    if (!m) return undefined;
    [, fn, file, lineNo, col] = m;
  } else if (trimmed.startsWith('File "')) {
    const m = PYTHON.exec(line);
    if (!m) return undefined;
    [, file, lineNo, fn] = m;
  } else {
    const m = TOOL.exec(line);
    if (!m) return undefined;
    file = m[1];
    lineNo = m[2] ?? m[4];
    col = m[3] ?? m[5];
  }
  const rel = file ? inWorkspace(file, roots) : undefined;
  const n = Number(lineNo);
  if (rel === undefined || !Number.isFinite(n)) return undefined;
  const frame: StackFrame = { file: rel, line: n };
  if (col !== undefined) frame.column = Number(col);
  if (fn) frame.function = fn.replace(/^async /, '');
  return frame;
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
