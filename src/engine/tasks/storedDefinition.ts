import { createHash } from 'node:crypto';
import { REDACTED, redact } from '../redact/redact';
import type { TaskDefinition } from './definition';

/**
 * What a run keeps of its task's definition: a redacted copy to show (commands with their
 * secrets removed, env names without values, no rules, no problem patterns) and a hash of what
 * it executes, to compare with the config later. A run is only ever continued with the config's
 * own definition, and only when the hashes agree: nothing stored in the database is executed.
 */
export interface DisplayDefinition {
  name: string;
  steps: Array<{ name: string; command: string; undo?: string }>;
  cwd: string;
  /** Names only: every value is REDACTED. */
  env: Record<string, string>;
  timeoutMs?: number;
  fallback?: string;
}

/** The parts of a definition that decide what runs: steps (names, commands, undo), cwd, env, timeout. */
function executed(def: Pick<TaskDefinition, 'steps' | 'cwd' | 'env' | 'timeoutMs'>): unknown {
  const env = def.env ?? {};
  return {
    steps: def.steps.map((s) => [s.name, s.command, s.undo ?? null]),
    cwd: def.cwd ?? '.',
    env: Object.keys(env)
      .sort()
      .map((k) => [k, env[k]]),
    timeoutMs: def.timeoutMs ?? null,
  };
}

/** SHA-256 of what the definition executes (steps, cwd, env, timeout), hex. Retry, rules and problems do not count. */
export function definitionHash(def: Pick<TaskDefinition, 'steps' | 'cwd' | 'env' | 'timeoutMs'>): string {
  return createHash('sha256').update(JSON.stringify(executed(def)), 'utf8').digest('hex');
}

/** Longest command kept for display. */
const COMMAND_LIMIT = 2000;

const shown = (command: string): string => redact(command.length > COMMAND_LIMIT ? `${command.slice(0, COMMAND_LIMIT)}…` : command);

/** The redacted copy of a definition a run keeps for display. */
export function displayDefinition(def: TaskDefinition): DisplayDefinition {
  const out: DisplayDefinition = {
    name: def.name,
    steps: def.steps.map((s) => (s.undo === undefined ? { name: s.name, command: shown(s.command) } : { name: s.name, command: shown(s.command), undo: shown(s.undo) })),
    cwd: def.cwd ?? '.',
    env: Object.fromEntries(Object.keys(def.env ?? {}).map((k) => [k, REDACTED])),
  };
  if (def.timeoutMs !== undefined) out.timeoutMs = def.timeoutMs;
  if (def.fallback !== undefined) out.fallback = def.fallback;
  return out;
}

/** Whether a stored value has the shape of a task definition (a run's definition_json from an older Rebound). */
export function isTaskDefinitionLike(value: unknown): value is TaskDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<TaskDefinition>;
  return (
    typeof v.name === 'string' &&
    Array.isArray(v.steps) &&
    v.steps.every((s) => typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.command === 'string' && (s.undo === undefined || typeof s.undo === 'string'))
  );
}

/** One line per difference between a run's stored definition and the config's, for the person who decides. */
export interface DefinitionDifference {
  /** Where: `steps[1].command`, `env.API_URL`, `cwd`, `task`. */
  path: string;
  /** Redacted: what the run started with, and what the config says now (undefined: absent). */
  stored?: string;
  current?: string;
}

/**
 * The differences between what a run started with (its redacted copy) and the config's
 * definition now (redacted the same way), or one `task` difference when the task is gone. Call it
 * when the hashes differ: env values and secrets are compared by the hash only, so when only they
 * changed the one difference says so.
 */
export function definitionDifferences(stored: DisplayDefinition | null, current: TaskDefinition | undefined): DefinitionDifference[] {
  if (current === undefined) return [{ path: 'task', stored: stored?.name, current: undefined }];
  const now = displayDefinition(current);
  if (stored === null) return [{ path: 'definition', stored: undefined, current: `${now.steps.length} step(s)` }];
  const diffs: DefinitionDifference[] = [];
  const n = Math.max(stored.steps.length, now.steps.length);
  for (let i = 0; i < n; i++) {
    const a = stored.steps[i];
    const b = now.steps[i];
    for (const key of ['name', 'command', 'undo'] as const) {
      if (a?.[key] !== b?.[key]) diffs.push({ path: `steps[${i}].${key}`, stored: a?.[key], current: b?.[key] });
    }
  }
  if (stored.cwd !== now.cwd) diffs.push({ path: 'cwd', stored: stored.cwd, current: now.cwd });
  if (stored.timeoutMs !== now.timeoutMs) diffs.push({ path: 'timeoutMs', stored: stored.timeoutMs?.toString(), current: now.timeoutMs?.toString() });
  const names = new Set([...Object.keys(stored.env ?? {}), ...Object.keys(now.env)]);
  for (const k of [...names].sort()) {
    const a = stored.env?.[k];
    const b = now.env[k];
    if ((a === undefined) !== (b === undefined)) diffs.push({ path: `env.${k}`, stored: a, current: b });
  }
  // The hashes differ but the redacted copies agree: an env value or a secret in a command changed.
  if (diffs.length === 0) diffs.push({ path: 'env values or a redacted part of a command', stored: REDACTED, current: REDACTED });
  return diffs;
}
