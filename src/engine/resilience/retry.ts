import { abortReason, sleep, systemClock, systemRandom, type Clock, type RandomSource } from '../clock';
import { TimeoutError, type Category } from '../errors';
import { EventEmitter, type Event } from '../event';
import type { AttemptRecord } from './attempt';
import { exponentialBackoff, type Backoff } from './backoff';
import { delayHintOf, failureInfo } from './failure';
import { linkedController, neverAbortedSignal, raceAbort, type Action, type ExecuteContext, type Policy } from './policy';
import type { RetryBudget } from './retryBudget';
import { shouldRetry, type RetryFilter } from './retryFilter';

/** Why a retry policy stopped trying. */
export type GiveUpReason = 'attempts' | 'deadline' | 'not-retryable' | 'budget' | 'cancelled';

/** Overrides for failures of one category (`perCategory.transient = { maxAttempts: 8 }`). */
export interface CategoryRetryOptions {
  maxAttempts?: number;
  backoff?: Backoff;
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). At least 1; Infinity needs a deadline to end. */
  maxAttempts?: number;
  /** Delays between attempts (default exponential from 1 s, capped at 30 s). A failure's delay hint wins. */
  backoff?: Backoff;
  /** Give up once this much time has passed since the first attempt started; also aborts the attempt in flight. */
  deadlineMs?: number;
  /** Abort an attempt that runs longer than this; it fails with a TimeoutError (retried like any transient failure). */
  attemptTimeoutMs?: number;
  /** Which failures to retry; permanent failures and cancellations never are. */
  retryOn?: RetryFilter;
  /** Attempt limits and backoff per failure category. */
  perCategory?: Partial<Record<Category, CategoryRetryOptions>>;
  /** A budget shared by the policies of a component: each retry takes a token. */
  budget?: RetryBudget;
  /** The budget's bucket (default 'default'). */
  component?: string;
  clock?: Clock;
  random?: RandomSource;
}

export interface RetryEvent {
  /** The attempt that just failed. */
  attempt: number;
  /** How long the policy waits before the next attempt. */
  delayMs: number;
  /** True when the delay came from the failure itself (Retry-After, a lock's expiry). */
  hinted: boolean;
  error: unknown;
}

export interface GiveUpEvent {
  reason: GiveUpReason;
  /** What the policy rethrows. */
  error: unknown;
  attempts: readonly AttemptRecord[];
  durationMs: number;
}

export interface RetrySuccessEvent {
  attempts: readonly AttemptRecord[];
  durationMs: number;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: AttemptRecord[]; durationMs: number }
  | { ok: false; error: unknown; reason: GiveUpReason; attempts: AttemptRecord[]; durationMs: number };

interface Report {
  attempts: AttemptRecord[];
  reason?: GiveUpReason;
  durationMs: number;
}

const DEFAULT_BACKOFF = exponentialBackoff({ baseMs: 1000, maxMs: 30_000 });

/**
 * Runs an action again when it fails with a retryable failure, waiting between attempts, within
 * an attempt limit, an overall deadline and a retry budget. The action gets `{ signal, attempt }`;
 * aborting the signal stops the policy at once, also in the middle of a wait, and no attempt
 * starts after it. Rethrows the last failure (or the abort reason, or the deadline's TimeoutError).
 */
export class RetryPolicy implements Policy {
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly deadlineMs: number | undefined;
  readonly attemptTimeoutMs: number | undefined;
  private readonly options: RetryOptions;
  private readonly clock: Clock;
  private readonly random: RandomSource;

  private readonly retryEmitter = new EventEmitter<RetryEvent>();
  private readonly giveUpEmitter = new EventEmitter<GiveUpEvent>();
  private readonly successEmitter = new EventEmitter<RetrySuccessEvent>();
  private readonly attemptEmitter = new EventEmitter<AttemptRecord>();

