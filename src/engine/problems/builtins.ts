import { ConfigurationError } from '../errors';
import { BUILTIN_PROBLEM_MATCHERS, type BuiltinProblemMatcher, type ProblemSpec } from '../tasks/definition';
import { cargoMatcher } from './cargo';
import { eslintStylishMatcher, eslintUnixMatcher } from './eslint';
import { gccMatcher } from './gcc';
import { goMatcher } from './go';
import type { LineMatcher } from './matcher';
import { nodeMatcher } from './node';
import { pytestMatcher } from './pytest';
import { pythonMatcher } from './python';
import { tscMatcher } from './tsc';
import { userPatternMatcher } from './userPattern';

const FACTORIES: Record<BuiltinProblemMatcher, () => LineMatcher> = {
  tsc: () => tscMatcher(),
  eslint: () => eslintStylishMatcher(),
  'eslint-unix': () => eslintUnixMatcher(),
  gcc: () => gccMatcher('gcc'),
  clang: () => gccMatcher('clang'),
  python: () => pythonMatcher(),
  pytest: () => pytestMatcher(),
  node: () => nodeMatcher(),
  go: () => goMatcher(),
  cargo: () => cargoMatcher(),
};

export function isBuiltinProblemMatcher(x: unknown): x is BuiltinProblemMatcher {
  return typeof x === 'string' && (BUILTIN_PROBLEM_MATCHERS as readonly string[]).includes(x);
}

/**
 * A fresh matcher (matchers keep per-stream state) for a built-in name or a user pattern.
 * `index` is the spec's position in `problems`, used in error messages and default names.
 */
export function createLineMatcher(spec: ProblemSpec, index: number): LineMatcher {
  if (typeof spec === 'string') {
    if (!isBuiltinProblemMatcher(spec)) {
      throw new ConfigurationError(
        `problems[${index}]: unknown problem matcher ${JSON.stringify(spec)} (known: ${BUILTIN_PROBLEM_MATCHERS.join(', ')})`,
      );
    }
    return FACTORIES[spec]();
  }
  if (spec === null || typeof spec !== 'object') {
    throw new ConfigurationError(`problems[${index}]: expected a built-in matcher name or a pattern object`);
  }
  return userPatternMatcher(spec, index);
}
