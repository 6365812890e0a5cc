import { abortReason, systemClock, systemRandom, type Clock, type RandomSource } from '../clock';
import { CircuitOpenError } from '../errors';
import { EventEmitter, type Disposable, type Event } from '../event';
import type { Backoff } from './backoff';
import { ConsecutiveBreaker, type BreakerCounts, type BreakerStrategy, type BreakerSummary } from './breakerStrategy';
import { failureInfo, isCancellation } from './failure';
import { neverAbortedSignal, type Action, type ExecuteContext, type Policy } from './policy';

/**
 * closed: calls go through and outcomes are counted. open: calls are refused until the break
 * duration has passed. half-open: a limited number of trial calls decide between closed and open
 * again. isolated: held open by hand until released or reset.
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

export const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated'];

/** A breaker's state as plain JSON: what the store persists and `initialState` restores. */
export interface CircuitBreakerSnapshot {
  version: 1;
  state: CircuitState;
  /** When the breaker last opened (ms since the epoch), while open or half-open. */
  openedAt: number | null;
  /** How long that opening lasts before trial calls are allowed. */
  breakMs: number | null;
  /** Openings since the breaker was last closed (drives a break duration that follows a backoff). */
  openCount: number;
  counts: BreakerCounts;
  lastFailure: { code: string; message: string; at: number } | null;
}

export type StateChangeReason = 'threshold' | 'probe-failed' | 'probe-succeeded' | 'break-elapsed' | 'isolated' | 'released' | 'reset';

export interface StateChangeEvent {
  name: string;
  from: CircuitState;
  to: CircuitState;
  reason: StateChangeReason;
  at: number;
  /** The failure that opened the breaker. */
  error?: unknown;
  /** The break duration, when the breaker opened. */
  breakMs?: number;
}

export interface RejectedEvent {
  name: string;
  state: CircuitState;
  /** Milliseconds until a trial call is allowed, when known. */
  retryAfterMs?: number;
}

export interface OutcomeEvent {
  name: string;
  state: CircuitState;
  error?: unknown;
}

export interface CircuitBreakerOptions {
  /** Names the breaker in errors and events (the config key, e.g. "registry"). */
  name?: string;
  /** When to open: `consecutiveBreaker(n)` or `rateBreaker({...})` (default 5 consecutive failures). */
  breaker?: BreakerStrategy;
  /** The break duration: fixed milliseconds, or a backoff over successive openings (default 30 s). */
  halfOpenAfter?: number | Backoff;
  /** Successful trial calls needed to close again (default 1). */
  halfOpenProbes?: number;
  /** Trial calls allowed at the same time (default 1, at most halfOpenProbes); others are refused. */
  halfOpenConcurrency?: number;
  /**
   * Which failures count against the dependency. Default: all but cancellations and permanent or
   * business failures (a bad input says nothing about the dependency's health).
   */
  isFailure?: (error: unknown) => boolean;
  /** A state from `toJSON()`, possibly from an earlier process; the time since then is taken into account. */
  initialState?: CircuitBreakerSnapshot;
  clock?: Clock;
  random?: RandomSource;
}

function defaultIsFailure(error: unknown): boolean {
  if (isCancellation(error)) return false;
  const { category } = failureInfo(error);
  return category !== 'permanent' && category !== 'business';
}

function isSnapshot(x: unknown): x is CircuitBreakerSnapshot {
  const s = x as Partial<CircuitBreakerSnapshot> | null;
  return typeof s === 'object' && s !== null && CIRCUIT_STATES.includes(s.state as CircuitState);
}

/**
 * Stops calling a dependency that keeps failing. Refused calls reject with a CircuitOpenError whose
 * `context.delayHintMs` says when a trial call will be allowed. State is plain JSON (`toJSON()`,
 * `initialState`) so it can be kept across restarts.
 */
export class CircuitBreakerPolicy implements Policy {
  readonly name: string;
  readonly halfOpenProbes: number;
  readonly halfOpenConcurrency: number;
  private readonly strategy: BreakerStrategy;
  private readonly halfOpenAfter: number | Backoff;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly clock: Clock;
  private readonly random: RandomSource;

