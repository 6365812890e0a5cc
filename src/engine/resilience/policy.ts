import { abortReason } from '../clock';

/** What a policy hands the action it runs: the signal to honour and the attempt number (1-based). */
export interface ExecuteContext {
  readonly signal: AbortSignal;
  readonly attempt: number;
}

/** The work a policy runs. It should stop when `signal` aborts. */
export type Action<T> = (context: ExecuteContext) => T | PromiseLike<T>;

/**
 * A resilience policy (retry, circuit breaker, timeout, fallback, fault injection, or several
 * composed with `wrap`). `Alt` is what the policy may return instead of the action's value
 * (a fallback's value); it is `never` for every other policy.
 */
export interface Policy<Alt = never> {
  /** Runs `fn` under the policy. Rejects with the abort reason as soon as `signal` aborts. */
  execute<T>(fn: Action<T>, signal?: AbortSignal): Promise<T | Alt>;
  /** Runs `fn` in the context an enclosing policy hands down (used by `wrap`). */
  executeIn<T>(fn: Action<T>, context: ExecuteContext): Promise<T | Alt>;
}

/** A signal that never aborts, used when the caller gives none. */
export const neverAbortedSignal: AbortSignal = new AbortController().signal;

/**
 * Settles like `promise`, but rejects with the signal's reason as soon as `signal` aborts (the
 * action keeps the aborted signal and is expected to stop; its late result is ignored).
 */
export function raceAbort<T>(promise: T | PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal === neverAbortedSignal) return Promise.resolve(promise);
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      Promise.resolve(promise).then(undefined, () => undefined);
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(promise).then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** An AbortController that also aborts (with the same reason) when `parent` does. */
export function linkedController(parent: AbortSignal): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  if (parent === neverAbortedSignal) return { controller, dispose: () => undefined };
  if (parent.aborted) {
    controller.abort(abortReason(parent));
    return { controller, dispose: () => undefined };
  }
  const onAbort = () => controller.abort(abortReason(parent));
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}

