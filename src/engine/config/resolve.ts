import type { ProblemSpec, TaskDefinition } from '../tasks/definition';
import type { ReboundConfig } from './schema';

/**
 * The tasks of a validated config as the runner's definitions: a single `command` becomes one
 * step named after the task; cwd defaults to '.', retry to 'standard'; the breaker key is resolved
 * to its config; every task gets the workspace `rules`. Expects a config `parseConfig` accepted
 * (a task without command or steps, or with an undefined breaker, is skipped).
 */
export function resolveTasks(config: ReboundConfig): Map<string, TaskDefinition> {
  const out = new Map<string, TaskDefinition>();
  const rules = config.rules ?? [];
  for (const [name, task] of Object.entries(config.tasks ?? {})) {
    const steps = task.steps
      ? task.steps.map((s) => ({ name: s.name, command: s.command, ...(s.undo === undefined ? {} : { undo: s.undo }), ...(s.rerun === undefined ? {} : { rerun: s.rerun }) }))
      : task.command !== undefined
        ? [{ name, command: task.command }]
        : [];
    if (steps.length === 0) continue;
    const breakerConfig = task.breaker !== undefined ? config.breakers?.[task.breaker] : undefined;
    if (task.breaker !== undefined && !breakerConfig) continue;
    const def: TaskDefinition = {
      name,
      steps,
      cwd: task.cwd ?? '.',
      env: { ...(task.env ?? {}) },
      retry: task.retry ?? 'standard',
      problems: (task.problems ?? []) as ProblemSpec[],
      rules,
    };
    if (task.timeoutMs !== undefined) def.timeoutMs = task.timeoutMs;
    if (task.breaker !== undefined && breakerConfig) def.breaker = { name: task.breaker, config: breakerConfig };
    if (task.fallback !== undefined) def.fallback = task.fallback;
    if (task.deadLetter !== undefined) def.deadLetter = task.deadLetter;
    out.set(name, def);
  }
  return out;
}
