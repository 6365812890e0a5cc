import { position, problem, toSeverity, type Emit, type LineMatcher } from './matcher';

// `error[E0308]: mismatched types`, `warning: unused variable: `y``
const HEADER = /^(error|warning)(?:\[([A-Za-z]*\d+)\])?: (.*)$/;
// `  --> src/main.rs:4:18`
const ARROW = /^\s*--> (.+):(\d+):(\d+)$/;
// `thread 'main' panicked at src/main.rs:4:5:` (Rust 1.73+; the message is on the next line)
const PANIC = /^thread '(.*?)' panicked at (.+):(\d+):(\d+):$/;
// `thread 'main' panicked at 'boom', src/main.rs:4:5` (older)
const PANIC_OLD = /^thread '.*?' panicked at '(.*)', (.+):(\d+):(\d+)$/;
/** Lines allowed between a header and its `-->` line. */
const MAX_GAP = 4;

interface Header {
  severity: 'error' | 'warning' | 'info';
  code?: string;
  message: string;
  gap: number;
}

/**
 * rustc as run by cargo: an `error[E0308]: message` or `warning: message` header followed by a
 * `--> file:line:col` line (headers with no location, like "could not compile", are not problems),
 * and panics of `cargo test` / `cargo run`.
 */
export function cargoMatcher(name = 'cargo'): LineMatcher {
  let header: Header | undefined;
  let panic: { file: string; line: number; column?: number } | undefined;
  return {
    name,
    line(text: string, emit: Emit): void {
      if (panic) {
        const at = panic;
        panic = undefined;
        emit(problem(name, at.file, at.line, at.column, 'error', `panicked: ${text.trim() || 'explicit panic'}`));
        return;
      }
      const h = HEADER.exec(text);
      if (h) {
        header = { severity: toSeverity(h[1]), code: h[2], message: h[3], gap: 0 };
        return;
      }
      if (text.startsWith('thread ')) {
        const p = PANIC.exec(text);
        const line = p ? position(p[3]) : undefined;
        if (p && line !== undefined) {
          panic = { file: p[2], line, column: position(p[4]) };
          return;
        }
        const o = PANIC_OLD.exec(text);
        const oldLine = o ? position(o[3]) : undefined;
        if (o && oldLine !== undefined) emit(problem(name, o[2], oldLine, position(o[4]), 'error', `panicked: ${o[1]}`));
        return;
      }
      if (!header) return;
      const a = text.includes('-->') ? ARROW.exec(text) : null;
      if (a) {
        const line = position(a[2]);
        if (line !== undefined) emit(problem(name, a[1], line, position(a[3]), header.severity, header.message, header.code));
        header = undefined;
        return;
      }
      if (++header.gap > MAX_GAP) header = undefined;
    },
    end(): void {
      header = undefined;
      panic = undefined;
    },
  };
}