  /** Fires before the wait that precedes a retry. */
  readonly onRetry: Event<RetryEvent> = this.retryEmitter.event;
  /** Fires when the policy stops without success (attempts, deadline, filter, budget or cancellation). */
  readonly onGiveUp: Event<GiveUpEvent> = this.giveUpEmitter.event;
  /** Fires when an attempt succeeds. */
  readonly onSuccess: Event<RetrySuccessEvent> = this.successEmitter.event;
  /** Fires after every attempt with its record. */
  readonly onAttempt: Event<AttemptRecord> = this.attemptEmitter.event;

  constructor(options: RetryOptions = {}) {
    const max = options.maxAttempts ?? 3;
    if (!(max >= 1) || (Number.isFinite(max) && !Number.isInteger(max))) throw new RangeError(`maxAttempts must be a whole number >= 1, got ${max}`);
    if (max === Infinity && options.deadlineMs === undefined) throw new RangeError('maxAttempts Infinity needs a deadlineMs');
    for (const [name, v] of [['deadlineMs', options.deadlineMs], ['attemptTimeoutMs', options.attemptTimeoutMs]] as const) {
      if (v !== undefined && !(v > 0)) throw new RangeError(`${name} must be > 0, got ${v}`);
    }
    for (const [cat, o] of Object.entries(options.perCategory ?? {})) {
      const m = o?.maxAttempts;
      if (m !== undefined && !(m >= 1)) throw new RangeError(`perCategory.${cat}.maxAttempts must be >= 1, got ${m}`);
    }
    this.options = options;
    this.maxAttempts = max;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.deadlineMs = options.deadlineMs;
    this.attemptTimeoutMs = options.attemptTimeoutMs;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
  }

  execute<T>(fn: Action<T>, signal?: AbortSignal): Promise<T> {
    return this.run(fn, signal ?? neverAbortedSignal, undefined);
  }

  executeIn<T>(fn: Action<T>, context: ExecuteContext): Promise<T> {
    return this.run(fn, context.signal, undefined);
  }

  /** Like `execute`, but never rejects: says how it ended, with every attempt's record. */
  async executeWithOutcome<T>(fn: Action<T>, signal?: AbortSignal): Promise<RetryOutcome<T>> {
    const report: Report = { attempts: [], durationMs: 0 };
    try {
      const value = await this.run(fn, signal ?? neverAbortedSignal, report);
      return { ok: true, value, attempts: report.attempts, durationMs: report.durationMs };
    } catch (error) {
      return { ok: false, error, reason: report.reason ?? 'attempts', attempts: report.attempts, durationMs: report.durationMs };
    }
  }

  private listening(): boolean {
    return this.attemptEmitter.size > 0 || this.successEmitter.size > 0 || this.giveUpEmitter.size > 0;
  }

