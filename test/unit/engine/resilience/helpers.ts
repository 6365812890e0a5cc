import { ReboundError, type Category } from '../../../../src/engine/errors';
import { codeOf } from '../../../../src/engine/errors/codes';

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Observes a promise without letting its rejection go unhandled. */
export function settle<T>(p: Promise<T>): { result: Promise<Settled<T>>; done: () => boolean } {
  let finished = false;
  const result = p.then(
    (value) => {
      finished = true;
      return { ok: true as const, value };
    },
    (error: unknown) => {
      finished = true;
      return { ok: false as const, error };
    },
  );
  return { result, done: () => finished };
}

export function failure(code: string, category: Category = 'transient', retryable = category === 'transient', delayHintMs?: number): ReboundError {
  return new ReboundError(`failure ${code}`, { code: codeOf(code), category, retryable, context: delayHintMs === undefined ? {} : { delayHintMs } });
}