  private current: CircuitState = 'closed';
  private openedAt: number | null = null;
  private breakMs: number | null = null;
  private openCount = 0;
  private lastFailureInfo: CircuitBreakerSnapshot['lastFailure'] = null;
  /** Bumped on every transition, so a call that started in an earlier state cannot change the new one. */
  private generation = 0;
  private probesStarted = 0;
  private probesInFlight = 0;
  private probeSuccesses = 0;
  private isolationHolds = 0;

  private readonly stateEmitter = new EventEmitter<StateChangeEvent>();
  private readonly rejectedEmitter = new EventEmitter<RejectedEvent>();
  private readonly successEmitter = new EventEmitter<OutcomeEvent>();
  private readonly failureEmitter = new EventEmitter<OutcomeEvent>();

  /** Fires on every transition (closed, open, half-open, isolated). */
  readonly onStateChange: Event<StateChangeEvent> = this.stateEmitter.event;
  /** Fires when a call is refused without running. */
  readonly onRejected: Event<RejectedEvent> = this.rejectedEmitter.event;
  /** Fires when a call that counts succeeds (its outcome changed the counts). */
  readonly onSuccess: Event<OutcomeEvent> = this.successEmitter.event;
  /** Fires when a call fails with a failure that counts. */
  readonly onFailure: Event<OutcomeEvent> = this.failureEmitter.event;

