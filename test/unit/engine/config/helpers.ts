import * as assert from 'node:assert/strict';
import { parseConfig, type ConfigProblem } from '../../../../src/engine/config';

/** The 1-based line and column where the `nth` (1-based) occurrence of `needle` starts in `text`. */
export function at(text: string, needle: string, nth = 1): { line: number; column: number } {
  let offset = -1;
  for (let i = 0; i < nth; i++) {
    offset = text.indexOf(needle, offset + 1);
    assert.ok(offset >= 0, `"${needle}" (occurrence ${nth}) is not in the text`);
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The problems of a config text that must be invalid. */
export function problemsOf(text: string): ConfigProblem[] {
  const r = parseConfig(text, '/ws/.rebound/config.json');
  assert.equal(r.ok, false, 'the config was accepted');
  return (r as { problems: ConfigProblem[] }).problems;
}

/** The one problem with this path (and asserts there is exactly one). */
export function problemAt(problems: ConfigProblem[], pathText: string): ConfigProblem {
  const found = problems.filter((p) => p.pathText === pathText);
  assert.equal(found.length, 1, `problems at ${pathText}: ${JSON.stringify(problems.map((p) => `${p.pathText}: ${p.message}`))}`);
  return found[0];
}

/** Asserts the problem starts where `needle` starts and spans `length` characters (default: the needle). */
export function assertSpans(text: string, p: ConfigProblem, needle: string, nth = 1, length = needle.length): void {
  const start = at(text, needle, nth);
  assert.deepEqual({ line: p.line, column: p.column }, start, `${p.pathText} starts at ${needle}`);
  assert.deepEqual({ line: p.endLine, column: p.endColumn }, { line: start.line, column: start.column + length }, `${p.pathText} spans ${length} character(s)`);
}
