/** How a failure behaves: the first thing triage and retry policies look at. */
export type Category = 'transient' | 'permanent' | 'system' | 'business' | 'unknown';

/** How bad a failure is, lowest first. */
export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export const CATEGORIES: readonly Category[] = ['transient', 'permanent', 'system', 'business', 'unknown'];
export const SEVERITIES: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export function isCategory(x: unknown): x is Category {
  return typeof x === 'string' && (CATEGORIES as readonly string[]).includes(x);
}

export function isSeverity(x: unknown): x is Severity {
  return typeof x === 'string' && (SEVERITIES as readonly string[]).includes(x);
}

/** Where and when a failure happened. Every field is optional; only plain JSON values. */
export interface ErrorContext {
  component?: string;
  task?: string;
  step?: string;
  migration?: string;
  file?: string;
  line?: number;
  column?: number;
  command?: string;
  /** The folder the command ran in (absolute, or relative to the workspace): relative paths in its output resolve against it. */
  cwd?: string;
  exitCode?: number;
  signal?: string;
  durationMs?: number;
  attempt?: number;
  /** The run (task or migration run id) the failure belongs to. */
  runId?: string;
  /** How long to wait before trying again, when the failure says so (Retry-After, lock expiry). */
  delayHintMs?: number;
}
