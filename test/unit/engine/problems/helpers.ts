import assert from 'node:assert/strict';
import { ProblemScanner } from '../../../../src/engine/problems';
import type { Problem } from '../../../../src/engine/tasks/definition';

/** Checks the fields the expectation names (an `undefined` there means "absent"). */
export function assertProblems(actual: readonly Problem[], expected: readonly Partial<Problem>[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: ${JSON.stringify(actual, null, 1)}`);
  expected.forEach((want, i) => {
    for (const [key, value] of Object.entries(want)) {
      assert.deepEqual(actual[i][key as keyof Problem], value, `${label} #${i} ${key}: ${JSON.stringify(actual[i])}`);
    }
  });
}

export function scanAll(specs: ConstructorParameters<typeof ProblemScanner>[0], output: string): Problem[] {
  const scanner = new ProblemScanner(specs);
  scanner.push(output);
  return scanner.end();
}
