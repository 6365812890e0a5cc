import assert from 'node:assert/strict';
import { ProblemScanner } from '../../../../src/engine/problems';
import type { ProblemPattern } from '../../../../src/engine/tasks/definition';
import { assertProblems, scanAll } from './helpers';

describe('problems: user patterns', () => {
  const mypy: ProblemPattern = {
    name: 'mypy',
    regexp: '^(.+?):(\\d+):(?:(\\d+):)? (error|warning|note): (.*?)(?:  \\[([\\w-]+)\\])?$',
    file: 1,
    line: 2,
    column: 3,
    severity: 4,
    message: 5,
    code: 6,
  };

  it('maps capture groups to file, line, column, severity, code and message', () => {
    const out = [
      'app/models.py:12: error: Incompatible return value type (got "str", expected "int")  [return-value]',
      'app/views.py:3:5: note: Revealed type is "builtins.int"',
      'Found 1 error in 1 file (checked 4 source files)',
    ].join('\n');
    assertProblems(scanAll([mypy], out), [
      { file: 'app/models.py', line: 12, column: undefined, severity: 'error', message: 'Incompatible return value type (got "str", expected "int")', toolCode: 'return-value', matcher: 'mypy' },
      { file: 'app/views.py', line: 3, column: 5, severity: 'info', toolCode: undefined },
    ], 'mypy');
  });

  it('uses defaultSeverity without a severity group, end positions, and a default name', () => {
    const pattern: ProblemPattern = { regexp: '^LINT (\\S+) (\\d+),(\\d+)-(\\d+),(\\d+) (.*)$', file: 1, line: 2, column: 3, endLine: 4, endColumn: 5, message: 6, defaultSeverity: 'warning' };
    assertProblems(scanAll(['tsc', pattern], 'LINT a.sql 3,1-4,9 trailing whitespace\n'), [
      { file: 'a.sql', line: 3, column: 1, endLine: 4, endColumn: 9, severity: 'warning', message: 'trailing whitespace', matcher: 'pattern 2' },
    ], 'positions');
  });

  it('skips matches whose line group is not a number or whose file is empty', () => {
    const pattern: ProblemPattern = { regexp: '^(\\S*):(\\w+): (.*)$', file: 1, line: 2, message: 3 };
    assert.deepEqual(scanAll([pattern], 'a.txt:abc: no\n:3: no\nb.txt:7: yes\n').map((p) => `${p.file}:${p.line}`), ['b.txt:7']);
  });

  it('a bad pattern is a configuration error naming the pattern and the field', () => {
    const cases: [ProblemPattern, RegExp][] = [
      [{ name: 'x', regexp: '(unclosed', file: 1, line: 1, message: 1 }, /problems\[0\] \("x"\)\.regexp: invalid regular expression/],
      [{ regexp: '^(a)(b)$', file: 1, line: 2, message: 3 }, /problems\[0\]\.message: expected a capture group number from 1 to 2, got 3/],
      [{ regexp: '^(a)(b)$', file: 1, line: 0, message: 2 }, /problems\[0\]\.line: .* got 0/],
      [{ regexp: '^(a)(b)$', file: 1, line: 2, message: 2, column: 1.5 }, /\.column: .* got 1\.5/],
      [{ regexp: '', file: 1, line: 2, message: 2 }, /\.regexp: a regular expression is required/],
    ];
    for (const [pattern, message] of cases) {
      assert.throws(() => new ProblemScanner([pattern]), (err: Error & { code?: string }) => err.code === 'RB-CONFIG-001' && message.test(err.message), JSON.stringify(pattern));
    }
  });
});
