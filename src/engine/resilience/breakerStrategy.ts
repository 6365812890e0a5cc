/** How a circuit breaker decides to open. */
export type BreakerKind = 'consecutive' | 'rate';

export interface ConsecutiveCounts {
  kind: 'consecutive';
  /** Failures in a row since the last success. */
  failures: number;
}

export interface RateCounts {
  kind: 'rate';
  bucketMs: number;
  /** [bucket start (ms since the epoch), successes, failures], oldest first. */
  buckets: Array<[number, number, number]>;
}

/** A strategy's counts as plain JSON (part of a breaker's persisted state). */
export type BreakerCounts = ConsecutiveCounts | RateCounts;

export interface BreakerSummary {
  successes: number;
  failures: number;
  /** failures / (successes + failures), 0 when there were no calls. */
  failureRate: number;
}

/** Counts outcomes while the breaker is closed and says when it should open. */
export interface BreakerStrategy {
  readonly kind: BreakerKind;
  /** Whether `success`/`failure` use the time (so the breaker reads the clock only when needed). */
  readonly timed: boolean;
  success(now: number): void;
  /** Records a failure; true when the breaker should open. */
  failure(now: number): boolean;
  /** Forgets every count (the breaker closed again). */
  reset(): void;
  toJSON(): BreakerCounts;
  /** Takes counts back from JSON; counts of another kind or shape are ignored. */
  restore(counts: BreakerCounts | undefined): void;
  summary(now: number): BreakerSummary;
}

/** Opens after `threshold` failures in a row. */
export class ConsecutiveBreaker implements BreakerStrategy {
  readonly kind = 'consecutive';
  readonly timed = false;
  private failures = 0;
  private successes = 0;

  constructor(readonly threshold: number) {
    if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`consecutive breaker threshold must be a whole number >= 1, got ${threshold}`);
  }

  success(): void {
    this.failures = 0;
    this.successes++;
  }

  failure(): boolean {
    return ++this.failures >= this.threshold;
  }

  reset(): void {
    this.failures = 0;
    this.successes = 0;
  }

  toJSON(): ConsecutiveCounts {
    return { kind: 'consecutive', failures: this.failures };
  }

  restore(counts: BreakerCounts | undefined): void {
    if (counts?.kind === 'consecutive' && Number.isInteger(counts.failures) && counts.failures >= 0) this.failures = counts.failures;
  }

  summary(): BreakerSummary {
    const total = this.failures + this.successes;
    return { successes: this.successes, failures: this.failures, failureRate: total === 0 ? 0 : this.failures / total };
  }
}

export interface RateBreakerOptions {
  /** Open when failures / calls in the window reach this ratio, in (0, 1]. */
  threshold: number;
  /** The sliding window, in milliseconds. */
  windowMs: number;
  /** No opening before this many calls in the window (default 10). */
  minimumThroughput?: number;
  /** How many buckets the window slides by (default 10). */
  buckets?: number;
}

/** Opens when the failure rate in a sliding time window reaches a threshold, given enough calls. */
export class RateBreaker implements BreakerStrategy {
  readonly kind = 'rate';
  readonly timed = true;
  readonly threshold: number;
  readonly windowMs: number;
  readonly minimumThroughput: number;
  readonly bucketMs: number;
  private readonly bucketCount: number;
  private buckets: Array<[number, number, number]> = [];
  private successes = 0;
  private failures = 0;

  constructor(options: RateBreakerOptions) {
    const { threshold, windowMs } = options;
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`rate breaker threshold must be in (0, 1], got ${threshold}`);
    if (!(windowMs > 0)) throw new RangeError(`rate breaker windowMs must be > 0, got ${windowMs}`);
    const count = options.buckets ?? 10;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`rate breaker buckets must be a whole number >= 1, got ${count}`);
    const min = options.minimumThroughput ?? 10;
    if (!Number.isInteger(min) || min < 1) throw new RangeError(`rate breaker minimumThroughput must be a whole number >= 1, got ${min}`);
    this.threshold = threshold;
    this.windowMs = windowMs;
    this.minimumThroughput = min;
    this.bucketCount = count;
    this.bucketMs = windowMs / count;
  }

  private evict(now: number): void {
    const oldest = (Math.floor(now / this.bucketMs) - this.bucketCount + 1) * this.bucketMs;
    while (this.buckets.length > 0 && this.buckets[0][0] < oldest) {
      const [, s, f] = this.buckets.shift()!;
      this.successes -= s;
      this.failures -= f;
    }
  }

  private current(now: number): [number, number, number] {
    this.evict(now);
    const start = Math.floor(now / this.bucketMs) * this.bucketMs;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last[0] === start) return last;
    const bucket: [number, number, number] = [start, 0, 0];
    this.buckets.push(bucket);
    return bucket;
  }

  success(now: number): void {
    this.current(now)[1]++;
    this.successes++;
  }

  failure(now: number): boolean {
    this.current(now)[2]++;
    this.failures++;
    const total = this.successes + this.failures;
    return total >= this.minimumThroughput && this.failures / total >= this.threshold;
  }

  reset(): void {
    this.buckets = [];
    this.successes = 0;
    this.failures = 0;
  }

  toJSON(): RateCounts {
    return { kind: 'rate', bucketMs: this.bucketMs, buckets: this.buckets.map((b) => [b[0], b[1], b[2]]) };
  }

  restore(counts: BreakerCounts | undefined): void {
    if (counts?.kind !== 'rate' || counts.bucketMs !== this.bucketMs || !Array.isArray(counts.buckets)) return;
    const valid = counts.buckets.filter(
      (b) => Array.isArray(b) && b.length === 3 && b.every((n) => Number.isFinite(n)) && b[1] >= 0 && b[2] >= 0,
    );
    this.reset();
    for (const [start, s, f] of valid.sort((a, b) => a[0] - b[0])) {
      this.buckets.push([start, s, f]);
      this.successes += s;
      this.failures += f;
    }
  }

  summary(now: number): BreakerSummary {
    this.evict(now);
    const total = this.successes + this.failures;
    return { successes: this.successes, failures: this.failures, failureRate: total === 0 ? 0 : this.failures / total };
  }
}

export function consecutiveBreaker(threshold: number): ConsecutiveBreaker {
  return new ConsecutiveBreaker(threshold);
}

export function rateBreaker(options: RateBreakerOptions): RateBreaker {
  return new RateBreaker(options);
}
