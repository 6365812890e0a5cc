/** A problem found in a config value: where (its JSON path) and what. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
  /** A string value that is a likely typo of an allowed one: what a quick fix replaces it with. */
  replacement?: ValueReplacement;
}

export interface ValueReplacement {
  value: string;
  suggestion: string;
}

/** True when `source` compiles as a JavaScript regular expression. */
export function compilesAsRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** The number of capture groups of a regular expression that compiles. */
export function captureGroupCount(source: string): number {
  // An empty alternative always matches, so exec() returns one slot per group.
  return new RegExp(`${source}|`).exec('')!.length - 1;
}

import { didYouMean } from './didYouMean';

const GROUP_KEYS = ['file', 'line', 'column', 'endLine', 'endColumn', 'severity', 'code', 'message'] as const;

type Obj = Record<string, unknown>;
const isObject = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const own = (o: Obj, key: string) => Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined;

/**
 * The checks that span keys, run on any JSON value (parsed or not, valid or not), so they are
 * reported together with the schema's own problems: a task needs exactly one of command and steps,
 * step names are unique, a fallback names another existing task without a cycle, a breaker key is
 * defined in `breakers`, and an inline problem pattern's groups exist in its regexp.
 */
export function semanticIssues(config: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!isObject(config) || !isObject(config.tasks)) return issues;
  const tasks = config.tasks;
  const breakers = isObject(config.breakers) ? config.breakers : {};
  const fallbacks = new Map<string, string>();

  for (const [name, task] of Object.entries(tasks)) {
    if (!isObject(task)) continue;
    const at = (...rest: (string | number)[]) => ['tasks', name, ...rest];
    const hasCommand = own(task, 'command');
    const hasSteps = own(task, 'steps');
    if (!hasCommand && !hasSteps) issues.push({ path: at('command'), message: `missing command: task "${name}" needs "command" or "steps"` });
    if (hasCommand && hasSteps) issues.push({ path: at('steps'), message: `task "${name}" has both "command" and "steps": keep one` });

    if (Array.isArray(task.steps)) {
      const seen = new Map<string, number>();
      task.steps.forEach((step, i) => {
        if (!isObject(step) || typeof step.name !== 'string') return;
        const first = seen.get(step.name);
        if (first === undefined) seen.set(step.name, i);
        else issues.push({ path: at('steps', i, 'name'), message: `duplicate step name "${step.name}" (step ${first + 1} has it too)` });
      });
    }

    if (typeof task.fallback === 'string') {
      if (task.fallback === name) issues.push({ path: at('fallback'), message: `task "${name}" names itself as fallback` });
      else if (!own(tasks, task.fallback)) {
        const known = Object.keys(tasks).filter((n) => n !== name);
        const suggestion = didYouMean(task.fallback, known);
        issues.push({
          path: at('fallback'),
          message: `fallback "${task.fallback}" is not a task in this file${suggestion ? `; did you mean "${suggestion}"?` : known.length ? ` (tasks: ${known.join(', ')})` : ''}`,
          ...(suggestion ? { replacement: { value: task.fallback, suggestion } } : {}),
        });
      } else fallbacks.set(name, task.fallback);
    }

    if (typeof task.breaker === 'string' && !own(breakers, task.breaker)) {
      const known = Object.keys(breakers);
      const suggestion = didYouMean(task.breaker, known);
      issues.push({
        path: at('breaker'),
        message: `breaker "${task.breaker}" is not defined in "breakers"${suggestion ? `; did you mean "${suggestion}"?` : known.length ? ` (defined: ${known.join(', ')})` : ''}`,
        ...(suggestion ? { replacement: { value: task.breaker, suggestion } } : {}),
      });
    }

    if (Array.isArray(task.problems)) {
      task.problems.forEach((p, i) => {
        if (!isObject(p) || typeof p.regexp !== 'string' || !compilesAsRegExp(p.regexp)) return;
        const groups = captureGroupCount(p.regexp);
        for (const key of GROUP_KEYS) {
          const g = p[key];
          if (typeof g === 'number' && Number.isInteger(g) && g > groups) {
            issues.push({ path: at('problems', i, key), message: `capture group ${g} does not exist: the regexp has ${groups} group(s)` });
          }
        }
      });
    }
  }

  issues.push(...fallbackCycles(fallbacks));
  return issues;
}

/** Every cycle of fallbacks (length 2 or more), reported on each task in it. */
function fallbackCycles(fallbacks: Map<string, string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const done = new Set<string>();
  for (const start of fallbacks.keys()) {
    if (done.has(start)) continue;
    const chain: string[] = [];
    const index = new Map<string, number>();
    let at: string | undefined = start;
    while (at !== undefined && !done.has(at) && !index.has(at)) {
      index.set(at, chain.length);
      chain.push(at);
      at = fallbacks.get(at);
    }
    if (at !== undefined && index.has(at)) {
      const cycle = chain.slice(index.get(at)!);
      cycle.forEach((name, i) => {
        const order = [...cycle.slice(i), ...cycle.slice(0, i), name];
        issues.push({ path: ['tasks', name, 'fallback'], message: `fallback cycle: ${order.join(' → ')}` });
      });
    }
    for (const n of chain) done.add(n);
  }
  return issues;
}
