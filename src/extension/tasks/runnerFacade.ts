import type * as vscode from 'vscode';
import { registerTaskRetryHandler, storedVerdict, TaskRunner } from '../../runner/tasks';
import type { ErrorStore } from '../../store/errorStore';
import type { ReboundSession } from '../session';
import type { WorkspaceConfig } from '../workspaceConfig';
import { resolveRetryConfig } from '../../engine/resilience';
import type { TaskRunnerFacade, TaskSummary } from './facade';

/**
 * The task runner of one workspace folder for the editor: the session's store (opened, and
 * created, on first use) and the tasks of config.json as they are now. A broken config.json
 * throws its ConfigurationError (file, line, column), which the callers show.
 */
export class EditorTaskRunner implements TaskRunnerFacade, vscode.Disposable {
  private runner: TaskRunner | undefined;
  private store: ErrorStore | undefined;
  private readonly retryHandler: { dispose(): void };

  constructor(
    private readonly session: ReboundSession,
    private readonly config: WorkspaceConfig,
  ) {
    // Dead letters of kind `task` (the Dead Letters view) re-run through this runner, with the
    // store kept open until the re-run ends.
    this.retryHandler = registerTaskRetryHandler(() => {
      const runner = this.current();
      const lease = this.session.lease();
      return { runner, dispose: () => lease.dispose() };
    });
  }

  /** The runner over the session's current store (a reopened store gets a new runner). */
  current(): TaskRunner {
    const store = this.session.store(true)?.errors;
    if (!store) throw this.session.error ?? new Error('The Rebound database is not available.');
    if (!this.runner || this.store !== store) {
      this.store = store;
      this.runner = new TaskRunner({ root: this.session.folder.uri.fsPath, store, tasks: () => this.config.require().tasks });
    }
    return this.runner;
  }

  tasks(): TaskSummary[] {
    const tasks = this.config.require().tasks;
    if (!tasks.size) return [];
    // Listing tasks must not create the database: without one, nothing has run yet.
    if (!this.session.store()) {
      return [...tasks.values()].map((t) => ({
        name: t.name,
        detail: t.steps.length === 1 ? t.steps[0].command : t.steps.map((s) => s.name).join(' → '),
        steps: t.steps.length,
        running: false,
      }));
    }
    const runner = this.current();
    const interrupted = new Set(runner.interrupted().map((r) => r.name));
    return runner.tasks().map((t) => {
      const summary: TaskSummary = { ...t, interrupted: interrupted.has(t.name) };
      if (t.last) {
        // The same verdict the terminal and the CLI give: a failed run its fallback stood in for is a success.
        const run = runner.runs.get(t.last.runId);
        if (run) summary.verdict = storedVerdict(runner.runs, run, tasks.get(t.name));
      }
      return summary;
    });
  }

  live(): ReturnType<TaskRunnerFacade['live']> {
    return {
      maxAttempts: (task) => {
        const def = this.config.get()?.tasks.get(task);
        try {
          return def ? resolveRetryConfig(def.retry).maxAttempts : undefined;
        } catch {
          return undefined;
        }
      },
      breaker: (task) => {
        const key = this.config.get()?.tasks.get(task)?.breaker?.name;
        const b = key ? this.session.store()?.breakers.get(key) : undefined;
        if (!b) return undefined;
        const s = b.snapshot;
        return { key: b.key, state: b.state, retryAt: b.state === 'open' && s.openedAt !== null && s.breakMs !== null ? s.openedAt + s.breakMs : null };
      },
    };
  }

  run: TaskRunnerFacade['run'] = (name, io) => this.current().run(name, io);
  resume: TaskRunnerFacade['resume'] = (runId, io) => this.current().resume(runId, io);
  recover: TaskRunnerFacade['recover'] = async (runId, action, io, strategy) => {
    const runner = this.current();
    // A rollback's undos write to the store: a config edit or Refresh meanwhile waits for the end.
    const lease = this.session.lease();
    try {
      return await runner.recover(runId, action, io, strategy);
    } finally {
      lease.dispose();
    }
  };

  interrupted(): ReturnType<TaskRunnerFacade['interrupted']> {
    return this.session.store() ? this.current().interrupted() : [];
  }

  dispose(): void {
    this.retryHandler.dispose();
  }
}
