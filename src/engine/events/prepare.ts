import type { Classification, Classifier } from '../classify/classifier';
import { headlineOf } from '../classify/headline';
import { isReboundError } from '../errors/reboundError';
import type { Category, ErrorContext, Severity } from '../errors/types';
import { fingerprint } from '../fingerprint/fingerprint';
import { BUILTIN_GUIDANCE } from '../guidance/catalog';
import { topWorkspaceFrame, type StackFrame } from '../fingerprint/stackFrame';
import { healthComponentOf } from '../health/evaluate';
import { locateFailure, type FailureLocation } from '../locate/locate';
import { redact } from '../redact/redact';

/** A failure to record. Everything is optional; what is missing is taken from `error`. */
export interface RecordInput {
  /** The thrown value: message, stack, code, cause chain and (for Rebound errors) context. */
  error?: unknown;
  message?: string;
  /** The command's output: classified, searched for the failure's location, and its tail kept as details. */
  output?: string;
  details?: string;
  stack?: string;
  /** Milliseconds since the epoch; default the recorder's clock. */
  time?: number;
  /** Where it happened; merged over a Rebound error's own context. */
  context?: ErrorContext;
  /** An already made classification (skips the classifier). */
  classification?: Classification;
}

/** What describes an issue, refreshed from its latest event. */
export interface IssueDescription {
  fingerprint: string;
  title: string;
  culprit: string | null;
  code: string;
  category: Category;
  severity: Severity;
  component: string | null;
  task: string | null;
  migration: string | null;
}

/** An event's stored fields, redacted and capped. */
export interface PreparedRow {
  time: number;
  severity: Severity;
  category: Category;
  code: string;
  component: string | null;
  message: string;
  details: string | null;
  stack: string | null;
  task: string | null;
  step: string | null;
  migration: string | null;
  file: string | null;
  line: number | null;
  column: number | null;
  command: string | null;
  exitCode: number | null;
  signal: string | null;
  durationMs: number | null;
  attempt: number | null;
  runId: string | null;
  rule: string | null;
  evidence: string | null;
  fingerprint: string;
}

/** An event ready to store: classified, redacted and fingerprinted. */
export interface PreparedEvent {
  row: PreparedRow;
  classification: Classification;
  issue: IssueDescription;
  /** The health component the hourly counters file it under. */
  bucketComponent: string;
}

export interface EventPreparerOptions {
  classifier: Classifier;
  workspaceRoot?: string;
  now: () => number;
}

const LIMITS = { message: 4000, details: 4000, stack: 16000, command: 2000 };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null);
const cap = (s: string | undefined, n: number): string | null => (s === undefined ? null : s.length > n ? s.slice(0, n) : s);
const tail = (s: string, n: number): string => (s.length > n ? s.slice(s.length - n) : s);

/** The frames part of a stack, as first seen: redacted, whether redaction changed nothing, its top workspace frame. */
interface KnownFrames {
  redacted: string;
  clean: boolean;
  frame: StackFrame | undefined;
}

/**
 * Event preparation, pure (no I/O, no database): classifies a failure, finds where it points
 * (the innermost workspace frame of its stack or output), gives it a headline, redacts every text
 * and fingerprints it. What repeats across events (stack frames, short texts) is remembered in
 * small bounded caches, which change no result.
 */
export class EventPreparer {
  private readonly frameCache = new Map<string, KnownFrames>();
  private readonly redactCache = new Map<string, string>();
  private lastFrames: string | undefined;
  private lastKnown: KnownFrames | undefined;

  constructor(private readonly options: EventPreparerOptions) {}

  prepare(input: RecordInput): PreparedEvent {
    const error = input.error;
    const own = isReboundError(error) ? error.context : undefined;
    // Read only below: merged only when both are there.
    const ctx: ErrorContext = own === undefined ? (input.context ?? NO_CONTEXT) : input.context === undefined ? own : { ...own, ...input.context };
    const e: object = typeof error === 'object' && error !== null ? error : NO_ERROR;
    const rawMessage = str(input.message) ?? str(prop(e, 'message')) ?? (typeof error === 'string' ? error : undefined);
    const output = str(input.output);
    const classification =
      input.classification ??
      this.options.classifier.classify({ message: rawMessage, output, exitCode: ctx.exitCode, signal: ctx.signal, error, component: ctx.component, task: ctx.task });
    const message = redact(cap(rawMessage, LIMITS.message) || classification.code);
    const stack = cap(str(input.stack) ?? str(prop(e, 'stack')), LIMITS.stack);
    const details = str(input.details) ?? (output ? tail(output, LIMITS.details) : undefined);
    const name = str(prop(e, 'name'));
    const frames = stack === null ? undefined : this.frames(stack, name, rawMessage, message);
    const root = this.options.workspaceRoot;
    const frame: FailureLocation | undefined =
      (typeof ctx.file === 'string' ? { file: ctx.file, ...(num(ctx.line) === null ? {} : { line: num(ctx.line)! }) } : undefined) ??
      frames?.frame ??
      topWorkspaceFrame(frames?.head, root) ??
      locateFailure(output, { workspaceRoot: root, cwd: ctx.cwd });
    // The headline: the output's own (its exception, its error line, the evidence) before the message.
    const headline = headlineFor({ output, evidence: classification.evidence, code: classification.code, exitCode: ctx.exitCode, signal: ctx.signal });
    const fp = fingerprint({
      code: classification.code,
      message,
      headline: headline === undefined ? undefined : this.redactRepeated(headline),
      frame,
      task: ctx.task,
      step: ctx.step,
      migration: ctx.migration,
      component: ctx.component,
      workspaceRoot: root,
    });
    const time = num(input.time) ?? this.options.now();
    const file = fp.frame?.file;
    const row: PreparedRow = {
      time,
      severity: classification.severity,
      category: classification.category,
      code: classification.code,
      component: ctx.component ?? null,
      message,
      details: details === undefined ? null : redact(details),
      stack: frames === undefined ? null : frames.stack,
      task: ctx.task ?? null,
      step: ctx.step ?? null,
      migration: ctx.migration ?? null,
      file: file === undefined ? null : this.redactRepeated(file),
      line: fp.frame?.line ?? null,
      column: num(ctx.column) ?? fp.frame?.column ?? null,
      command: ctx.command === undefined ? null : this.redactRepeated(cap(ctx.command, LIMITS.command)!),
      exitCode: num(ctx.exitCode),
      signal: ctx.signal ?? null,
      durationMs: num(ctx.durationMs),
      attempt: num(ctx.attempt),
      runId: ctx.runId ?? null,
      rule: classification.rule,
      evidence: classification.evidence === undefined ? null : this.redactRepeated(classification.evidence),
      fingerprint: fp.fingerprint,
    };
    return {
      row,
      classification,
      bucketComponent: healthComponentOf(ctx),
      issue: {
        fingerprint: fp.fingerprint,
        title: fp.title,
        culprit: fp.culprit ? this.redactRepeated(fp.culprit) : null,
        code: classification.code,
        category: classification.category,
        severity: classification.severity,
        component: ctx.component ?? null,
        task: ctx.task ?? null,
        migration: ctx.migration ?? null,
      },
    };
  }

