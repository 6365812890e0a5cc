import { stripAnsi } from '../problems/lines';

const MAX = 200;
const SCAN_LIMIT = 64 * 1024;

/** Words that make a line telling when no rule explained the output. */
const TELLING = /\b(?:error|errors|fatal|failed|failure|fail|exception|panic|denied|refused|cannot|can't|couldn't|unable|invalid|not found|missing|unexpected|abort(?:ed)?|timeout|timed out|violat\w+)\b/i;
/** Lines that say nothing about the failure (tool boilerplate). */
const NOISE = /^(?:npm (?:error|ERR!) (?:A complete log|\s*$|code \w+$|errno|syscall|path |command |signal |Lifecycle script|To see a list)|\[(?:ERROR|INFO)\]\s*(?:$|To see the full|Re-run Maven|For more information|\[Help \d\]|-> \[Help)|note: run with `RUST_BACKTRACE|Node\.js v\d|make(?:\[\d+\])?: \*\*\*.*Error \d+$|error: Recipe|collect2: error: ld returned|\s*at |\s*\^+\s*$|exit status \d+$|FAIL\s*$)/;

const EXCEPTION_LINE = /^(?:Uncaught )?(?:[\w$]+\.)*[\w$]*(?:Error|Exception|Warning|Interrupt|Exit|Failure)(?: \[\w+\])?(?::\s.*|$)/;

/**
 * The error's own headline, as Sentry titles an issue: the exception line of a Python traceback,
 * the error line of a Node or JVM failure, a panic's message, else the line that decided the
 * classification (its location prefix removed), else the most telling line of the output.
 * Undefined when the output is empty. At most 200 characters.
 */
export function headlineOf(output: string | undefined, evidence?: string): string | undefined {
  const text = output ? stripAnsi(output.length > SCAN_LIMIT ? output.slice(output.length - SCAN_LIMIT) : output) : '';
  const lines = text.length > 0 ? text.split(/\r?\n/) : [];
  const found = fromTrace(lines) ?? (evidence ? fromEvidence(evidence, lines) : undefined) ?? telling(lines);
  if (!found) return undefined;
  const one = found.replace(/\s+/g, ' ').trim();
  return one.length > MAX ? `${one.slice(0, MAX - 1)}…` : one || undefined;
}

/** The evidence line, cleaned; a bare npm "code X" or a rustc "-->" line is completed from the lines around it. */
function fromEvidence(evidence: string, lines: string[]): string {
  const cleaned = clean(evidence);
  const npmCode = /^code (\w+)$/.exec(cleaned);
  const at = lines.findIndex((l) => l.trim() === evidence.trim());
  if (npmCode && at >= 0) {
    for (let i = at + 1; i < lines.length; i++) {
      const l = clean(lines[i]);
      if (l && !NOISE.test(lines[i].trim()) && !/^(?:errno|syscall|path|dest|code) /.test(l)) return `${npmCode[1]}: ${l}`;
    }
  }
  if (cleaned.startsWith('-->') && at > 0) {
    for (let i = at - 1; i >= 0 && i >= at - 3; i--) if (/^(?:error|warning)\b/.test(lines[i])) return lines[i];
  }
  return cleaned;
}

function fromTrace(lines: string[]): string | undefined {
  // pytest's summary names the test and the failure.
  for (const l of lines) {
    const m = /^FAILED (\S+::\S+)(?: - (.+))?$/.exec(l);
    if (m) return m[2] ? `${m[1]}: ${m[2]}` : m[1];
  }
  // TAP (node --test): the failing test and its error.
  const tap = lines.findIndex((l) => /^\s*not ok \d+ - /.test(l));
  if (tap >= 0) {
    const name = lines[tap].replace(/^\s*not ok \d+ - /, '');
    const err = lines.slice(tap + 1, tap + 12).map((l) => /^\s+error: '(.*)'$/.exec(l)).find((m) => m);
    return err ? `${name}: ${err[1]}` : `not ok: ${name}`;
  }
  // Python: the first line that is not indented after the last traceback's frames.
  let tb = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].startsWith('Traceback (most recent call last)')) {
      tb = i;
      break;
    }
  }
  if (tb >= 0) {
    for (let i = tb + 1; i < lines.length; i++) {
      const l = lines[i];
      if (l.length > 0 && l[0] !== ' ' && l[0] !== '\t' && !/^\s*\^/.test(l)) return l;
    }
  }
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    // JVM: the uncaught exception; its root cause is in the location, the headline is what was thrown.
    if (l.startsWith('Exception in thread "')) return l.replace(/^Exception in thread "[^"]*" /, '');
    // Go: the panic line.
    if (l.startsWith('panic: ')) return l.replace(/ \[recovered\]$/, '');
    // Rust: "thread 'main' panicked at file:line:col:" then the message (old format: on the same line).
    const rust = /panicked at (?:'(.*)', \S+|\S+:\d+:\d+:)$/.exec(l);
    if (rust) return `panicked: ${rust[1] ?? lines[i + 1] ?? ''}`.trim();
  }
  // Node: the error line above the first stack frame (after the source excerpt and caret).
  for (let i = 1; i < lines.length; i++) {
    if (!/^\s+at /.test(lines[i])) continue;
    for (let j = i - 1; j >= 0 && j >= i - 12; j--) {
      const l = lines[j].trim();
      if (EXCEPTION_LINE.test(l)) return l;
    }
    break;
  }
  return undefined;
}

/** The evidence line without its location prefix and tool noise ("src/a.ts(3,4): ", "npm error ", "[ERROR] "). */
function clean(line: string): string {
  return line
    .trim()
    .replace(/^(?:npm (?:error|ERR!)|\[(?:ERROR|FATAL)\]|E\s{2,})\s*/, '')
    .replace(/^(?:In file included from )?[^\s:()"']+\.[A-Za-z0-9+]+(?:\(\d+,\d+\)|:\d+(?::\d+)?)(?::| -)\s*/, '')
    .replace(/^[^\s:()"']+\.[A-Za-z0-9+]+:\[\d+,\d+\]\s+/, '')
    .replace(/^[^\s:]+\.(?:sh|bash|zsh|dash): (?:line )?\d+: /, '')
    .replace(/^psql:[^\s:]+:\d+: /, '');
}

function telling(lines: string[]): string | undefined {
  let last: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i].trim();
    if (l.length === 0 || NOISE.test(l)) continue;
    last ??= l;
    if (TELLING.test(l)) return clean(l);
  }
  return last === undefined ? undefined : clean(last);
}
