import type { RunState } from './runModel';

/** The one answer to "how did this run end?", shared by the terminal, the Tasks view, notifications and the CLI. */
export type RunVerdictKind = 'succeeded' | 'degraded' | 'failed' | 'cancelled' | 'rolled-back' | 'abandoned' | 'running';

export const CANCEL_CODE = 'RB-CANCEL-001';

export interface RunVerdict {
  kind: RunVerdictKind;
  /** The work got done: by the task itself, or (`degraded`) by its fallback. */
  ok: boolean;
  /** The error code shown with a failure (always RB-CANCEL-001 for a cancellation); none for a success. */
  code?: string;
  /** The fallback task that did the work, for `degraded`. */
  fallback?: string;
  /** A short phrase: "succeeded", "succeeded through its fallback \"x\"", "failed (RB-EXEC-001)", "cancelled (RB-CANCEL-001)". */
  phrase: string;
  /** The process exit code for this verdict (CLI and terminal): 0 when the work got done. */
  exitCode: 0 | 1;
}

/** What a verdict is computed from: a run as it ended (an outcome) or as the store keeps it. */
export interface VerdictInput {
  state: RunState;
  cancelled?: boolean;
  errorCode?: string | null;
  /** The fallback run that stood in for this one, if one ran. */
  fallback?: { task: string; ok: boolean };
}

/**
 * The verdict of a run. A failed run whose fallback succeeded is a success (`degraded`); a
 * cancellation is RB-CANCEL-001 whatever error the cancelled step raised.
 */
export function runVerdict(input: VerdictInput): RunVerdict {
  const { state } = input;
  if (state === 'succeeded' || state === 'recovered') return { kind: 'succeeded', ok: true, phrase: 'succeeded', exitCode: 0 };
  if (input.cancelled || state === 'cancelled') return { kind: 'cancelled', ok: false, code: CANCEL_CODE, phrase: `cancelled (${CANCEL_CODE})`, exitCode: 1 };
  if (state === 'running') return { kind: 'running', ok: false, phrase: 'running', exitCode: 1 };
  const code = input.errorCode ?? undefined;
  if (state === 'failed' && input.fallback?.ok) {
    return { kind: 'degraded', ok: true, code, fallback: input.fallback.task, phrase: `succeeded through its fallback "${input.fallback.task}"`, exitCode: 0 };
  }
  const kind: RunVerdictKind = state === 'rolled-back' ? 'rolled-back' : state === 'abandoned' ? 'abandoned' : 'failed';
  return { kind, ok: false, code, phrase: `${kind}${code ? ` (${code})` : ''}`, exitCode: 1 };
}
