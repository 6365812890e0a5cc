import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProblemScanner, stripAnsi } from '../../../../src/engine/problems';
import type { Problem, ProblemSpec } from '../../../../src/engine/tasks/definition';
import { SAMPLES } from './fixtures';
import { scanAll } from './helpers';

function scanChunks(specs: ProblemSpec[], chunks: string[]): Problem[] {
  const scanner = new ProblemScanner(specs);
  for (const chunk of chunks) scanner.push(chunk);
  return scanner.end();
}

const sample = (name: string) => {
  const s = SAMPLES.find((x) => x.name === name);
  if (!s) throw new Error(`no sample ${name}`);
  return s;
};

describe('problems: streaming', () => {
  // Multi-line state (eslint blocks, tracebacks, cargo headers) and ANSI codes across the cut.
  for (const name of ['eslint (stylish)', 'python traceback', 'cargo build and test', 'tsc (pretty, coloured)', 'pytest (long tracebacks)']) {
    it(`${name}: the same problems whatever offset the output is split at`, () => {
      const { specs, output } = sample(name);
      const whole = scanAll(specs, output);
      assert.ok(whole.length > 0);
      for (let cut = 0; cut <= output.length; cut++) {
        assert.deepEqual(scanChunks(specs, [output.slice(0, cut), output.slice(cut)]), whole, `split at ${cut}`);
      }
    });
  }

  it('the same problems one character at a time and in random pieces (every sample, property)', () => {
    for (const { specs, output, name } of SAMPLES) {
      const whole = scanAll(specs, output);
      assert.deepEqual(scanChunks(specs, [...output]), whole, name);
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 0, max: output.length }), { maxLength: 12 }), (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), output.length];
          const chunks = points.slice(1).map((end, i) => output.slice(points[i], end));
          assert.deepEqual(scanChunks(specs, chunks), whole, name);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('\\r\\n line endings (split between \\r and \\n too) give the same problems as \\n', () => {
    for (const { specs, output, name } of SAMPLES) {
      const crlf = output.replace(/\n/g, '\r\n');
      const whole = scanAll(specs, output);
      assert.deepEqual(scanAll(specs, crlf), whole, name);
      const cr = crlf.indexOf('\r');
      if (cr >= 0) assert.deepEqual(scanChunks(specs, [crlf.slice(0, cr + 1), crlf.slice(cr + 1)]), whole, name);
    }
  });

  it('a bare \\r overwrites the line (progress output), even across chunks', () => {
    const found = scanChunks(['tsc'], ['compiling 10%\rcompiling 50%', '\rsrc/a.ts(1,1): error TS1005: \';\' expected.\r', '\n']);
    assert.deepEqual(found.map((p) => [p.file, p.message]), [['src/a.ts', "';' expected."]]);
    assert.deepEqual(scanChunks(['tsc'], ['src/x.ts(1,1): error TS1: overwritten\r', 'src/b.ts(2,2): error TS2: kept\n']).map((p) => p.file), ['src/b.ts']);
  });

  it('the last line counts without a trailing newline', () => {
    assert.equal(scanAll(['gcc'], 'a.c:1:2: error: x').length, 1);
  });

  it('strips colour, cursor and hyperlink sequences', () => {
    assert.equal(stripAnsi('\u001b[1;31merror\u001b[0m \u001b]8;;file:///a.ts\u0007a.ts\u001b]8;;\u0007 \u001b[2K\u001b(B'), 'error a.ts ');
    assert.equal(stripAnsi('plain'), 'plain');
  });
});
