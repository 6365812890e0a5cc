/** Quick fixes the editor offers for guidance that names them (ids are stable; the extension implements them). */
export const QUICK_FIXES = {
  'rebound.addRetry': 'Add a retry policy ("network" for network errors, else "standard") to the failing task in .rebound/config.json',
  'rebound.addBreaker': 'Add a circuit breaker to the failing task in .rebound/config.json',
  'rebound.increaseTimeout': 'Double the failing task\'s timeoutMs in .rebound/config.json',
  'rebound.addRule': 'Add a classification rule for this error to .rebound/config.json',
} as const;

export type QuickFixId = keyof typeof QUICK_FIXES;

/** An automatic action that applies to an error. `openFile` paths are workspace-relative; `${file}` is the event's file. */
export type GuidanceAction =
  | { kind: 'retry' }
  | { kind: 'rollback' }
  | { kind: 'recover' }
  | { kind: 'quickFix'; id: QuickFixId }
  | { kind: 'openFile'; path: string };

/** What an error code means and what to do about it. */
export interface Guidance {
  code: string;
  title: string;
  explanation: string;
  steps: string[];
  actions: GuidanceAction[];
  /** Where it comes from: a built-in entry or a user rule (`rules[i]`). */
  source: 'builtin' | string;
}
