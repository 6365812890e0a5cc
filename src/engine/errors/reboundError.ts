import { codeOf, type AnyCode, type ReboundCode } from './codes';
import { isCategory, isSeverity, type Category, type ErrorContext, type Severity } from './types';

/** Marks Rebound errors so guards work across module copies, where `instanceof` does not. */
export const REBOUND_ERROR_BRAND = Symbol.for('rebound.error');

export interface ReboundErrorOptions {
  /** Rebound's own codes are checked against the table (src/engine/errors/codes.ts); others come through `codeOf`. */
  code?: AnyCode;
  category?: Category;
  severity?: Severity;
  retryable?: boolean;
  context?: ErrorContext;
  /** A guidance catalog id; defaults to the code. */
  guidance?: AnyCode;
  cause?: unknown;
}

/** The JSON form of an error: plain data, safe to store and send, enough to rebuild the error. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Rebound kinds, most specific first (e.g. ['LockError']); absent for foreign errors. */
  kinds?: string[];
  code?: string;
  category?: Category;
  severity?: Severity;
  retryable?: boolean;
  context?: ErrorContext;
  guidance?: string;
  cause?: SerializedError | string | number | boolean | null;
}

interface KindDefaults {
  code: ReboundCode;
  category: Category;
  severity: Severity;
  retryable: boolean;
}

type KindConstructor = new (message: string, options?: ReboundErrorOptions) => ReboundError;
const registry = new Map<string, KindConstructor>();

/**
 * The base of every Rebound failure: a stable `code`, a `category`, a `severity`, whether a retry
 * may help, where it happened (`context`), which guidance explains it, and the `cause`.
 * Subclasses set a static `kind` and `defaults`; JSON round trips keep the stack and cause chain.
 */
export class ReboundError extends Error {
  static readonly kind: string = 'ReboundError';
  static readonly defaults: KindDefaults = { code: 'RB-UNKNOWN-001', category: 'unknown', severity: 'MEDIUM', retryable: false };

  readonly code: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly retryable: boolean;
  readonly context: ErrorContext;
  readonly guidance: string;
  /** This error's kinds, most specific first (its class's `kind` and every parent's, but not the base). */
  readonly kinds: readonly string[];
  declare readonly cause: unknown;

  constructor(message: string, options: ReboundErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as unknown as typeof ReboundError;
    const d = ctor.defaults;
    this.name = ctor.kind;
    this.code = options.code ?? d.code;
    this.category = options.category ?? d.category;
    this.severity = options.severity ?? d.severity;
    this.retryable = options.retryable ?? d.retryable;
    this.context = { ...(options.context ?? {}) };
    this.guidance = options.guidance ?? this.code;
    this.kinds = kindsOf(ctor);
    Object.defineProperty(this, REBOUND_ERROR_BRAND, { value: true, enumerable: false });
  }

  /** A copy with more context (later keys win), keeping stack, cause and class. */
  withContext(context: ErrorContext): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(this));
    Object.defineProperty(copy, 'context', { value: { ...this.context, ...context }, enumerable: true });
    return copy;
  }

  toJSON(): SerializedError {
    const json: SerializedError = {
      name: this.name,
      message: this.message,
      kinds: [...this.kinds],
      code: this.code,
      category: this.category,
      severity: this.severity,
      retryable: this.retryable,
      context: { ...this.context },
      guidance: this.guidance,
    };
    if (this.stack !== undefined) json.stack = this.stack;
    if (this.cause !== undefined) json.cause = serializeCause(this.cause, 0);
    return json;
  }

  /** Rebuilds an error from {@link toJSON} output: the most specific known kind, same stack and cause chain. */
  static fromJSON(json: SerializedError): ReboundError {
    return deserializeRebound(json, 0);
  }

  /** Makes `fromJSON` rebuild errors of kind `ctor.kind` with `ctor`. Kinds register themselves. */
  static register(ctor: KindConstructor & { kind: string }): void {
    registry.set(ctor.kind, ctor);
  }
}

