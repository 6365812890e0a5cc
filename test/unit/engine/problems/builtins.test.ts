import assert from 'node:assert/strict';
import { ProblemScanner } from '../../../../src/engine/problems';
import { SAMPLES } from './fixtures';
import { assertProblems, scanAll } from './helpers';

describe('problems: built-in matchers on real-looking output', () => {
  for (const sample of SAMPLES) {
    it(sample.name, () => {
      assertProblems(scanAll(sample.specs, sample.output), sample.expected, sample.name);
    });
  }

  it('every problem is 1-based and carries its matcher name', () => {
    for (const sample of SAMPLES) {
      for (const p of scanAll(sample.specs, sample.output)) {
        assert.ok(p.line >= 1 && (p.column === undefined || p.column >= 1), JSON.stringify(p));
        assert.equal(p.matcher, typeof sample.specs[0] === 'string' ? sample.specs[0] : p.matcher);
        assert.ok(p.message.length > 0 && p.message === p.message.trim(), JSON.stringify(p));
      }
    }
  });

  it('a matcher ignores the other tools’ output (no cross-talk between the samples)', () => {
    for (const sample of SAMPLES) {
      const others = SAMPLES.filter((s) => s.specs[0] !== sample.specs[0]).map((s) => s.output).join('\n');
      const found = scanAll(sample.specs, others);
      // Only gcc/clang are the same format; the go matcher legitimately reads `*.go:N:` lines only.
      const allowed = sample.specs[0] === 'gcc' || sample.specs[0] === 'clang' ? found.filter((p) => !/\.(c|h)$/.test(p.file)) : found;
      assert.deepEqual(allowed, [], `${sample.name} found ${JSON.stringify(allowed)}`);
    }
  });

  it('several matchers at once find the union, and the same problem from gcc and clang is kept once', () => {
    const all = SAMPLES.filter((s) => s.name === 'gcc' || s.name === 'tsc (plain)' || s.name === 'cargo build and test');
    const found = scanAll(['tsc', 'gcc', 'clang', 'cargo'], all.map((s) => s.output).join('\n'));
    assert.equal(found.length, all.reduce((n, s) => n + s.expected.length, 0));
    assert.deepEqual(
      found.filter((p) => p.file === 'main.c').map((p) => p.matcher),
      ['gcc', 'gcc', 'gcc'],
    );
  });

  it('keeps at most maxProblems (1,000 by default) and counts the rest', () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `src/f${i}.ts(${i + 1},1): error TS2322: bad ${i}`).join('\n');
    const scanner = new ProblemScanner(['tsc']);
    scanner.push(lines);
    const found = scanner.end();
    assert.equal(found.length, 1000);
    assert.equal(scanner.dropped, 1500);
    assert.equal(found[999].file, 'src/f999.ts');
    const small = new ProblemScanner(['tsc'], { maxProblems: 3 });
    small.push(lines);
    assert.equal(small.end().length, 3);
  });

  it('shows problems as they stream, and end() is idempotent; push after end is a mistake', () => {
    const scanner = new ProblemScanner(['tsc']);
    scanner.push('src/a.ts(1,2): error TS1005: x\nsrc/b.ts(3,');
    assert.equal(scanner.problems.length, 1);
    scanner.push('4): error TS1005: y');
    assert.equal(scanner.problems.length, 1, 'the unterminated line waits for its end');
    const found = scanner.end();
    assert.deepEqual(found.map((p) => p.file), ['src/a.ts', 'src/b.ts']);
    assert.deepEqual(scanner.end(), found);
    assert.throws(() => scanner.push('more'), /after end/);
  });

  it('unknown matcher names are configuration errors naming the index and the known names', () => {
    assert.throws(
      () => new ProblemScanner(['tsc', 'msvc' as never]),
      (err: Error & { code?: string }) => err.code === 'RB-CONFIG-001' && /problems\[1\]: unknown problem matcher "msvc" \(known: tsc, eslint/.test(err.message),
    );
  });
});