  constructor(options: CircuitBreakerOptions = {}) {
    this.name = options.name ?? 'default';
    this.strategy = options.breaker ?? new ConsecutiveBreaker(5);
    this.halfOpenAfter = options.halfOpenAfter ?? 30_000;
    if (typeof this.halfOpenAfter === 'number' && !(this.halfOpenAfter >= 0)) {
      throw new RangeError(`halfOpenAfter must be >= 0 ms, got ${this.halfOpenAfter}`);
    }
    const probes = options.halfOpenProbes ?? 1;
    if (!Number.isInteger(probes) || probes < 1) throw new RangeError(`halfOpenProbes must be a whole number >= 1, got ${probes}`);
    const concurrency = options.halfOpenConcurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`halfOpenConcurrency must be a whole number >= 1, got ${concurrency}`);
    this.halfOpenProbes = probes;
    this.halfOpenConcurrency = Math.min(concurrency, probes);
    this.isFailure = options.isFailure ?? defaultIsFailure;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    if (options.initialState !== undefined) this.restore(options.initialState);
  }

  private restore(snapshot: CircuitBreakerSnapshot): void {
    if (!isSnapshot(snapshot)) return;
    const now = this.clock.now();
    this.openCount = Number.isInteger(snapshot.openCount) && snapshot.openCount >= 0 ? snapshot.openCount : 0;
    const lf = snapshot.lastFailure;
    this.lastFailureInfo = lf && typeof lf.code === 'string' && typeof lf.message === 'string' && typeof lf.at === 'number' ? { ...lf } : null;
    switch (snapshot.state) {
      case 'closed':
        this.strategy.restore(snapshot.counts);
        this.openCount = 0;
        return;
      case 'isolated':
        this.current = 'isolated';
        return;
      case 'open':
      case 'half-open': {
        const breakMs = typeof snapshot.breakMs === 'number' && snapshot.breakMs >= 0 ? snapshot.breakMs : this.initialBreak();
        // A clock that went backwards must not stretch the break; a half-open breaker lost its trial
        // calls with the old process, so the next call is a trial again.
        let openedAt = typeof snapshot.openedAt === 'number' && Number.isFinite(snapshot.openedAt) ? Math.min(snapshot.openedAt, now) : now;
        if (snapshot.state === 'half-open') openedAt = Math.min(openedAt, now - breakMs);
        this.current = 'open';
        this.openedAt = openedAt;
        this.breakMs = breakMs;
        this.openCount = Math.max(1, this.openCount);
        return;
      }
    }
  }

  private initialBreak(): number {
    return typeof this.halfOpenAfter === 'number' ? this.halfOpenAfter : this.halfOpenAfter.next({ attempt: 1, previousDelayMs: undefined, failure: undefined, random: this.random });
  }

  /** The state now (an open breaker whose break has passed reports, and becomes, half-open). */
  get state(): CircuitState {
    if (this.current === 'open') this.checkBreakElapsed(this.clock.now());
    return this.current;
  }

  /** The last failure that counted, as plain data. */
  get lastFailure(): CircuitBreakerSnapshot['lastFailure'] {
    return this.lastFailureInfo;
  }

  /** Milliseconds until an open breaker allows a trial call (0 when it is not open). */
  get retryAfterMs(): number {
    if (this.state !== 'open' || this.openedAt === null || this.breakMs === null) return 0;
    return Math.max(0, this.openedAt + this.breakMs - this.clock.now());
  }

  /** Counts of the closed state's window, for health views. */
  summary(): BreakerSummary {
    return this.strategy.summary(this.clock.now());
  }

  execute<T>(fn: Action<T>, signal?: AbortSignal): Promise<T> {
    return this.executeIn(fn, { signal: signal ?? neverAbortedSignal, attempt: 1 });
  }

  executeIn<T>(fn: Action<T>, context: ExecuteContext): Promise<T> {
    if (context.signal.aborted) return Promise.reject(abortReason(context.signal));
    switch (this.current) {
      case 'closed':
        return this.runClosed(fn, context);
      case 'open':
        if (!this.checkBreakElapsed(this.clock.now())) return Promise.reject(this.reject());
        return this.runProbe(fn, context);
      case 'half-open':
        return this.runProbe(fn, context);
      case 'isolated':
        return Promise.reject(this.reject());
    }
  }

  private async runClosed<T>(fn: Action<T>, context: ExecuteContext): Promise<T> {
    const generation = this.generation;
    let value: T;
    try {
      value = await fn(context);
    } catch (error) {
      if (generation === this.generation && this.isFailure(error)) {
        const now = this.clock.now();
        this.noteFailure(error, now);
        const open = this.strategy.failure(now);
        if (this.failureEmitter.size > 0) this.failureEmitter.fire({ name: this.name, state: 'closed', error });
        if (open && generation === this.generation) this.open('threshold', error, now);
      }
      throw error;
    }
    if (generation === this.generation) {
      this.strategy.success(this.strategy.timed ? this.clock.now() : 0);
      if (this.successEmitter.size > 0) this.successEmitter.fire({ name: this.name, state: 'closed' });
    }
    return value;
  }

  private async runProbe<T>(fn: Action<T>, context: ExecuteContext): Promise<T> {
    if (this.probesStarted >= this.halfOpenProbes || this.probesInFlight >= this.halfOpenConcurrency) throw this.reject();
    const generation = this.generation;
    this.probesStarted++;
    this.probesInFlight++;
    let value: T;
    try {
      value = await fn(context);
    } catch (error) {
      if (generation === this.generation) {
        this.probesInFlight--;
        if (this.isFailure(error)) {
          const now = this.clock.now();
          this.noteFailure(error, now);
          if (this.failureEmitter.size > 0) this.failureEmitter.fire({ name: this.name, state: 'half-open', error });
          this.open('probe-failed', error, now);
        } else {
          // A cancelled or irrelevant trial says nothing: its slot goes to the next call.
          this.probesStarted--;
        }
      }
      throw error;
    }
    if (generation === this.generation) {
      this.probesInFlight--;
      this.probeSuccesses++;
      if (this.successEmitter.size > 0) this.successEmitter.fire({ name: this.name, state: 'half-open' });
      if (this.probeSuccesses >= this.halfOpenProbes) this.close('probe-succeeded');
    }
    return value;
  }

  private noteFailure(error: unknown, now: number): void {
    const info = failureInfo(error);
    this.lastFailureInfo = { code: info.code, message: info.message, at: now };
  }

  /** Moves an open breaker whose break has passed to half-open; true when calls may go through. */
  private checkBreakElapsed(now: number): boolean {
    if (this.current !== 'open') return this.current === 'half-open' || this.current === 'closed';
    if (now - (this.openedAt ?? now) < (this.breakMs ?? 0)) return false;
    this.transition('half-open', 'break-elapsed', now);
    return true;
  }

  private reject(): CircuitOpenError {
    const state = this.current;
    let retryAfterMs: number | undefined;
    let message: string;
    if (state === 'open' && this.openedAt !== null && this.breakMs !== null) {
      retryAfterMs = Math.max(0, this.openedAt + this.breakMs - this.clock.now());
      // No countdown in the text: it becomes an issue's title and would be stale at once. The
      // time a trial call is allowed is in the context (delayHintMs, retryAt) for views to count.
      message = `Circuit breaker "${this.name}" is open: calls are refused until its break ends`;
    } else if (state === 'isolated') {
      message = `Circuit breaker "${this.name}" is held open (isolated) until it is reset`;
    } else {
      message = `Circuit breaker "${this.name}" is half-open and its trial calls are in progress`;
    }
    if (this.rejectedEmitter.size > 0) this.rejectedEmitter.fire({ name: this.name, state, retryAfterMs });
    const last = this.lastFailureInfo;
    return new CircuitOpenError(message + (last ? ` (last failure: ${last.code})` : ''), {
      context: retryAfterMs === undefined ? { component: this.name } : { component: this.name, delayHintMs: retryAfterMs },
    });
  }

  private open(reason: StateChangeReason, error: unknown, now: number): void {
    this.openCount = this.current === 'half-open' ? this.openCount + 1 : 1;
    const breakMs =
      typeof this.halfOpenAfter === 'number'
        ? this.halfOpenAfter
        : this.halfOpenAfter.next({ attempt: this.openCount, previousDelayMs: this.breakMs ?? undefined, failure: error, random: this.random });
    this.openedAt = now;
    this.breakMs = breakMs;
    this.strategy.reset();
    this.transition('open', reason, now, error, breakMs);
  }

  private close(reason: StateChangeReason): void {
    this.openCount = 0;
    this.openedAt = null;
    this.breakMs = null;
    this.strategy.reset();
    this.transition('closed', reason, this.clock.now());
  }

  private transition(to: CircuitState, reason: StateChangeReason, at: number, error?: unknown, breakMs?: number): void {
    const from = this.current;
    this.current = to;
    this.generation++;
    this.probesStarted = 0;
    this.probesInFlight = 0;
    this.probeSuccesses = 0;
    const event: StateChangeEvent = { name: this.name, from, to, reason, at };
    if (error !== undefined) event.error = error;
    if (breakMs !== undefined) event.breakMs = breakMs;
    this.stateEmitter.fire(event);
  }

  /**
   * Holds the breaker open by hand (calls are refused) until every handle is disposed, or `reset()`.
   * An isolation restored from a snapshot is held until `reset()`.
   */
  isolate(): Disposable {
    this.isolationHolds++;
    if (this.current !== 'isolated') this.transition('isolated', 'isolated', this.clock.now());
    let released = false;
    return {
      dispose: () => {
        if (released) return;
        released = true;
        this.isolationHolds = Math.max(0, this.isolationHolds - 1);
        if (this.isolationHolds === 0 && this.current === 'isolated') this.close('released');
      },
    };
  }

  /** Closes the breaker by hand, whatever its state, and forgets its counts and isolation. */
  reset(): void {
    this.isolationHolds = 0;
    if (this.current === 'closed') {
      this.strategy.reset();
      return;
    }
    this.close('reset');
  }

  toJSON(): CircuitBreakerSnapshot {
    return {
      version: 1,
      state: this.current,
      openedAt: this.openedAt,
      breakMs: this.breakMs,
      openCount: this.openCount,
      counts: this.strategy.toJSON(),
      lastFailure: this.lastFailureInfo ? { ...this.lastFailureInfo } : null,
    };
  }
}

export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreakerPolicy {
  return new CircuitBreakerPolicy(options);
}
