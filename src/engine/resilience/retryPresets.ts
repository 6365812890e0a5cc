import type { InlineRetryConfig } from './configSchema';

export type RetryPresetName = 'quick' | 'standard' | 'patient' | 'network' | 'none';

export const RETRY_PRESET_NAMES: readonly RetryPresetName[] = ['quick', 'standard', 'patient', 'network', 'none'];

/**
 * The named retry policies of DESIGN.md, as the inline configuration they stand for.
 * quick: 3 attempts, 0.5 s then 1 s. standard: 5 attempts, 1, 2, 4, 8 s. patient: 10 attempts from
 * 2 s doubling up to 60 s (about 5 minutes in all). network: 6 attempts, exponential from 0.5 s with
 * decorrelated jitter, capped at 30 s. none: a single attempt.
 */
export const RETRY_PRESETS: Readonly<Record<RetryPresetName, InlineRetryConfig>> = {
  quick: { maxAttempts: 3, backoff: { kind: 'exponential', baseMs: 500, maxMs: 2_000, jitter: 'none' } },
  standard: { maxAttempts: 5, backoff: { kind: 'exponential', baseMs: 1_000, maxMs: 30_000, jitter: 'none' } },
  patient: { maxAttempts: 10, backoff: { kind: 'exponential', baseMs: 2_000, maxMs: 60_000, jitter: 'none' } },
  network: { maxAttempts: 6, backoff: { kind: 'exponential', baseMs: 500, maxMs: 30_000, jitter: 'decorrelated' } },
  none: { maxAttempts: 1 },
};

export function isRetryPresetName(x: unknown): x is RetryPresetName {
  return typeof x === 'string' && (RETRY_PRESET_NAMES as readonly string[]).includes(x);
}
