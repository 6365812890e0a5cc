/** Quick fixes the editor offers for guidance that names them (ids are stable; the extension implements them). */
export const QUICK_FIXES = {
  'rebound.addRetry': 'Add a retry policy ("network" for network errors, else "standard") to the failing task in .rebound/config.json',
  'rebound.addBreaker': 'Add a circuit breaker to the failing task in .rebound/config.json',
  'rebound.increaseTimeout': 'Double the failing task\'s timeoutMs in .rebound/config.json',
  'rebound.addRule': 'Add a classification rule for this error to .rebound/config.json',
} as const;

export type QuickFixId = keyof typeof QUICK_FIXES;

/**
 * The `openFile` path that stands for the file the event points at. Never shown: {@link forEvent}
 * puts the event's file in its place, or leaves the action out when the event names no file.
 */
export const EVENT_FILE = '${file}';

/** An automatic action that applies to an error. `openFile` paths are workspace-relative. */
export type GuidanceAction =
  | { kind: 'retry' }
  | { kind: 'rollback' }
  | { kind: 'recover' }
  | { kind: 'quickFix'; id: QuickFixId }
  | { kind: 'openFile'; path: string; line?: number };

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

/** Where an event happened, for guidance that names it. */
export interface GuidanceWhere {
  file?: string | null;
  line?: number | null;
}

/**
 * Guidance for one event: the event's file in place of {@link EVENT_FILE} (the action is left out
 * when there is none, so no placeholder ever reaches a user), and a first step that names the
 * file and line.
 */
export function forEvent(g: Guidance, where: GuidanceWhere = {}): Guidance {
  const file = where.file ?? undefined;
  const line = where.line ?? undefined;
  const points = g.actions.some((a) => a.kind === 'openFile' && a.path === EVENT_FILE);
  const actions: GuidanceAction[] = [];
  for (const a of g.actions) {
    if (a.kind !== 'openFile' || a.path !== EVENT_FILE) actions.push(a);
    else if (file) actions.push(line ? { kind: 'openFile', path: file, line } : { kind: 'openFile', path: file });
  }
  const steps = points && file ? [`Open ${file}${line ? `:${line}` : ''}.`, ...g.steps] : g.steps;
  return { ...g, steps, actions };
}
