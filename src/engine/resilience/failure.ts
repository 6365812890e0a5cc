import { isCancelledError, isReboundError, type Category } from '../errors';

/** What the resilience policies need to know about a failure, for any thrown value. */
export interface FailureInfo {
  /** The Rebound code, or a foreign error's own string `code` (ECONNRESET, SQLITE_BUSY), or RB-UNKNOWN-001. */
  code: string;
  category: Category;
  /** The Rebound error's `retryable`; undefined for a foreign (unclassified) error. */
  retryable: boolean | undefined;
  message: string;
}

const UNKNOWN_CODE = 'RB-UNKNOWN-001';
const CANCEL_CODE = 'RB-CANCEL-001';

export function failureInfo(error: unknown): FailureInfo {
  if (isReboundError(error)) {
    return { code: error.code, category: error.category, retryable: error.retryable, message: error.message };
  }
  const e = error as { code?: unknown; message?: unknown; name?: unknown } | null | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (isCancellation(error)) return { code: CANCEL_CODE, category: 'permanent', retryable: false, message };
  const code = typeof e?.code === 'string' && e.code.length > 0 ? e.code : UNKNOWN_CODE;
  return { code, category: 'unknown', retryable: undefined, message };
}

/** A cancellation (a CancelledError or a DOM AbortError), which is never retried nor counted as a fault. */
export function isCancellation(error: unknown): boolean {
  if (isCancelledError(error)) return true;
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return name === 'AbortError';
}

/**
 * The delay the failure itself asks for, if any: a Rebound error's `context.delayHintMs` (a lock's
 * expiry, an open breaker's remaining time) or a `retryAfterMs` property (a Retry-After header).
 */
export function delayHintOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (isReboundError(error)) {
    const hint = error.context.delayHintMs;
    if (typeof hint === 'number' && Number.isFinite(hint) && hint >= 0) return hint;
  }
  const retryAfter = (error as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter;
  return undefined;
}
