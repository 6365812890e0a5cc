export { ProblemScanner, DEFAULT_MAX_LINE_LENGTH, DEFAULT_MAX_PROBLEMS, type ProblemScannerOptions } from './scanner';
export { createLineMatcher, isBuiltinProblemMatcher } from './builtins';
export { stripAnsi } from './lines';
export type { LineMatcher, Emit } from './matcher';
