import type { Category } from '../errors';
import { failureInfo, isCancellation } from './failure';

/**
 * Which failures a retry policy retries. A failure is retried when it matches any given rule
 * (a category, a code, or the predicate). Without any rule, Rebound errors are retried when their
 * `retryable` flag says so and foreign (unclassified) errors are retried.
 * Never retried, whatever the rules: permanent failures and cancellations.
 */
export interface RetryFilter {
  categories?: readonly Category[];
  codes?: readonly string[];
  when?: (error: unknown) => boolean;
}

export function shouldRetry(error: unknown, filter: RetryFilter | undefined): boolean {
  if (isCancellation(error)) return false;
  const info = failureInfo(error);
  if (info.category === 'permanent') return false;
  if (!filter || (filter.categories === undefined && filter.codes === undefined && filter.when === undefined)) {
    return info.retryable !== false;
  }
  if (filter.codes?.includes(info.code)) return true;
  if (filter.categories?.includes(info.category)) return true;
  if (filter.when) {
    try {
      return filter.when(error) === true;
    } catch {
      return false;
    }
  }
  return false;
}
