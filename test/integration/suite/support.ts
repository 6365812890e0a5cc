import * as assert from 'node:assert/strict';
import { join } from 'node:path';
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

/**
 * Writes `text` as the .rebound/config.json of a nested folder (the workspace's own config is left
 * alone), opens it, and waits until exactly one of its diagnostics passes `which` (default: Rebound's).
 */
export async function openConfigWithOneProblem(
  folder: string,
  text: string,
  which: (d: vscode.Diagnostic) => boolean = (d) => d.source === 'rebound',
): Promise<{ uri: vscode.Uri; doc: vscode.TextDocument; diagnostic: vscode.Diagnostic }> {
  const uri = vscode.Uri.file(join(root(), folder, '.rebound', 'config.json'));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const [diagnostic] = await waitFor(() => {
    const d = vscode.languages.getDiagnostics(uri).filter(which);
    return d.length === 1 && d;
  }, `one diagnostic in ${folder}/.rebound/config.json`);
  return { uri, doc, diagnostic };
}

/**
 * The code actions at `range` once one titled `title` is among them: a request made while the JSON
 * extension is still taking a just-opened document (its language mode) can come back cancelled or empty.
 */
export async function codeActionsWith(uri: vscode.Uri, range: vscode.Range, title: string): Promise<vscode.CodeAction[]> {
  const end = Date.now() + 10_000;
  let last: vscode.CodeAction[] = [];
  while (Date.now() < end) {
    try {
      last = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range);
      if (last.some((a) => a.title === title)) return last;
    } catch (e) {
      if (!/Canceled/.test(String(e))) throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no "${title}" action; got ${last.map((a) => a.title).join(', ')}`);
}
