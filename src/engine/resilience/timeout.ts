import { abortReason, systemClock, type Clock } from '../clock';
import { TimeoutError } from '../errors';
import { EventEmitter, type Event } from '../event';
import { linkedController, neverAbortedSignal, raceAbort, type Action, type ExecuteContext, type Policy } from './policy';

/**
 * cooperative: abort the action's signal when time is up and wait for the action to stop (it decides
 * what to return or throw). aggressive: abort the signal and reject with a TimeoutError at once.
 */
export type TimeoutStrategy = 'cooperative' | 'aggressive';

export interface TimeoutOptions {
  strategy?: TimeoutStrategy;
  clock?: Clock;
}

export interface TimeoutEvent {
  durationMs: number;
}

/** Limits how long an action may run. The action's signal aborts with a TimeoutError when time is up. */
export class TimeoutPolicy implements Policy {
  readonly durationMs: number;
  readonly strategy: TimeoutStrategy;
  private readonly clock: Clock;
  private readonly timeoutEmitter = new EventEmitter<TimeoutEvent>();
  /** Fires when an action runs out of time. */
  readonly onTimeout: Event<TimeoutEvent> = this.timeoutEmitter.event;

  constructor(durationMs: number, options: TimeoutOptions = {}) {
    if (!(durationMs > 0)) throw new RangeError(`timeout must be > 0 ms, got ${durationMs}`);
    this.durationMs = durationMs;
    this.strategy = options.strategy ?? 'aggressive';
    this.clock = options.clock ?? systemClock;
  }

  execute<T>(fn: Action<T>, signal?: AbortSignal): Promise<T> {
    return this.executeIn(fn, { signal: signal ?? neverAbortedSignal, attempt: 1 });
  }

  async executeIn<T>(fn: Action<T>, context: ExecuteContext): Promise<T> {
    if (context.signal.aborted) throw abortReason(context.signal);
    const link = linkedController(context.signal);
    const ms = this.durationMs;
    const timer = this.clock.setTimeout(() => {
      this.timeoutEmitter.fire({ durationMs: ms });
      link.controller.abort(new TimeoutError(`Timed out after ${ms} ms`, { context: { durationMs: ms, attempt: context.attempt } }));
    }, ms);
    try {
      const inner: ExecuteContext = { signal: link.controller.signal, attempt: context.attempt };
      if (this.strategy === 'cooperative') return await fn(inner);
      return await raceAbort(fn(inner), link.controller.signal);
    } finally {
      this.clock.clearTimeout(timer);
      link.dispose();
    }
  }
}

export function timeout(durationMs: number, options?: TimeoutStrategy | TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(durationMs, typeof options === 'string' ? { strategy: options } : options);
}
