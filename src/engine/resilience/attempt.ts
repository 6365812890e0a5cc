import type { Category } from '../errors';

export type AttemptOutcome = 'success' | 'failure' | 'cancelled';

/** One try of an action under a retry policy: what the attempts table and a dead letter keep. */
export interface AttemptRecord {
  /** 1 for the first attempt. */
  number: number;
  /** Clock time (ms since the epoch) when the attempt started. */
  startedAt: number;
  /** How long the policy waited before this attempt (0 for the first). */
  delayMs: number;
  durationMs: number;
  outcome: AttemptOutcome;
  /** The failure's code, for a failed or cancelled attempt. */
  errorCode?: string;
  category?: Category;
  message?: string;
}
