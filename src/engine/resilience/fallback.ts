import { abortReason, systemClock, type Clock } from '../clock';
import { isCircuitOpenError } from '../errors';
import { EventEmitter, type Event } from '../event';
import { failureInfo, isCancellation } from './failure';
import { neverAbortedSignal, type Action, type ExecuteContext, type Policy } from './policy';

export type DegradationReason = 'failure' | 'circuit-open';

export interface FallbackContext {
  /** Why the primary did not give a result. */
  error: unknown;
  reason: DegradationReason;
  signal: AbortSignal;
}

/** A fallback value, or an alternative action (another task, a cached result) run in its place. */
export type FallbackSource<R> = { value: R } | { action: (context: FallbackContext) => R | PromiseLike<R> };

export interface FallbackOptions {
  /** Which failures fall back (default: every failure but a cancellation). */
  when?: (error: unknown) => boolean;
  clock?: Clock;
}

/** A record that a call was served by the fallback instead of the primary. */
export interface DegradedEvent {
  reason: DegradationReason;
  error: unknown;
  code: string;
  at: number;
}

/**
 * Returns a fallback when the primary fails or its breaker is open, and records that it degraded
 * (`onDegraded`, `degradedCount`, `lastDegraded`). A cancellation is never replaced by a fallback.
 * If the alternative action fails too, its failure is thrown with the primary's as `cause`.
 */
export class FallbackPolicy<R> implements Policy<R> {
  /** Type-level only: what the policy may return instead of the action's value. */
  declare readonly altReturn?: R;
  private readonly source: FallbackSource<R>;
  private readonly when: (error: unknown) => boolean;
  private readonly clock: Clock;
  private readonly degradedEmitter = new EventEmitter<DegradedEvent>();
  /** Fires every time the fallback serves a call. */
  readonly onDegraded: Event<DegradedEvent> = this.degradedEmitter.event;
  private count = 0;
  private last: DegradedEvent | undefined;

  constructor(source: FallbackSource<R>, options: FallbackOptions = {}) {
    if (!('value' in source) && typeof (source as { action?: unknown }).action !== 'function') {
      throw new TypeError('fallback needs { value } or { action }');
    }
    this.source = source;
    this.when = options.when ?? (() => true);
    this.clock = options.clock ?? systemClock;
  }

  /** How many calls were served by the fallback. */
  get degradedCount(): number {
    return this.count;
  }

  get lastDegraded(): DegradedEvent | undefined {
    return this.last;
  }

  execute<T>(fn: Action<T>, signal?: AbortSignal): Promise<T | R> {
    return this.executeIn(fn, { signal: signal ?? neverAbortedSignal, attempt: 1 });
  }

  /** Like `execute`, and says whether the result came from the fallback. */
  async executeWithOutcome<T>(fn: Action<T>, signal?: AbortSignal): Promise<{ value: T | R; degraded: boolean; error?: unknown }> {
    const seen: { event?: DegradedEvent } = {};
    const value = await this.run(fn, { signal: signal ?? neverAbortedSignal, attempt: 1 }, seen);
    return seen.event ? { value, degraded: true, error: seen.event.error } : { value, degraded: false };
  }

  executeIn<T>(fn: Action<T>, context: ExecuteContext): Promise<T | R> {
    return this.run(fn, context, undefined);
  }

  private async run<T>(fn: Action<T>, context: ExecuteContext, seen: { event?: DegradedEvent } | undefined): Promise<T | R> {
    if (context.signal.aborted) throw abortReason(context.signal);
    try {
      return await fn(context);
    } catch (error) {
      if (context.signal.aborted || isCancellation(error) || !this.when(error)) throw error;
      const reason: DegradationReason = isCircuitOpenError(error) ? 'circuit-open' : 'failure';
      const event: DegradedEvent = { reason, error, code: failureInfo(error).code, at: this.clock.now() };
      this.count++;
      this.last = event;
      if (seen) seen.event = event;
      this.degradedEmitter.fire(event);
      if ('value' in this.source) return this.source.value;
      try {
        return await this.source.action({ error, reason, signal: context.signal });
      } catch (fallbackError) {
        if (fallbackError instanceof Error && fallbackError.cause === undefined && fallbackError !== error) {
          try {
            Object.defineProperty(fallbackError, 'cause', { value: error, configurable: true, writable: true });
          } catch {
            // A frozen error keeps its own shape.
          }
        }
        throw fallbackError;
      }
    }
  }
}

export function fallback<R>(source: FallbackSource<R>, options?: FallbackOptions): FallbackPolicy<R> {
  return new FallbackPolicy(source, options);
}
