import { systemClock, type Clock } from '../clock';
import { EventEmitter, type Event } from '../event';

export interface RetryBudgetOptions {
  /** The most retries a component can make in a burst (the bucket size); the bucket starts full. */
  capacity: number;
  /** Retries a component earns back per second. */
  refillPerSecond: number;
  clock?: Clock;
}

export interface RetryDeniedEvent {
  component: string;
  /** Tokens left when the retry was refused (below one). */
  available: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A retry budget: one token bucket per component. Every retry (not the first attempt) takes a
 * token; when a component's bucket is empty its retries are refused, so a failing dependency
 * cannot multiply the load on itself. Share one budget between the policies of a component.
 */
export class RetryBudget {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private readonly clock: Clock;
  private readonly buckets = new Map<string, Bucket>();
  private readonly deniedEmitter = new EventEmitter<RetryDeniedEvent>();
  /** Fires when a retry is refused for lack of budget. */
  readonly onDenied: Event<RetryDeniedEvent> = this.deniedEmitter.event;

  constructor(options: RetryBudgetOptions) {
    if (!(options.capacity >= 1)) throw new RangeError(`retry budget capacity must be >= 1, got ${options.capacity}`);
    if (!(options.refillPerSecond >= 0)) throw new RangeError(`retry budget refillPerSecond must be >= 0, got ${options.refillPerSecond}`);
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.clock = options.clock ?? systemClock;
  }

  private bucket(component: string): Bucket {
    const now = this.clock.now();
    let b = this.buckets.get(component);
    if (!b) {
      b = { tokens: this.capacity, updatedAt: now };
      this.buckets.set(component, b);
      return b;
    }
    const elapsed = now - b.updatedAt;
    if (elapsed > 0) {
      b.tokens = Math.min(this.capacity, b.tokens + (elapsed / 1000) * this.refillPerSecond);
      b.updatedAt = now;
    }
    return b;
  }

  /** Takes one token for a retry of `component`; false (and an onDenied event) when there is none. */
  tryAcquire(component = 'default'): boolean {
    const b = this.bucket(component);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    this.deniedEmitter.fire({ component, available: b.tokens });
    return false;
  }

  /** Tokens `component` has now (fractional while refilling). */
  available(component = 'default'): number {
    return this.bucket(component).tokens;
  }

  /** Refills one component's bucket, or every bucket. */
  reset(component?: string): void {
    if (component === undefined) this.buckets.clear();
    else this.buckets.delete(component);
  }
}

export function retryBudget(options: RetryBudgetOptions): RetryBudget {
  return new RetryBudget(options);
}
