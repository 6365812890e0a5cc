import { isReboundError } from '../errors/reboundError';
import { codeOf, type AnyCode } from '../errors/codes';
import type { Category, Severity } from '../errors/types';
import { BUILTIN_RULES } from './builtinRules';
import { headlineOf } from './headline';
import { stripAnsi } from '../problems/lines';
import { NO_CODES, NO_STATUSES, codeAliases, compileRules, setCode, setStatus, type CompiledRules, type ScanResult } from './compile';
import { ruleFromUser, type MatchSpec, type Rule } from './rule';
import type { UserRule } from './ruleSchema';

/** What is known about a failure. Everything is optional; the classifier never throws on any of it. */
export interface FailureInput {
  message?: string;
  /** The command's output (stdout and stderr), scanned once line by line. */
  output?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** The thrown value: its code, HTTP status, message and cause chain are used. */
  error?: unknown;
  /** A Node error code or SQLite result code known separately from `error`. */
  errorCode?: string;
  httpStatus?: number;
  component?: string;
  task?: string;
}

export interface Classification {
  code: AnyCode;
  category: Category;
  severity: Severity;
  retryable: boolean;
  /** The guidance catalog id (the code). */
  guidance: AnyCode;
  /** Which rule decided: `rules[i]` (user), `builtin:CODE`, `error` (the error's own class) or `fallback`. */
  rule: string;
  /** The line of text that matched, when a text condition decided (trimmed, at most 300 characters). */
  evidence?: string;
  /** A wait suggested by the failure itself (Retry-After, "retry in 30s", a Rebound error's hint). */
  delayHintMs?: number;
}

interface Facts {
  text: string;
  /** The command's output alone (for the most telling line when no rule matches). */
  output?: string;
  exitCode?: number;
  signal?: string;
  codes: Map<string, number>;
  statuses: Map<number, number>;
  component?: string;
  task?: string;
  delayHintMs?: number;
  /** A Rebound error's own classification, when it has a category. */
  ownError?: Classification;
  /** A Rebound error of category `unknown`: its code stands when no rule matches. */
  ownFallback?: Pick<Classification, 'code' | 'severity' | 'retryable' | 'guidance'>;
}

const MAX_CAUSES = 8;

/**
 * Classifies failures with ordered rules: the user's rules first, then a Rebound error's own
 * classification (when it is not `unknown`), then the built-in rules, then a fallback.
 * Rules are compiled once per classifier; each call makes one pass over the text.
 */
export class Classifier {
  private readonly user: CompiledRules;
  private readonly builtin: CompiledRules;

  constructor(userRules: readonly UserRule[] = [], builtinRules: readonly Rule[] = BUILTIN_RULES) {
    const user: Rule[] = [];
    userRules.forEach((u, i) => {
      try {
        user.push(ruleFromUser(u, i));
      } catch {
        // A rule that is not even shaped right is left out (config validation reports it).
      }
    });
    this.user = compileRules(user);
    this.builtin = builtinRules === BUILTIN_RULES ? builtinCompiled : compileRules(builtinRules, { weakFirst: true });
  }

  /** Rules left out because they could not be compiled, with the reason. */
  get problems(): string[] {
    return [...this.user.problems, ...this.builtin.problems];
  }

  classify(input: FailureInput): Classification {
    try {
      return this.decide(input);
    } catch {
      return fallback(undefined);
    }
  }

  private decide(input: FailureInput): Classification {
    const facts = gather(input);
    if (this.user.rules.length > 0) {
      const hit = first(this.user, this.user.scan(facts.text), facts);
      if (hit) return hit;
    }
    if (facts.ownError) return { ...facts.ownError, delayHintMs: facts.ownError.delayHintMs ?? facts.delayHintMs };
    const scan = this.builtin.scan(facts.text);
    const hit = first(this.builtin, scan, facts);
    if (hit) return hit;
    return fallback(facts, scan.delayHintMs);
  }
}

const builtinCompiled: CompiledRules = compileRules(BUILTIN_RULES, { weakFirst: true });

/** A classifier with the built-in rules only. */
export const defaultClassifier = new Classifier();

export function createClassifier(userRules: readonly UserRule[] = []): Classifier {
  return userRules.length === 0 ? defaultClassifier : new Classifier(userRules);
}

/** Candidate flags by rule index: scratch, reused by every call (classifying is synchronous). */
let candidate = new Uint8Array(64);

/** Flags the rules in `list` as candidates; whether there was a list. */
function mark(list: number[] | undefined): boolean {
  if (!list) return false;
  for (let i = 0; i < list.length; i++) candidate[list[i]] = 1;
  return true;
}

/** Flags the rules that name any key of `seen`; whether any does. */
function markSeen<K>(seen: Map<K, number>, rulesByKey: Map<K, number[]>): boolean {
  if (seen.size === 0) return false;
  let any = false;
  for (const k of seen.keys()) if (mark(rulesByKey.get(k))) any = true;
  return any;
}

