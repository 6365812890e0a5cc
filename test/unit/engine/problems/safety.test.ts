import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BUILTIN_PROBLEM_MATCHERS, type ProblemSpec } from '../../../../src/engine/tasks/definition';
import { ProblemScanner } from '../../../../src/engine/problems';

const ALL: ProblemSpec[] = [...BUILTIN_PROBLEM_MATCHERS];
const MB = 1 << 20;

/** Lines built to make backtracking regular expressions take quadratic (or worse) time. */
const ADVERSARIAL = [
  'a',
  ' ',
  '(',
  ':1',
  ':1:1: ',
  '1:1  error  ',
  '  ',
  '_ ',
  '__ ',
  'x.go:1',
  'File "',
  'Error.',
  'a.',
  ' [Error/',
  ' [-W',
  '--> a:1:',
  "thread '",
  'E ',
  '\u001b[',
  '\u001b]',
  '\r',
  'at (',
  'src/a.ts(1,1): error TS1: ',
];

function timeScan(specs: ProblemSpec[], chunks: string[], maxLineLength?: number): number {
  const scanner = new ProblemScanner(specs, maxLineLength ? { maxLineLength } : {});
  const start = performance.now();
  for (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  return performance.now() - start;
}

describe('problems: untrusted output cannot crash or stall the scanner', () => {
  it('a 1 MB line of each adversarial shape, with every matcher, is read quickly', function () {
    this.timeout(20_000);
    for (const unit of ADVERSARIAL) {
      const line = unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
      // In one piece and in pipe-sized pieces, then followed by a real problem that must still be found.
      const chunks = [line.slice(0, MB / 2), line.slice(MB / 2), '\nsrc/a.ts(1,1): error TS1005: x\n'];
      const ms = timeScan(ALL, chunks);
      assert.ok(ms < 1000, `${JSON.stringify(unit)}: ${ms.toFixed(0)} ms`);
    }
  });

  it('the built-in patterns stay linear even on long lines (matched whole, 64 KiB)', function () {
    this.timeout(20_000);
    for (const unit of ADVERSARIAL) {
      for (const shape of [(s: string) => s, (s: string) => `  ${s}`, (s: string) => `E${s}`]) {
        const line = shape(unit.repeat(Math.ceil(65536 / unit.length)));
        const ms = timeScan(ALL, [line, '\n', line, '\n'], 1 << 17);
        assert.ok(ms < 500, `${JSON.stringify(shape(unit))}: ${ms.toFixed(0)} ms`);
      }
    }
  });

  it('a very long line keeps its problem when it starts with one', () => {
    const scanner = new ProblemScanner(['gcc']);
    scanner.push(`a.c:3:4: error: ${'x'.repeat(MB)}\n`);
    const [p] = scanner.end();
    assert.equal(p.file, 'a.c');
    assert.ok(p.message.length < 5000);
  });

  it('never throws on arbitrary text, and what it finds is well formed (property)', () => {
    const pieces = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom(...ADVERSARIAL, '\n', '\r\n', 'Traceback (most recent call last):\n', '  File "a.py", line 0, in f\n', 'error[E1]: x\n', ' --> a.rs:0:0\n', '____ t ____\n', 'FAILED a.py::t - m\n', 'Error: e\n', '    at f (/a.js:0:0)\n', '/a.js\n  0:0  error  m  r\n'),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (chunks) => {
        const scanner = new ProblemScanner(ALL, { maxProblems: 50 });
        for (const c of chunks) scanner.push(c);
        for (const p of scanner.end()) {
          assert.ok(Number.isInteger(p.line) && p.line >= 1, JSON.stringify(p));
          assert.ok(p.column === undefined || (Number.isInteger(p.column) && p.column >= 1));
          assert.ok(typeof p.file === 'string' && p.file.length > 0);
          assert.ok(['error', 'warning', 'info'].includes(p.severity));
        }
      }),
      { numRuns: 500 },
    );
  });
});
