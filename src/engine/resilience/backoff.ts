import type { RandomSource } from '../clock';
import { between } from './random';

export type BackoffKind = 'fixed' | 'linear' | 'exponential' | 'fibonacci';
export type JitterKind = 'none' | 'full' | 'equal' | 'decorrelated';

export const BACKOFF_KINDS: readonly BackoffKind[] = ['fixed', 'linear', 'exponential', 'fibonacci'];
export const JITTER_KINDS: readonly JitterKind[] = ['none', 'full', 'equal', 'decorrelated'];

/** The longest delay a timer can wait (setTimeout's limit, about 24.8 days). */
export const MAX_DELAY_MS = 2_147_483_647;

/** What a backoff knows when asked for the next delay. */
export interface BackoffContext {
  /** The retry about to happen, 1 for the first retry (after the first failed attempt). */
  attempt: number;
  /** The delay actually waited before the previous retry; undefined before the first retry. */
  previousDelayMs: number | undefined;
  /** The failure that caused this retry (undefined when there is none, e.g. a breaker's first opening). */
  failure: unknown;
  random: RandomSource;
}

/** A delay strategy. Stateless: everything it needs is in the context, so one instance serves every call. */
export interface Backoff {
  /** Milliseconds to wait before retry `context.attempt`; a whole number in [0, MAX_DELAY_MS]. */
  next(context: BackoffContext): number;
}

export interface BackoffOptions {
  kind: BackoffKind;
  /** The first delay (fixed: every delay) in milliseconds. */
  baseMs: number;
  /** The cap: no delay is longer (jitter included). Default: no cap. */
  maxMs?: number;
  /**
   * exponential: the multiplier between delays (default 2), delay = base * factor^(n-1).
   * linear: the step as a multiple of base (default 1), delay = base * (1 + factor * (n-1)).
   * Ignored by fixed and fibonacci.
   */
  factor?: number;
  /**
   * none: the computed delay. full: uniform in [0, d]. equal: uniform in [d/2, d].
   * decorrelated: min(cap, uniform(base, previous * 3)), the AWS formula; it replaces the kind's own growth.
   */
  jitter?: JitterKind;
}

function clamp(ms: number): number {
  if (!(ms > 0)) return 0;
  return ms >= MAX_DELAY_MS ? MAX_DELAY_MS : Math.floor(ms);
}

/** The n-th Fibonacci number with fib(1) = fib(2) = 1 (Infinity past what a double holds). */
function fibonacci(n: number): number {
  if (n > 1476) return Infinity;
  let a = 0;
  let b = 1;
  for (let i = 1; i < n; i++) {
    const t = a + b;
    a = b;
    b = t;
  }
  return b;
}

/** fixed, linear, exponential and Fibonacci delays with an optional cap and jitter. */
export class ComputedBackoff implements Backoff {
  readonly kind: BackoffKind;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: JitterKind;

  constructor(options: BackoffOptions) {
    if (!BACKOFF_KINDS.includes(options.kind)) throw new RangeError(`unknown backoff kind "${options.kind}"`);
    const jitter = options.jitter ?? 'none';
    if (!JITTER_KINDS.includes(jitter)) throw new RangeError(`unknown jitter "${jitter}"`);
    if (!(options.baseMs >= 0)) throw new RangeError(`backoff baseMs must be >= 0, got ${options.baseMs}`);
    if (options.maxMs !== undefined && !(options.maxMs >= 0)) throw new RangeError(`backoff maxMs must be >= 0, got ${options.maxMs}`);
    if (options.factor !== undefined && !(options.factor > 0)) throw new RangeError(`backoff factor must be > 0, got ${options.factor}`);
    this.kind = options.kind;
    this.baseMs = options.baseMs;
    this.maxMs = options.maxMs ?? MAX_DELAY_MS;
    this.factor = options.factor ?? (options.kind === 'exponential' ? 2 : 1);
    this.jitter = jitter;
  }

  /** The delay before jitter and cap for retry `attempt` (1-based). */
  base(attempt: number): number {
    const n = Math.max(1, attempt);
    switch (this.kind) {
      case 'fixed':
        return this.baseMs;
      case 'linear':
        return this.baseMs * (1 + this.factor * (n - 1));
      case 'exponential':
        return this.baseMs * Math.pow(this.factor, n - 1);
      case 'fibonacci':
        return this.baseMs * fibonacci(n);
    }
  }

  next(context: BackoffContext): number {
    const cap = this.maxMs;
    switch (this.jitter) {
      case 'none':
        return clamp(Math.min(cap, this.base(context.attempt)));
      case 'full':
        return clamp(between(context.random, 0, Math.min(cap, this.base(context.attempt))));
      case 'equal': {
        const d = Math.min(cap, this.base(context.attempt));
        return clamp(d / 2 + between(context.random, 0, d / 2));
      }
      case 'decorrelated': {
        const base = Math.min(this.baseMs, cap);
        const previous = context.previousDelayMs ?? base;
        return clamp(Math.min(cap, between(context.random, base, Math.max(base, previous * 3))));
      }
    }
  }
}

/** A delay computed by your own function (its result is clamped to [0, MAX_DELAY_MS]). */
export class CustomBackoff implements Backoff {
  constructor(private readonly fn: (context: BackoffContext) => number) {}

  next(context: BackoffContext): number {
    return clamp(this.fn(context));
  }
}

export function backoff(options: BackoffOptions): ComputedBackoff {
  return new ComputedBackoff(options);
}

export function fixedBackoff(delayMs: number, jitter: JitterKind = 'none'): ComputedBackoff {
  return new ComputedBackoff({ kind: 'fixed', baseMs: delayMs, jitter });
}

export function linearBackoff(options: Omit<BackoffOptions, 'kind'>): ComputedBackoff {
  return new ComputedBackoff({ ...options, kind: 'linear' });
}

export function exponentialBackoff(options: Omit<BackoffOptions, 'kind'>): ComputedBackoff {
  return new ComputedBackoff({ ...options, kind: 'exponential' });
}

export function fibonacciBackoff(options: Omit<BackoffOptions, 'kind'>): ComputedBackoff {
  return new ComputedBackoff({ ...options, kind: 'fibonacci' });
}

export function customBackoff(fn: (context: BackoffContext) => number): CustomBackoff {
  return new CustomBackoff(fn);
}
