import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatConfigProblem, parseConfig, type ConfigProblem, type ReboundConfig } from '../engine/config';
import { ConfigurationError } from '../engine/errors';
import { addSecretValues, taskEnvValues } from '../engine/redact/values';
import type { TaskDefinition } from '../engine/tasks';

/** .rebound/config.json of a workspace, validated, with its tasks resolved for the runner. */
export interface LoadedConfig {
  /** The absolute path of the file (whether or not it exists). */
  file: string;
  /** False when there is no config file (then the config is empty). */
  exists: boolean;
  config: ReboundConfig;
  tasks: Map<string, TaskDefinition>;
}

/** A ConfigurationError (RB-CONFIG-001) that carries every problem of the file, for the CLI and the editor. */
export class ConfigFileError extends ConfigurationError {
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[], shown = 5) {
    const lines = problems.slice(0, shown).map((p) => `  ${formatConfigProblem(p)}`);
    if (problems.length > shown) lines.push(`  … and ${problems.length - shown} more`);
    const first = problems[0];
    super(`${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`, {
      context: { component: 'config', file, ...(first ? { line: first.line, column: first.column } : {}) },
    });
    this.problems = problems;
  }
}

/** The problems a config error carries (empty for any other error). */
export function configProblemsOf(err: unknown): readonly ConfigProblem[] {
  return err instanceof ConfigFileError ? err.problems : [];
}

/** The path of a workspace's config file. */
export function configFile(root: string): string {
  return join(root, '.rebound', 'config.json');
}

/**
 * Reads and validates `<root>/.rebound/config.json`. A missing file is an empty config; an
 * unreadable or invalid one throws a ConfigFileError (a ConfigurationError) naming the file, the
 * line:column and JSON path of the first problems, with all of them in `problems`.
 */
export function loadConfig(root: string): LoadedConfig {
  const file = configFile(root);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, exists: false, config: {}, tasks: new Map() };
    throw new ConfigurationError(`${file} cannot be read: ${(err as Error).message}`, { context: { component: 'config', file }, cause: err });
  }
  const parsed = parseConfig(text, file);
  if (!parsed.ok) throw new ConfigFileError(file, parsed.problems);
  // The tasks' env values are redacted wherever they appear (a task printing its own password).
  for (const task of parsed.tasks.values()) addSecretValues(taskEnvValues(task.env));
  return { file, exists: true, config: parsed.config, tasks: parsed.tasks };
}
