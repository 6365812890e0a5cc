import { codeOf, type AnyCode } from '../errors/codes';
import type { Category, Severity } from '../errors/types';
import type { UserRule } from './ruleSchema';

/** One way a rule can match: every field given must hold (AND). Lists mean "any of". */
export interface MatchSpec {
  /** Literal text in the output or message, case-insensitive. */
  output?: readonly string[];
  /** A regular expression (source) matched against the text, case-sensitive; ^ and $ match at line ends. */
  pattern?: string;
  /**
   * A regular expression tried, case-insensitively, only on lines holding one of `triggers`
   * (case-insensitive ASCII text that every match contains): how built-in rules stay one pass.
   */
  line?: { pattern: string; triggers: readonly string[] };
  exitCode?: readonly number[];
  signal?: readonly string[];
  /** Node error codes or SQLite result codes, from the error object or seen as a word in the text. */
  errorCode?: readonly string[];
  /** HTTP statuses, from the error object or seen in the text ("HTTP/1.1 503", "status: 429", "503 Service Unavailable"). */
  httpStatus?: readonly number[];
  component?: string;
  task?: string;
}

/** A classification rule: the first rule (in order) any of whose specs matches decides. */
export interface Rule {
  id: string;
  code: AnyCode;
  category: Category;
  severity: Severity;
  retryable: boolean;
  title?: string;
  /** Guidance text carried by a user rule. */
  guidance?: string;
  any: readonly MatchSpec[];
}

const list = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v as T]);

/** A validated user rule (`rules[index]` in config.json) as a classifier rule. */
export function ruleFromUser(u: UserRule, index: number): Rule {
  const m = u.match;
  const spec: MatchSpec = {
    output: list(m.output),
    pattern: m.pattern,
    exitCode: list(m.exitCode),
    signal: list(m.signal),
    errorCode: list(m.errorCode),
    httpStatus: list(m.httpStatus),
    component: m.component,
    task: m.task,
  };
  return {
    id: `rules[${index}]`,
    code: codeOf(u.code),
    category: u.category,
    severity: u.severity ?? 'MEDIUM',
    retryable: u.retryable ?? u.category === 'transient',
    title: u.title,
    guidance: u.guidance,
    any: [spec],
  };
}
