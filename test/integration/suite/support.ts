import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** The test workspace folder (a fresh copy of a fixture). */
export const root = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;

/** Polls `fn` every 50 ms until it returns something truthy, or fails naming `what`. */
export async function waitFor<T>(fn: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The VS Code task of type `rebound` for a task of config.json. */
export async function reboundTask(name: string): Promise<vscode.Task> {
  const tasks = await vscode.tasks.fetchTasks({ type: 'rebound' });
  const task = tasks.find((t) => (t.definition as { task?: string }).task === name);
  assert.ok(task, `task ${name} is not provided; got ${tasks.map((t) => t.name).join(', ')}`);
  return task;
}

/**
 * Runs a rebound task through VS Code's task system (a real terminal) and waits for it to end;
 * `whileRunning` runs once the task has started.
 */
export async function runTask(name: string, whileRunning?: () => Promise<void>): Promise<void> {
  const task = await reboundTask(name);
  const started: { execution?: vscode.TaskExecution } = {};
  const ended = new Promise<void>((resolve) => {
    const sub = vscode.tasks.onDidEndTask((e) => {
      if (started.execution && e.execution === started.execution) {
        sub.dispose();
        resolve();
      }
    });
  });
  started.execution = await vscode.tasks.executeTask(task);
  if (whileRunning) await whileRunning();
  await Promise.race([ended, new Promise((_, reject) => setTimeout(() => reject(new Error(`task ${name} did not end`)), 40_000))]);
}