  private async run<T>(fn: Action<T>, parent: AbortSignal, given: Report | undefined): Promise<T> {
    const clock = this.clock;
    const report = given ?? (this.listening() ? { attempts: [], durationMs: 0 } : undefined);
    const deadlineMs = this.deadlineMs;
    const timed = report !== undefined || deadlineMs !== undefined;
    const startedAt = timed ? clock.now() : 0;
    if (parent.aborted) throw this.end(report, 'cancelled', abortReason(parent), startedAt);

    let signal = parent;
    let deadline: { dispose(): void; timer: unknown } | undefined;
    if (deadlineMs !== undefined) {
      const link = linkedController(parent);
      const timer = clock.setTimeout(
        () => link.controller.abort(new TimeoutError(`Gave up: the ${deadlineMs} ms retry deadline passed`, { context: { durationMs: deadlineMs } })),
        deadlineMs,
      );
      signal = link.controller.signal;
      deadline = { dispose: link.dispose, timer };
    }

    let delayMs = 0;
    let previousDelay: number | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        if (signal.aborted) {
          if (parent.aborted) throw this.end(report, 'cancelled', abortReason(parent), startedAt);
          throw this.end(report, 'deadline', abortReason(signal), startedAt);
        }
        const attemptStart = timed ? clock.now() : 0;
        try {
          const value = await this.attempt(fn, signal, attempt);
          if (report) {
            const record: AttemptRecord = { number: attempt, startedAt: attemptStart, delayMs, durationMs: clock.now() - attemptStart, outcome: 'success' };
            report.attempts.push(record);
            report.durationMs = clock.now() - startedAt;
            this.attemptEmitter.fire(record);
            this.successEmitter.fire({ attempts: report.attempts, durationMs: report.durationMs });
          }
          return value;
        } catch (error) {
          const cancelled = parent.aborted;
          const info = failureInfo(error);
          if (report) {
            const record: AttemptRecord = {
              number: attempt,
              startedAt: attemptStart,
              delayMs,
              durationMs: clock.now() - attemptStart,
              outcome: cancelled ? 'cancelled' : 'failure',
              errorCode: info.code,
              category: info.category,
              message: info.message,
            };
            report.attempts.push(record);
            this.attemptEmitter.fire(record);
          }
          if (cancelled) throw this.end(report, 'cancelled', abortReason(parent), startedAt);
          if (signal.aborted) throw this.end(report, 'deadline', error, startedAt);
          if (!shouldRetry(error, this.options.retryOn)) throw this.end(report, 'not-retryable', error, startedAt);
          const overrides = this.options.perCategory?.[info.category];
          if (attempt >= (overrides?.maxAttempts ?? this.maxAttempts)) throw this.end(report, 'attempts', error, startedAt);

          const hint = delayHintOf(error);
          const delay =
            hint ?? (overrides?.backoff ?? this.backoff).next({ attempt, previousDelayMs: previousDelay, failure: error, random: this.random });
          if (deadlineMs !== undefined && clock.now() + delay >= startedAt + deadlineMs) throw this.end(report, 'deadline', error, startedAt);
          if (this.options.budget && !this.options.budget.tryAcquire(this.options.component ?? 'default')) {
            throw this.end(report, 'budget', error, startedAt);
          }
          this.retryEmitter.fire({ attempt, delayMs: delay, hinted: hint !== undefined, error });
          try {
            await sleep(clock, delay, signal);
          } catch {
            if (parent.aborted) throw this.end(report, 'cancelled', abortReason(parent), startedAt);
            throw this.end(report, 'deadline', error, startedAt);
          }
          previousDelay = delay;
          delayMs = delay;
        }
      }
    } finally {
      if (deadline) {
        clock.clearTimeout(deadline.timer);
        deadline.dispose();
      }
    }
  }

  private attempt<T>(fn: Action<T>, signal: AbortSignal, attempt: number): T | PromiseLike<T> {
    if (this.attemptTimeoutMs === undefined) {
      if (signal === neverAbortedSignal) return fn({ signal, attempt });
      return raceAbort(fn({ signal, attempt }), signal);
    }
    return this.attemptWithTimeout(fn, signal, attempt, this.attemptTimeoutMs);
  }

  private async attemptWithTimeout<T>(fn: Action<T>, signal: AbortSignal, attempt: number, ms: number): Promise<T> {
    const link = linkedController(signal);
    const timer = this.clock.setTimeout(
      () => link.controller.abort(new TimeoutError(`Attempt ${attempt} timed out after ${ms} ms`, { context: { attempt, durationMs: ms } })),
      ms,
    );
    try {
      return await raceAbort(fn({ signal: link.controller.signal, attempt }), link.controller.signal);
    } finally {
      this.clock.clearTimeout(timer);
      link.dispose();
    }
  }

  /** Records why the policy stopped, fires onGiveUp, and returns the error to throw. */
  private end(report: Report | undefined, reason: GiveUpReason, error: unknown, startedAt: number): unknown {
    if (report) {
      report.reason = reason;
      report.durationMs = this.clock.now() - startedAt;
      this.giveUpEmitter.fire({ reason, error, attempts: report.attempts, durationMs: report.durationMs });
    }
    return error;
  }
}

export function retry(options?: RetryOptions): RetryPolicy {
  return new RetryPolicy(options);
}