function first(compiled: CompiledRules, scan: ScanResult, facts: Facts): Classification | undefined {
  // Only rules some found evidence can satisfy are tried, lowest index (highest priority) first.
  const { index, rules } = compiled;
  if (candidate.length < rules.length) candidate = new Uint8Array(rules.length);
  else candidate.fill(0, 0, rules.length);
  let any = false;
  for (let id = 0; id < scan.conditionAt.length; id++) if (scan.conditionAt[id] >= 0 && mark(index.byCondition[id])) any = true;
  if (markSeen(facts.codes, index.byCode)) any = true;
  if (markSeen(scan.codes, index.byCode)) any = true;
  if (markSeen(facts.statuses, index.byStatus)) any = true;
  if (markSeen(scan.statuses, index.byStatus)) any = true;
  if (facts.exitCode !== undefined && mark(index.byExitCode.get(facts.exitCode))) any = true;
  if (facts.signal !== undefined && mark(index.bySignal.get(facts.signal))) any = true;
  if (!any) return undefined;
  // Built-in rules: a spec that only names an exit code or a signal is weaker evidence than a line
  // of output (an abort after a failed assertion is a failed assertion): it decides only when no
  // rule matched on text, an error code or an HTTP status. User rules decide in their own order.
  let statusOnly: { r: number } | undefined;
  for (let r = 0; r < rules.length; r++) {
    if (candidate[r] === 0) continue;
    const rule = rules[r];
    for (let s = 0; s < rule.any.length; s++) {
      const spec = rule.any[s];
      const at = specMatch(spec, compiled.literalIds[r][s], compiled.patternIds[r][s], scan, facts);
      if (at === undefined) continue;
      if (compiled.weakFirst && isStatusOnly(spec)) {
        statusOnly ??= { r };
        continue;
      }
      return decided(rule, at, scan, facts);
    }
  }
  return statusOnly === undefined ? undefined : decided(rules[statusOnly.r], -1, scan, facts);
}

function isStatusOnly(spec: MatchSpec): boolean {
  return (
    (spec.exitCode !== undefined || spec.signal !== undefined) &&
    spec.output === undefined &&
    spec.pattern === undefined &&
    spec.line === undefined &&
    spec.errorCode === undefined &&
    spec.httpStatus === undefined
  );
}

function decided(rule: Rule, at: number, scan: ScanResult, facts: Facts): Classification {
      const c: Classification = {
        code: rule.code,
        category: rule.category,
        severity: rule.severity,
        retryable: rule.retryable,
        guidance: rule.code,
        rule: rule.id,
      };
      if (at >= 0) c.evidence = lineAt(facts.text, at);
      const delay = scan.delayHintMs ?? facts.delayHintMs;
      if (delay !== undefined) c.delayHintMs = delay;
      return c;
}

/** Where `key` was seen: the structured facts first (-1), then the text. */
function seenAt<K>(facts: Map<K, number>, text: Map<K, number>, key: K): number | undefined {
  return (facts.size > 0 ? facts.get(key) : undefined) ?? (text.size > 0 ? text.get(key) : undefined);
}

const earlier = (at: number, pos: number) => (pos >= 0 && (at < 0 || pos < at) ? pos : at);

/** Whether `spec` matches: undefined when not; -1 when on structured facts only; else the earliest text offset. */
function specMatch(
  spec: MatchSpec,
  literalIds: number[],
  patternId: number,
  scan: ScanResult,
  facts: Facts,
): number | undefined {
  if (spec.component !== undefined && spec.component !== facts.component) return undefined;
  if (spec.task !== undefined && spec.task !== facts.task) return undefined;
  if (spec.exitCode && (facts.exitCode === undefined || !spec.exitCode.includes(facts.exitCode))) return undefined;
  if (spec.signal && (facts.signal === undefined || !spec.signal.includes(facts.signal))) return undefined;
  let at = -1;
  if (patternId >= 0) {
    const pos = scan.conditionAt[patternId];
    if (pos < 0) return undefined;
    at = pos;
  }
  if (literalIds.length > 0) {
    let found = false;
    for (let i = 0; i < literalIds.length; i++) {
      const pos = scan.conditionAt[literalIds[i]];
      if (pos >= 0) {
        found = true;
        at = earlier(at, pos);
      }
    }
    if (!found) return undefined;
  }
  if (spec.errorCode) {
    if (facts.codes.size === 0 && scan.codes.size === 0) return undefined;
    let found = false;
    for (const c of spec.errorCode) {
      const pos = seenAt(facts.codes, scan.codes, c);
      if (pos !== undefined) {
        found = true;
        at = earlier(at, pos);
      }
    }
    if (!found) return undefined;
  }
  if (spec.httpStatus) {
    if (facts.statuses.size === 0 && scan.statuses.size === 0) return undefined;
    let found = false;
    for (const st of spec.httpStatus) {
      const pos = seenAt(facts.statuses, scan.statuses, st);
      if (pos !== undefined) {
        found = true;
        at = earlier(at, pos);
      }
    }
    if (!found) return undefined;
  }
  return at;
}

function lineAt(text: string, at: number): string {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  let end = text.indexOf('\n', at);
  if (end < 0) end = text.length;
  const line = text.slice(start, Math.min(end, start + 300)).trim();
  return line;
}

