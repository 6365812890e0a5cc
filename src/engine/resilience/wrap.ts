import type { FallbackPolicy } from './fallback';
import { neverAbortedSignal, type Action, type ExecuteContext, type Policy } from './policy';

/** What a composition may return instead of the action's value: the fallbacks' values. */
type AltOf<P> = P extends FallbackPolicy<infer R> ? R : P extends WrappedPolicy<infer A> ? A : never;

/**
 * Policies run one inside the other, the first outermost: `wrap(fallback, retry, breaker, timeout)`
 * falls back when retries of breaker-guarded, time-limited calls give up. The action receives the
 * innermost context (the attempt number of the innermost retry, the innermost signal).
 */
export class WrappedPolicy<Alt = never> implements Policy<Alt> {
  readonly policies: ReadonlyArray<Policy<unknown>>;
  /** Type-level only: what the composition may return instead of the action's value. */
  declare readonly altReturn?: Alt;

  constructor(policies: ReadonlyArray<Policy<unknown>>) {
    this.policies = policies;
  }

  execute<T>(fn: Action<T>, signal?: AbortSignal): Promise<T | Alt> {
    return this.executeIn(fn, { signal: signal ?? neverAbortedSignal, attempt: 1 });
  }

  executeIn<T>(fn: Action<T>, context: ExecuteContext): Promise<T | Alt> {
    const policies = this.policies;
    const run = (i: number, ctx: ExecuteContext): Promise<unknown> | T | PromiseLike<T> =>
      i === policies.length ? fn(ctx) : policies[i].executeIn((inner) => run(i + 1, inner), ctx);
    try {
      return Promise.resolve(run(0, context)) as Promise<T | Alt>;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

export function wrap<P extends ReadonlyArray<Policy<unknown>>>(...policies: P): WrappedPolicy<AltOf<P[number]>> {
  return new WrappedPolicy(policies);
}
