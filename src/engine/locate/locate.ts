import { rootForms } from '../fingerprint/normalize';
import { stripAnsi } from '../problems/lines';

/** Where a failure points: a workspace-relative file (forward slashes), a line when the tool gives one. */
export interface FailureLocation {
  file: string;
  line?: number;
  column?: number;
  function?: string;
}

export interface LocateOptions {
  /** The workspace folder: absolute paths under it become relative, others are not the workspace's code. */
  workspaceRoot?: string;
  /** The folder the command ran in (absolute, or relative to the root): relative paths resolve against it. */
  cwd?: string;
}

/**
 * What kind of text a location came from. Stack traces win over diagnostics (a runtime failure is
 * where it was thrown); within traces the innermost frame in the workspace's own code wins.
 */
const enum Kind {
  /** A Python traceback frame (outermost first: the last one in the workspace is the innermost). */
  Python,
  /** A JVM frame (innermost first, per "Caused by:" section: the root cause's section wins). */
  Jvm,
  /**
   * Node's header above a thrown error or a syntax error ("/abs/file.js:4" alone on its line): the
   * throw site, and the only place a syntax error is named (its stack is Node's loader).
   */
  Header,
  /** A V8, Go, sanitizer or Rust backtrace frame, or a panic site (innermost first). */
  Stack,
  /** A compiler, linter, shell or tool diagnostic; errors before warnings. */
  Diagnostic,
  /** A file named without a line (a merge conflict, package.json, a linked object). */
  FileOnly,
}

interface Candidate {
  kind: Kind;
  loc: FailureLocation;
  /** 0 for errors, 1 for warnings and notes. */
  weak: number;
  /** The "Caused by:" section of a JVM trace, or the traceback block of Python. */
  section: number;
}

const SCAN_LIMIT = 256 * 1024;