function fallback(facts: Facts | undefined, delay?: number): Classification {
  const exec = facts !== undefined && ((facts.exitCode !== undefined && facts.exitCode !== 0) || facts.signal !== undefined);
  const c: Classification = exec
    ? { code: 'RB-EXEC-001', category: 'unknown', severity: 'HIGH', retryable: false, guidance: 'RB-EXEC-001', rule: 'fallback' }
    : { code: 'RB-UNKNOWN-001', category: 'unknown', severity: 'MEDIUM', retryable: false, guidance: 'RB-UNKNOWN-001', rule: 'fallback' };
  if (facts?.ownFallback) Object.assign(c, facts.ownFallback);
  // Unexplained output still says something: its most telling line is the evidence (and headline).
  const telling = facts?.output ? headlineOf(facts.output) : undefined;
  if (telling) c.evidence = telling;
  const d = delay ?? facts?.delayHintMs;
  if (d !== undefined) c.delayHintMs = d;
  return c;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

function addCode(facts: Facts, c: unknown): void {
  if (typeof c === 'string' && c.length > 0 && c.length < 80) for (const a of codeAliases(c)) setCode(facts, a, -1);
}

function addStatus(facts: Facts, s: unknown): void {
  const n = int(s);
  if (n !== undefined && n >= 100 && n <= 599) setStatus(facts, n, -1);
}

/** Collects the structured facts (codes, statuses, exit code, signal, messages) without ever throwing. */
function gather(input: FailureInput): Facts {
  const texts: string[] = [];
  // Every field from the start: one object shape, no property store growing field by field.
  const facts: Facts = {
    text: '',
    output: undefined,
    codes: NO_CODES as Map<string, number>,
    statuses: NO_STATUSES as Map<number, number>,
    exitCode: int(input.exitCode),
    signal: str(input.signal),
    component: str(input.component),
    task: str(input.task),
    delayHintMs: undefined,
    ownError: undefined,
    ownFallback: undefined,
  };
  const msg = str(input.message);
  if (msg) texts.push(msg);
  addCode(facts, input.errorCode);
  addStatus(facts, input.httpStatus);

  let e: unknown = input.error;
  // The causes seen (a chain may loop); most errors have no cause, so it is made at the first.
  let seen: unknown[] | undefined;
  for (let depth = 0; depth < MAX_CAUSES && e !== undefined && e !== null; depth++) {
    if (depth > 0) {
      seen ??= [input.error];
      if (seen.includes(e)) break;
      seen.push(e);
    }
    if (typeof e === 'string') {
      texts.push(e);
      break;
    }
    if (typeof e !== 'object') break;
    let next: unknown;
    try {
      next = readError(e as Record<string, unknown>, depth, msg, texts, facts);
    } catch {
      // A hostile getter: use what was read so far.
      break;
    }
    e = next;
  }
  let out = str(input.output);
  // Colours split the words rules look for ("\u001b[91merror\u001b[0m TS2304"): the text is read without them.
  if (out && out.indexOf('\u001b') >= 0) out = stripAnsi(out);
  if (out) texts.push(out);
  facts.output = out;
  facts.text = texts.length === 1 ? texts[0] : texts.join('\n');
  return facts;
}

/** Reads one error of the cause chain into `facts`; returns its cause. May throw (hostile getters). */
function readError(o: Record<string, unknown>, depth: number, msg: string | undefined, texts: string[], facts: Facts): unknown {
  const m = str(o.message);
  if (m && m !== msg) texts.push(m);
  addCode(facts, o.code);
  addStatus(facts, o.status);
  addStatus(facts, o.statusCode);
  const response = o.response;
  if (typeof response === 'object' && response !== null) addStatus(facts, (response as Record<string, unknown>).status);
  if (isReboundError(o)) {
    const ctx = o.context ?? {};
    if (facts.exitCode === undefined) facts.exitCode = int(ctx.exitCode);
    if (facts.signal === undefined) facts.signal = str(ctx.signal);
    if (facts.component === undefined) facts.component = str(ctx.component);
    if (facts.task === undefined) facts.task = str(ctx.task);
    if (typeof ctx.delayHintMs === 'number' && facts.delayHintMs === undefined) facts.delayHintMs = ctx.delayHintMs;
    if (depth === 0 && o.category !== 'unknown') {
      const own: Classification = { code: codeOf(o.code), category: o.category, severity: o.severity, retryable: o.retryable, guidance: codeOf(o.guidance), rule: 'error' };
      if (facts.delayHintMs !== undefined) own.delayHintMs = facts.delayHintMs;
      facts.ownError = own;
    } else if (depth === 0) {
      facts.ownFallback = { code: codeOf(o.code), severity: o.severity, retryable: o.retryable, guidance: codeOf(o.guidance) };
    }
  } else {
    if (facts.exitCode === undefined) facts.exitCode = int(o.exitCode);
    if (facts.signal === undefined) facts.signal = str(o.signal);
  }
  return o.cause;
}
