import type { UserRule } from '../classify';
import type { BreakerConfig, RetryPolicyConfig } from '../resilience';

/**
 * A task as the runner sees it, resolved from `tasks.NAME` in .rebound/config.json (or from a
 * tasks.json entry of type `rebound`). Config parsing produces these; the runner consumes them.
 */
export interface TaskDefinition {
  name: string;
  /** Ordered steps. A task given as a single `command` has one step named after the task. */
  steps: StepDefinition[];
  /** Working directory, relative to the workspace folder ('.' by default). */
  cwd: string;
  /** Extra environment variables, on top of the runner's own environment. */
  env: Record<string, string>;
  /** Stop an attempt of a step that runs longer than this, killing its whole process tree. */
  timeoutMs?: number;
  /** The retry policy for each step: a preset name or an inline policy ('standard' when absent). */
  retry: RetryPolicyConfig;
  /** The circuit breaker guarding this task, shared by every task that names the same key. */
  breaker?: { name: string; config: BreakerConfig };
  /** Another task to run when this one gives up or its breaker is open. */
  fallback?: string;
  /** Problem patterns applied to the output: built-in matcher names or inline patterns (none: every built-in one). */
  problems: ProblemSpec[];
  /**
   * Whether a failed run is parked in the dead-letter queue. Unset: yes, except a code failure
   * (build, type, lint, test) that put problems in the Problems panel; true: always; false: never.
   */
  deadLetter?: boolean;
  /** Classification rules for this task's failures: the workspace `rules` (tried before the built-in ones). */
  rules: UserRule[];
}

export interface StepDefinition {
  name: string;
  /** Run through the user's shell. */
  command: string;
  /** Run through the shell, in reverse step order, to undo this step after a later failure. */
  undo?: string;
  /** `ask`: the step is not idempotent; a resume runs it again (after it started) only with a person's yes. */
  rerun?: 'always' | 'ask';
}

/** The built-in problem matchers a task can name in `problems`. */
export const BUILTIN_PROBLEM_MATCHERS = ['tsc', 'eslint', 'eslint-unix', 'gcc', 'clang', 'python', 'pytest', 'node', 'go', 'cargo'] as const;
export type BuiltinProblemMatcher = (typeof BUILTIN_PROBLEM_MATCHERS)[number];

/** The matchers a task without `problems` gets: every built-in one (clang reads as gcc does). */
export const DEFAULT_PROBLEM_MATCHERS: readonly BuiltinProblemMatcher[] = BUILTIN_PROBLEM_MATCHERS.filter((m) => m !== 'clang');

/**
 * A user problem pattern: a regular expression applied to each line of output, with the numbers
 * of its capture groups (1-based) that hold the file, line, column, severity, code and message.
 */
export interface ProblemPattern {
  /** Optional name, shown as the diagnostic's source detail. */
  name?: string;
  regexp: string;
  file: number;
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** Group holding "error", "warning" or "info"/"note" (anything else counts as an error). */
  severity?: number;
  /** Severity when the pattern has no severity group (default 'error'). */
  defaultSeverity?: 'error' | 'warning' | 'info';
  code?: number;
  message: number;
}

export type ProblemSpec = BuiltinProblemMatcher | ProblemPattern;

/** A problem found in a task's output. `file` is as printed (relative to the task's cwd, or absolute). */
export interface Problem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column?: number;
  endLine?: number;
  endColumn?: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The tool's own code (TS2322, no-unused-vars, E0308). */
  toolCode?: string;
  /** The matcher that found it (tsc, eslint, or the user pattern's name). */
  matcher: string;
}
