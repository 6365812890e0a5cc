import type { Problem, ProblemSpec } from '../tasks/definition';
import { createLineMatcher } from './builtins';
import { LineSplitter } from './lines';
import type { LineMatcher } from './matcher';

export interface ProblemScannerOptions {
  /** Problems kept; later ones are counted in `dropped` (default 1,000). */
  maxProblems?: number;
  /** Characters of a line that are matched; the rest of a longer line is skipped (default 4,096). */
  maxLineLength?: number;
}

export const DEFAULT_MAX_PROBLEMS = 1000;
export const DEFAULT_MAX_LINE_LENGTH = 4096;

/**
 * Finds problems (file, line, message) in a task's output as it streams. Feed it chunks as they
 * arrive (split anywhere, `\r\n` or `\n`, with or without ANSI colours), then call `end()`.
 * The same problem reported twice (say by both `gcc` and `clang`) is kept once.
 */
export class ProblemScanner {
  private readonly matchers: LineMatcher[];
  private readonly splitter: LineSplitter;
  private readonly found: Problem[] = [];
  private readonly seen = new Set<string>();
  private readonly maxProblems: number;
  private droppedCount = 0;
  private ended = false;
  private readonly emit = (p: Problem): void => this.add(p);

  /** Throws a ConfigurationError for an unknown matcher name or a bad user pattern. */
  constructor(specs: readonly ProblemSpec[], options: ProblemScannerOptions = {}) {
    this.matchers = specs.map((spec, i) => createLineMatcher(spec, i));
    this.maxProblems = Math.max(0, options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
    const maxLine = Math.max(80, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
    this.splitter = new LineSplitter(maxLine, (line) => {
      for (const m of this.matchers) m.line(line, this.emit);
    });
  }

  /** Problems found so far (the live view; `end()` may add the last few). */
  get problems(): readonly Problem[] {
    return this.found;
  }

  /** Problems found beyond `maxProblems`, not kept. */
  get dropped(): number {
    return this.droppedCount;
  }

  push(chunk: string): void {
    if (this.ended) throw new Error('ProblemScanner.push after end()');
    if (this.matchers.length === 0 || chunk.length === 0) return;
    this.splitter.push(chunk);
  }

  /** Reads the unterminated last line, flushes pending multi-line state and returns every problem. Idempotent. */
  end(): Problem[] {
    if (!this.ended) {
      this.ended = true;
      this.splitter.end();
      for (const m of this.matchers) m.end(this.emit);
    }
    return [...this.found];
  }

  private add(p: Problem): void {
    const key = `${p.file}\u0000${p.line}\u0000${p.column ?? ''}\u0000${p.severity}\u0000${p.message}`;
    if (this.seen.has(key)) return;
    if (this.found.length >= this.maxProblems) {
      this.droppedCount++;
      return;
    }
    this.seen.add(key);
    this.found.push(p);
  }
}
