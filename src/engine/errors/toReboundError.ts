import { CancelledError } from './kinds';
import { ReboundError, isReboundError, type ReboundErrorOptions } from './reboundError';

/**
 * Any thrown value as a Rebound error: Rebound errors pass through unchanged; an AbortError becomes
 * a {@link CancelledError}; anything else is wrapped (code RB-UNKNOWN-001 unless `defaults` say
 * otherwise) with the original as `cause`, its message kept.
 */
export function toReboundError(value: unknown, defaults: ReboundErrorOptions = {}): ReboundError {
  if (isReboundError(value)) return value;
  const e = value as { name?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : typeof value === 'string' ? value : String(value);
  if (e && e.name === 'AbortError') return new CancelledError(message, { ...defaults, cause: value });
  return new ReboundError(message, { ...defaults, cause: value });
}
