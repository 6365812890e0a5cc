/**
 * Reads written once for both kinds of target: a generator yields each target call's answer (a
 * value, or a promise of one) and gets it back resolved. `runAwaiting` awaits the promises;
 * `runNow` runs the same reads synchronously on a synchronous target (SQLite), for callers that
 * must not wait (the extension host's views), and refuses an asynchronous one.
 */
export type Steps<T> = Generator<unknown, T, unknown>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export async function runAwaiting<T>(steps: Steps<T>): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    let value: unknown;
    try {
      value = await r.value;
    } catch (err) {
      r = steps.throw(err);
      continue;
    }
    r = steps.next(value);
  }
  return r.value;
}

export function runNow<T>(steps: Steps<T>, what: string): T {
  let r = steps.next();
  while (!r.done) {
    if (isThenable(r.value)) {
      void Promise.resolve(r.value).catch(() => undefined);
      steps.return(undefined as T);
      throw new TypeError(`${what} reads this database asynchronously: await it instead of reading it at once`);
    }
    r = steps.next(r.value);
  }
  return r.value;
}
