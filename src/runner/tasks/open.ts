import { ErrorStore } from '../../store/errorStore';
import { workspacePaths } from '../../store/location';
import { loadConfig, type LoadedConfig } from '../config';
import { requireTask, TaskRunner, type TaskRunnerOptions } from './runner';

export interface OpenedTaskRunner {
  runner: TaskRunner;
  store: ErrorStore;
  config: LoadedConfig;
  dispose(): void;
}

/**
 * A runner for a workspace, as the CLI uses it: .rebound/config.json loaded and validated (a
 * ConfigurationError when it is not), the workspace store opened with its rules and retention.
 */
export function openTaskRunner(root: string, options: Partial<Omit<TaskRunnerOptions, 'root' | 'store' | 'tasks'>> & { task?: string } = {}): OpenedTaskRunner {
  const config = loadConfig(root);
  // An unknown task is bad usage: say so before the store is opened (or created).
  if (options.task !== undefined) requireTask(config.tasks, options.task);
  const store = ErrorStore.open(workspacePaths(root).db, { workspaceRoot: root, rules: config.config.rules ?? [], retention: config.config.retention, limits: config.config.limits });
  const runner = new TaskRunner({ ...options, root, store, tasks: () => config.tasks });
  return { runner, store, config, dispose: () => store.close() };
}
