import { abortReason, sleep, systemClock, systemRandom, type Clock, type RandomSource } from '../clock';
import { codeOf } from '../errors/codes';
import { ReboundError, type Category } from '../errors';
import { EventEmitter, type Event } from '../event';
import { neverAbortedSignal, type Action, type ExecuteContext, type Policy } from './policy';
import { between } from './random';

export interface InjectedErrorSpec {
  code: string;
  /** Default transient. */
  category?: Category;
  /** Default: true for transient, false otherwise. */
  retryable?: boolean;
  message?: string;
}

export interface FaultInjectionOptions {
  /** Probability in [0, 1] that a call fails with an injected error instead of running. */
  errorRate?: number;
  /** What to throw, one picked at random: error codes, specs, or factories (default a transient RB-INJECTED-001). */
  errors?: ReadonlyArray<string | InjectedErrorSpec | (() => unknown)>;
  /** Probability in [0, 1] that a call is delayed before it runs (or fails). */
  latencyRate?: number;
  /** The injected delay: fixed milliseconds or a uniform range. */
  latencyMs?: number | { minMs: number; maxMs: number };
  /** Off switch (default on). */
  enabled?: boolean;
  clock?: Clock;
  random?: RandomSource;
}

export interface InjectedEvent {
  kind: 'error' | 'latency';
  code?: string;
  delayMs?: number;
}

export const INJECTED_ERROR_CODE = 'RB-INJECTED-001';

function checkRate(name: string, rate: number | undefined): number {
  const r = rate ?? 0;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${rate}`);
  return r;
}

/**
 * Injects failures and latency at configured rates, for tests, demos and game days. The random
 * source is injected, so a seeded source makes a run reproducible. Latency is a cancellable wait.
 */
export class FaultInjectionPolicy implements Policy {
  readonly errorRate: number;
  readonly latencyRate: number;
  /** Turn injection on or off at run time. */
  enabled: boolean;
  private readonly errors: ReadonlyArray<string | InjectedErrorSpec | (() => unknown)>;
  private readonly latency: { minMs: number; maxMs: number };
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly injectedEmitter = new EventEmitter<InjectedEvent>();
  /** Fires for every injected fault. */
  readonly onInjected: Event<InjectedEvent> = this.injectedEmitter.event;

  constructor(options: FaultInjectionOptions = {}) {
    this.errorRate = checkRate('errorRate', options.errorRate);
    this.latencyRate = checkRate('latencyRate', options.latencyRate);
    this.errors = options.errors && options.errors.length > 0 ? options.errors : [INJECTED_ERROR_CODE];
    const l = options.latencyMs ?? 0;
    this.latency = typeof l === 'number' ? { minMs: l, maxMs: l } : { minMs: l.minMs, maxMs: l.maxMs };
    if (!(this.latency.minMs >= 0 && this.latency.maxMs >= this.latency.minMs)) {
      throw new RangeError(`latencyMs must be >= 0 (and minMs <= maxMs), got ${JSON.stringify(options.latencyMs)}`);
    }
    this.enabled = options.enabled ?? true;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
  }

  execute<T>(fn: Action<T>, signal?: AbortSignal): Promise<T> {
    return this.executeIn(fn, { signal: signal ?? neverAbortedSignal, attempt: 1 });
  }

  async executeIn<T>(fn: Action<T>, context: ExecuteContext): Promise<T> {
    if (context.signal.aborted) throw abortReason(context.signal);
    if (this.enabled) {
      if (this.latencyRate > 0 && this.random() < this.latencyRate) {
        const delayMs = Math.floor(between(this.random, this.latency.minMs, this.latency.maxMs));
        this.injectedEmitter.fire({ kind: 'latency', delayMs });
        await sleep(this.clock, delayMs, context.signal);
      }
      if (this.errorRate > 0 && this.random() < this.errorRate) {
        const pick = this.errors[Math.min(this.errors.length - 1, Math.floor(this.random() * this.errors.length))];
        const error = this.makeError(pick, context);
        const code = (error as { code?: unknown })?.code;
        this.injectedEmitter.fire({ kind: 'error', code: typeof code === 'string' ? code : undefined });
        throw error;
      }
    }
    return fn(context);
  }

  private makeError(pick: string | InjectedErrorSpec | (() => unknown), context: ExecuteContext): unknown {
    if (typeof pick === 'function') return pick();
    const spec: InjectedErrorSpec = typeof pick === 'string' ? { code: pick } : pick;
    const category = spec.category ?? 'transient';
    return new ReboundError(spec.message ?? `Injected fault ${spec.code}`, {
      code: codeOf(spec.code),
      category,
      retryable: spec.retryable ?? category === 'transient',
      context: { attempt: context.attempt },
    });
  }
}

export function faultInjection(options?: FaultInjectionOptions): FaultInjectionPolicy {
  return new FaultInjectionPolicy(options);
}