function kindsOf(ctor: typeof ReboundError): string[] {
  const kinds: string[] = [];
  for (let c: typeof ReboundError | null = ctor; c && c !== ReboundError; c = Object.getPrototypeOf(c)) {
    if (Object.prototype.hasOwnProperty.call(c, 'kind')) kinds.push(c.kind);
  }
  return kinds;
}

const MAX_DEPTH = 16;

/** Serialises any thrown value; a cause chain deeper than 16 (or circular) is cut. */
export function serializeError(value: unknown): SerializedError {
  const s = serializeCause(value, 0);
  return typeof s === 'object' && s !== null ? s : { name: 'Error', message: String(s) };
}

function serializeCause(value: unknown, depth: number): SerializedError | string | number | boolean | null {
  if (depth >= MAX_DEPTH) return '[cause chain cut]';
  if (isBranded(value)) {
    const json = value.toJSON();
    if (value.cause !== undefined) json.cause = serializeCause(value.cause, depth + 1);
    return json;
  }
  if (value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value && 'name' in value)) {
    const e = value as Error & { code?: unknown; cause?: unknown };
    const json: SerializedError = { name: String(e.name), message: String(e.message) };
    if (typeof e.stack === 'string') json.stack = e.stack;
    if (typeof e.code === 'string' || typeof e.code === 'number') json.code = String(e.code);
    if (e.cause !== undefined) json.cause = serializeCause(e.cause, depth + 1);
    return json;
  }
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function deserializeRebound(json: SerializedError, depth: number): ReboundError {
  const ctor = (json.kinds ?? []).map((k) => registry.get(k)).find((c) => c !== undefined) ?? ReboundError;
  const err = new ctor(String(json.message ?? ''), {
    code: typeof json.code === 'string' ? codeOf(json.code) : undefined,
    category: isCategory(json.category) ? json.category : undefined,
    severity: isSeverity(json.severity) ? json.severity : undefined,
    retryable: typeof json.retryable === 'boolean' ? json.retryable : undefined,
    context: json.context && typeof json.context === 'object' ? json.context : undefined,
    guidance: typeof json.guidance === 'string' ? codeOf(json.guidance) : undefined,
    cause: json.cause === undefined ? undefined : deserializeCause(json.cause, depth + 1),
  });
  if (Array.isArray(json.kinds) && json.kinds.every((k) => typeof k === 'string')) {
    Object.defineProperty(err, 'kinds', { value: [...json.kinds], enumerable: true });
  }
  if (typeof json.name === 'string') err.name = json.name;
  if (typeof json.stack === 'string') err.stack = json.stack;
  else delete (err as { stack?: string }).stack;
  return err;
}

function deserializeCause(value: SerializedError | string | number | boolean | null, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value.kinds) || (typeof value.code === 'string' && isCategory(value.category))) return deserializeRebound(value, depth);
  const err = new Error(String(value.message ?? ''), value.cause === undefined ? undefined : { cause: deserializeCause(value.cause, depth + 1) });
  err.name = String(value.name ?? 'Error');
  if (typeof value.stack === 'string') err.stack = value.stack;
  if (value.code !== undefined) (err as Error & { code?: string }).code = value.code;
  return err;
}

/** Rebuilds any {@link serializeError} output: a Rebound error when it was one, else a plain Error. */
export function deserializeError(json: SerializedError): Error {
  return deserializeCause(json, 0) as Error;
}

function isBranded(x: unknown): x is ReboundError {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[REBOUND_ERROR_BRAND] === true;
}

/** True for any Rebound error, also one created by another copy of this module. */
export function isReboundError(x: unknown): x is ReboundError {
  if (isBranded(x)) return true;
  if (!(x instanceof Error) && (typeof x !== 'object' || x === null)) return false;
  const e = x as Partial<ReboundError>;
  return typeof e.code === 'string' && isCategory(e.category) && isSeverity(e.severity) && Array.isArray(e.kinds);
}

/** True when `x` is a Rebound error of `kind` (or of a subclass of it). */
export function isKind(x: unknown, kind: string): x is ReboundError {
  return isReboundError(x) && x.kinds.includes(kind);
}