  /** `redact` remembered for short values that repeat across events (commands, files, culprits, evidence lines). */
  private redactRepeated(text: string): string {
    if (text.length > 256) return redact(text);
    let r = this.redactCache.get(text);
    if (r === undefined) {
      if (this.redactCache.size >= 1024) this.redactCache.clear();
      r = redact(text);
      this.redactCache.set(text, r);
    }
    return r;
  }

  /**
   * A stack split at its first frame line: the head (the message) is redacted each time; the
   * frames, which repeat for every failure of one code path, are redacted and searched for the
   * top workspace frame once and remembered (a small cache). Returns the redacted stack (the very
   * `stack` string when nothing in it was secret), its redacted head and the frames' top workspace frame.
   */
  private frames(stack: string, name: string | undefined, rawMessage: string | undefined, message: string): { stack: string; head: string; frame: StackFrame | undefined } {
    let cut = stack.indexOf('\n    at ');
    if (cut < 0) {
      const m = /\n[ \t]+at /.exec(stack);
      cut = m ? m.index : stack.length;
    }
    const rawHead = stack.slice(0, cut);
    // The head is usually "Name: message", whose message is already redacted (and is the very
    // same string when nothing was redacted).
    let head: string;
    if (name !== undefined && rawMessage !== undefined && isHead(rawHead, name, rawMessage)) head = message === rawMessage ? rawHead : `${name}: ${message}`;
    else head = redact(rawHead);
    const rest = stack.slice(cut);
    // Repeats of one failure have the very same frames: comparing with the last ones is cheaper
    // than hashing a long string for the map.
    let known = rest === this.lastFrames ? this.lastKnown : this.frameCache.get(rest);
    if (!known) {
      if (this.frameCache.size >= 256) this.frameCache.clear();
      const redacted = redact(rest);
      known = { redacted, clean: redacted === rest, frame: topWorkspaceFrame(rest, this.options.workspaceRoot) };
      this.frameCache.set(rest, known);
    }
    this.lastFrames = rest;
    this.lastKnown = known;
    // Nothing redacted: the stack as it came (one flat string, not a new concatenation to copy).
    return { stack: head === rawHead && known.clean ? stack : head + known.redacted, head, frame: known.frame };
  }
}

/**
 * An issue's headline: the output's own ({@link headlineOf}); for a command that printed nothing,
 * what the code means and how the command ended ("Timed out: no output, exit 124"). Undefined
 * when no output was given (a thrown error: its message's first line titles it).
 */
export function headlineFor(f: { output?: string; evidence?: string; code: string; exitCode?: number | null; signal?: string | null }): string | undefined {
  if (f.output === undefined) return undefined;
  const h = headlineOf(f.output, f.evidence);
  if (h) return h;
  if ((f.exitCode === undefined || f.exitCode === null) && !f.signal) return undefined;
  const g = BUILTIN_GUIDANCE.get(f.code);
  return g ? `${g.title}: no output, ${f.signal ? `killed by ${f.signal}` : `exit ${f.exitCode}`}` : undefined;
}

const NO_CONTEXT: ErrorContext = Object.freeze({});
const NO_ERROR: object = Object.freeze({});

/** Whether `head` is exactly `${name}: ${message}` (without building that string). */
function isHead(head: string, name: string, message: string): boolean {
  return (
    head.length === name.length + 2 + message.length &&
    head.startsWith(name) &&
    head.charCodeAt(name.length) === 58 &&
    head.charCodeAt(name.length + 1) === 32 &&
    head.endsWith(message)
  );
}

/** `o[key]`, or undefined when reading it throws (a hostile getter). */
function prop(o: object, key: string): unknown {
  try {
    return (o as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