const PY_FRAME = /^\s*File "([^"]+)", line (\d+)(?:, in (\S+))?/;
const PYTEST_FRAME = /^([^\s:]+\.py):(\d+): (?:in (\S+)|[A-Z]\w*)/;
const JVM_FRAME = /^\s*at ((?:[\w$]+\.)*[\w$<>]+)\(([\w$]+\.(?:java|kt|scala|groovy|clj)):(\d+)\)/;
const V8_FRAME = /^\s*at (?:async )?(?:(.+?) \()?((?:file:\/\/)?[^\s()]+?):(\d+)(?::(\d+))?\)?(?: \{)?\s*$/;
const GO_FRAME = /^\t(\/\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/;
const SANITIZER_FRAME = /^\s*#\d+ 0x[0-9a-f]+ in (\S+) (\S+?):(\d+)(?::(\d+))?$/;
const RUST_PANIC = /panicked at (?:'.*', )?([^\s:'"]+\.rs):(\d+):(\d+)/;
const ASSERT = /^[^\s:]+: ([^\s:]+):(\d+): ([^:]+): Assertion /;
const NODE_HEADER = /^((?:file:\/\/)?\/\S+?|[A-Za-z]:\\\S+?):(\d+)$/;
const MAKE_DIR = /^g?make(?:\[\d+\])?: (Entering|Leaving) directory '([^']+)'/;
/** node --test's TAP stacks: frames without "at ". */
const TAP_FRAME = /^\s+([\w.$<>[\] ]+?) \(((?:file:\/\/)?\/[^\s()]+):(\d+):(\d+)\)$/;
const GO_TEST = /^\s+([\w./-]+\.go):(\d+): /;
const RUST_ARROW = /^\s*--> ([^\s:]+):(\d+):(\d+)/;
const TSC_PRETTY = /^([^\s:()]+\.\w+):(\d+):(\d+) - (error|warning)/;
const TOOL = /^(?:In file included from )?([^\s:()"'<>|*?[\]]+\.[A-Za-z0-9+]+)(?:\((\d+),(\d+)\)|:(\d+)(?::(\d+))?)(?::|\s-?\s|\s*$)\s*(?:(fatal error|error|warning|note|info|hint)\b)?/;
const SHELL = /^([^\s:]+\.(?:sh|bash|zsh|ksh|dash)): (?:line )?(\d+): /;
const MAKE = /^((?:[^\s:]*\/)?(?:GNU)?[Mm]akefile|[^\s:]+\.mk):(\d+): /;
const CMAKE = /^CMake (Error|Warning)(?: \(dev\))? at ([^\s:]+):(\d+)/;
const MAVEN = /^\[(ERROR|WARNING)\] (\S+?):\[(\d+),(\d+)\]/;
const PSQL = /^psql:([^\s:]+):(\d+): (ERROR|FATAL|WARNING)/;
const POM = /Non-parseable POM (\S+?): .*@ line (\d+)(?:, column (\d+))?/;
const ESLINT_ROW = /^\s+(\d+):(\d+)\s+(error|warning)\s/;
const CONFLICT = /^CONFLICT \([^)]*\): (?:Merge conflict in|.* deleted in .* and modified in .*\. Version .* of) (\S+)/;
const LINKED = /^(?:\S*ld: )?([^\s:()]+\.(?:c|cc|cpp|cxx|m|mm|rs|go)):\(\.\w+/;
const JDK = /^(?:java|javax|jdk|sun|com\.sun|kotlin|scala|org\.junit|org\.opentest4j|junit|org\.apache\.maven|org\.gradle|groovy)\./;
const THIRD_PARTY = /(?:^|[\\/])(?:node_modules|site-packages|dist-packages|\.venv|venv|\.cargo|\.rustup|go[\\/]pkg[\\/]mod|vendor)[\\/]/;
const INTERNAL = /^(?:node:|internal[\\/]|<[^>]*>|\[[^\]]*\]|native$|evalmachine)/;

/**
 * Finds where a failure points in a command's output, for every common format: compiler and
 * linter diagnostics (gcc, clang, javac, Maven, rustc, go, tsc, eslint stylish and unix, cmake,
 * make, psql, shells), tracebacks (Python, pytest), JVM, V8 (Node, mocha's relative frames), Go,
 * sanitizer and Rust backtraces, panics and C assertions. A trace points at its innermost frame in
 * the workspace's own code (never node_modules, site-packages, the JDK or the standard library).
 * Relative paths resolve against `cwd`. Pure and total: returns undefined when nothing fits.
 */
export function locateFailure(output: string | undefined, options: LocateOptions = {}): FailureLocation | undefined {
  if (!output) return undefined;
  const ctx = context(options);
  const tail = output.length > SCAN_LIMIT ? output.slice(output.length - SCAN_LIMIT) : output;
  const text = stripAnsi(tail);
  const found: Candidate[] = [];
  let section = 0;
  let eslintFile: string | undefined;
  let rustWeak = 0;
  let overwritten = false;
  /** make's "Entering directory" folders: relative paths in recursive makes resolve against the innermost. */
  const makeDirs: string[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0) {
      eslintFile = undefined;
      continue;
    }
    if (line.length > 2000) continue;
    const add = (kind: Kind, file: string, lineNo: string | undefined, col?: string, fn?: string, weak = 0, raw = false) => {
      const dir = makeDirs.length > 0 && !raw && !isAbsolute(file) ? makeDirs[makeDirs.length - 1] : undefined;
      const rel = raw ? file : resolveFile(dir ? `${dir}/${file}` : file, ctx);
      if (rel === undefined) return;
      const loc: FailureLocation = { file: rel };
      if (lineNo !== undefined) {
        const n = Number(lineNo);
        if (!Number.isSafeInteger(n) || n <= 0) return;
        loc.line = n;
      }
      if (col !== undefined && Number(col) > 0) loc.column = Number(col);
      if (fn) loc.function = fn.replace(/^async /, '');
      found.push({ kind, loc, weak, section });
    };
    const c0 = line.charCodeAt(0);
    let m: RegExpExecArray | null;
    if (line.startsWith('Traceback (most recent call last)') || line.startsWith('Caused by: ')) {
      section++;
      continue;
    }
    if (overwritten) {
      if (c0 === 9) {
        add(Kind.FileOnly, line.trim(), undefined);
        continue;
      }
      overwritten = false;
    }
    if ((m = MAKE_DIR.exec(line))) {
      if (m[1] === 'Entering') makeDirs.push(m[2]);
      else makeDirs.pop();
      continue;
    }
    if (line.includes('would be overwritten by')) {
      overwritten = true;
      continue;
    }
    if (line.includes('Missing script:') || line.includes('Invalid package.json')) {
      add(Kind.FileOnly, 'package.json', undefined);
      continue;
    }
    // Lines that start with white space: frames and eslint rows.
    if (c0 === 32 || c0 === 9) {
      if ((m = PY_FRAME.exec(line))) add(Kind.Python, m[1], m[2], undefined, m[3]);
      else if ((m = JVM_FRAME.exec(line))) {
        if (!JDK.test(m[1])) add(Kind.Jvm, jvmPath(m[1], m[2]), m[3], undefined, m[1], 0, true);
      } else if ((m = GO_FRAME.exec(line))) add(Kind.Stack, m[1], m[2]);
      else if ((m = V8_FRAME.exec(line))) add(Kind.Stack, m[2], m[3], m[4], m[1]);
      else if ((m = SANITIZER_FRAME.exec(line))) add(Kind.Stack, m[2], m[3], m[4], m[1]);
      else if ((m = TAP_FRAME.exec(line))) add(Kind.Stack, m[2], m[3], m[4], m[1]);
      else if ((m = GO_TEST.exec(line))) add(Kind.Diagnostic, m[1], m[2]);
      else if ((m = RUST_ARROW.exec(line))) add(Kind.Diagnostic, m[1], m[2], m[3], undefined, rustWeak);
      else if (eslintFile !== undefined && (m = ESLINT_ROW.exec(line))) add(Kind.Diagnostic, eslintFile, m[1], m[2], undefined, m[3] === 'error' ? 0 : 1);
      continue;
    }
    if (line.startsWith('error')) rustWeak = 0;
    else if (line.startsWith('warning')) rustWeak = 1;
    if ((m = RUST_PANIC.exec(line))) add(Kind.Stack, m[1], m[2], m[3]);
    else if ((m = ASSERT.exec(line))) add(Kind.Stack, m[1], m[2], undefined, m[3]);
    else if ((m = NODE_HEADER.exec(line))) add(Kind.Header, m[1], m[2]);
    else if ((m = PYTEST_FRAME.exec(line))) add(Kind.Python, m[1], m[2], undefined, m[3]);
    else if ((m = TSC_PRETTY.exec(line))) add(Kind.Diagnostic, m[1], m[2], m[3], undefined, m[4] === 'error' ? 0 : 1);
    else if ((m = MAVEN.exec(line))) add(Kind.Diagnostic, m[2], m[3], m[4], undefined, m[1] === 'ERROR' ? 0 : 1);
    else if ((m = PSQL.exec(line))) add(Kind.Diagnostic, m[1], m[2], undefined, undefined, m[3] === 'WARNING' ? 1 : 0);
    else if ((m = CMAKE.exec(line))) add(Kind.Diagnostic, m[2], m[3], undefined, undefined, m[1] === 'Error' ? 0 : 1);
    else if ((m = MAKE.exec(line))) add(Kind.Diagnostic, m[1], m[2]);
    else if ((m = SHELL.exec(line))) add(Kind.Diagnostic, m[1], m[2]);
    else if ((m = POM.exec(line))) add(Kind.Diagnostic, m[1], m[2], m[3]);
    else if ((m = TOOL.exec(line))) {
      const sev = m[6];
      add(Kind.Diagnostic, m[1], m[2] ?? m[4], m[3] ?? m[5], undefined, sev === undefined || sev.endsWith('error') ? 0 : 1);
    } else if ((m = CONFLICT.exec(line))) add(Kind.FileOnly, m[1], undefined);
    else if ((m = LINKED.exec(line))) add(Kind.FileOnly, m[1], undefined);
    else if (isPathAlone(line)) eslintFile = line.trim();
  }
  return choose(found);
}

function choose(found: Candidate[]): FailureLocation | undefined {
  if (found.length === 0) return undefined;
  let best: Candidate | undefined;
  for (const c of found) {
    if (best === undefined || c.kind < best.kind) best = c;
  }
  const kind = best!.kind;
  const same = found.filter((c) => c.kind === kind);
  switch (kind) {
    case Kind.Python: {
      // The last traceback block (the exception that ended the program), its innermost frame.
      const last = same[same.length - 1].section;
      const block = same.filter((c) => c.section === last);
      return block[block.length - 1].loc;
    }
    case Kind.Jvm: {
      // The root cause ("Caused by:" last), its innermost frame in the workspace.
      const last = same[same.length - 1].section;
      return same.find((c) => c.section === last)!.loc;
    }
    case Kind.Diagnostic:
      return (same.find((c) => c.weak === 0) ?? same[0]).loc;
    default:
      return same[0].loc;
  }
}

interface Context {
  roots: string[];
  /** The cwd relative to the root ('' at the root), or undefined when outside it. */
  cwdRel: string | undefined;
}

function context(options: LocateOptions): Context {
  const roots = options.workspaceRoot ? rootForms(options.workspaceRoot) : [];
  let cwdRel: string | undefined = '';
  const cwd = options.cwd?.replace(/\\/g, '/');
  if (cwd && cwd !== '.') {
    if (isAbsolute(cwd)) {
      cwdRel = undefined;
      for (const root of roots) {
        const r = root.replace(/\\/g, '/');
        if (cwd === r) cwdRel = '';
        else if (cwd.startsWith(r + '/')) cwdRel = normalize(cwd.slice(r.length + 1));
        if (cwdRel !== undefined) break;
      }
    } else cwdRel = normalize(cwd);
  }
  return { roots, cwdRel };
}

const isAbsolute = (p: string) => /^(?:[a-zA-Z]:[\\/]|[\\/]|file:)/.test(p);

/** The workspace-relative form of a path a tool printed, or undefined when it is not the workspace's own code. */
function resolveFile(file: string, ctx: Context): string | undefined {
  if (file.length === 0 || INTERNAL.test(file) || THIRD_PARTY.test(file)) return undefined;
  let f = file.startsWith('file://') ? decodeURIComponentSafe(file.slice(7)) : file;
  if (isAbsolute(f)) {
    for (const root of ctx.roots) {
      if (f.startsWith(root) && /^[\\/]/.test(f.slice(root.length))) return normalize(f.slice(root.length + 1).replace(/\\/g, '/'));
    }
    return undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(f)) return undefined;
  // A relative path must look like a file, not "[eval]" or a shell name.
  if (!/\.[A-Za-z0-9+]+$/.test(f) && !/(?:^|\/)(?:GNU)?[Mm]akefile$/.test(f)) return undefined;
  if (ctx.cwdRel === undefined) return undefined;
  f = normalize((ctx.cwdRel ? `${ctx.cwdRel}/` : '') + f.replace(/\\/g, '/'));
  return f.startsWith('../') || f === '..' ? undefined : f;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** "a/./b/../c" to "a/c"; keeps leading ".." segments. */
function normalize(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** `com.shop.Cart.size` + `Cart.java` to `com/shop/Cart.java`: the package's folders and the file. */
function jvmPath(method: string, file: string): string {
  const parts = method.split('.');
  const pkg: string[] = [];
  for (const p of parts) {
    if (!/^[a-z_][\w]*$/.test(p)) break;
    pkg.push(p);
  }
  // The last segment is the method, never a package (a lower-case class is taken as the method's class).
  if (pkg.length >= parts.length - 1) pkg.length = Math.max(0, parts.length - 2);
  return [...pkg, file].join('/');
}

/** A line that is only a path to a source file (eslint's stylish format heads each file's rows with one). */
function isPathAlone(line: string): boolean {
  return !/\s/.test(line) && /^(?:\/|[A-Za-z]:\\|\.{0,2}\/?[\w@-])[^\s:]*\.[A-Za-z0-9]+$/.test(line);
}
