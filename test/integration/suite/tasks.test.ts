import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { isProcessAlive } from '../../../src/runner/process';
import { root, runTask, waitFor } from './support';
import { isFailure } from '../../../src/extension/ui/failure';
import type { TaskSummary } from '../../../src/extension/tasks/facade';

const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('Rebound tasks in the editor', function () {
  this.timeout(60_000);
  let api: ReboundApi;
  /** The Tasks view's tasks (it shows only tasks while the config and the store read fine). */
  const taskNodes = () => api.ui!.tasks.getChildren().filter((t): t is TaskSummary => !isFailure(t));
  const runner = () => api.ui!.taskRunner.current();
  const lastRun = (name: string) => runner().runs.list({ name, kind: 'task' })[0];

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
  });

  it('provides the tasks of config.json as VS Code tasks of type rebound, and resolves tasks.json entries', async () => {
    const all = await vscode.tasks.fetchTasks({ type: 'rebound' });
    // An explicit (empty) list of problem matchers: Run Task does not ask to scan the output.
    assert.ok(all.every((t) => Array.isArray(t.problemMatchers)), 'every task defines its problem matchers');
    // A tasks.json entry with the same definition customises the provided task (VS Code merges them).
    const names = [...new Set(all.map((t) => (t.definition as { task?: string }).task ?? ''))].sort();
    assert.deepEqual(names, ['compile', 'deploy', 'fetch', 'slow']);
    assert.ok(all.every((t) => t.execution instanceof vscode.CustomExecution), 'run through a Pseudoterminal');
    const names2 = taskNodes().map((t) => t.name).sort();
    assert.deepEqual(names2, names, 'the Tasks view lists the same tasks');
    const fromJson = all.find((t) => t.name === 'compile (from tasks.json)');
    assert.ok(fromJson, `the tasks.json entry is listed; got ${all.map((t) => `${t.source}:${t.name}`).join(', ')}`);
    assert.equal((fromJson.definition as { task?: string }).task, 'compile');
    assert.ok(fromJson.execution instanceof vscode.CustomExecution, 'the tasks.json entry resolves to the same execution');
  });

  it('retries a transient failure until it succeeds, recording events and attempts', async () => {
    await runTask('fetch');
    assert.equal(readFileSync(join(root(), 'tmp', 'flaky.count'), 'utf8').trim(), '3', 'the command ran three times');
    const run = lastRun('fetch');
    assert.equal(run.state, 'succeeded');
    const attempts = runner().attempts.list({ runId: run.id });
    assert.equal(attempts.length, 3, `attempts: ${JSON.stringify(attempts.map((a) => a.outcome))}`);
    assert.deepEqual(
      attempts.map((a) => a.outcome),
      ['failure', 'failure', 'success'],
    );
    const store = api.session!.store()!;
    const events = store.errors.events.list({ task: 'fetch' }).items;
    assert.equal(events.length, 2, 'each failed attempt is an event');
    assert.ok(events.every((e) => e.category === 'transient'), `categories: ${events.map((e) => e.category).join(', ')}`);
    const item = api.ui!.tasks.getTreeItem(taskNodes().find((t) => t.name === 'fetch')!);
    assert.match(String(item.description), /^succeeded/);
  });

  it('does not retry a permanent failure: the completed steps are undone in reverse order and the run is parked', async () => {
    await runTask('deploy');
    assert.deepEqual(readLines(join(root(), 'tmp', 'deploy.log')), ['upload', 'migrate', 'activate', 'undo-migrate', 'undo-upload']);
    const run = lastRun('deploy');
    assert.equal(run.state, 'failed', 'a permanent failure ends the run failed (its completed steps undone)');
    const node = taskNodes().find((t) => t.name === 'deploy')!;
    const item = api.ui!.tasks.getTreeItem(node);
    assert.match(String(item.contextValue), /\.failed/);
    assert.doesNotMatch(String(item.contextValue), /\.(resumable|interrupted)/, 'Resume Interrupted Run is only offered on interrupted runs');
    assert.match(String(item.description), /^failed \(FIX-MANIFEST\) \d+s ago$/, 'the same verdict the terminal gave');
    const attempts = runner().attempts.list({ runId: run.id });
    assert.equal(attempts.filter((a) => a.outcome !== 'success').length, 1, 'the permanent failure was not retried');
    const store = api.session!.store()!;
    const letters = store.deadLetters.list({ states: ['pending'] }).filter((d) => d.kind === 'task');
    assert.equal(letters.length, 1, 'one dead letter for the run');
    assert.equal(letters[0].code, 'FIX-MANIFEST', 'classified by the workspace rule');
    const issue = store.errors.events.list({ task: 'deploy' }).items[0];
    assert.equal(issue.category, 'permanent');
  });

  it('turns compiler output into diagnostics at the right lines, cleared by the next successful run', async () => {
    const app = vscode.Uri.file(join(root(), 'src', 'app.ts'));
    await runTask('compile');
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(app).filter((x) => x.source === 'rebound');
      return d.length === 2 && d;
    }, 'two diagnostics on src/app.ts');
    const sorted = [...diags].sort((a, b) => a.range.start.line - b.range.start.line);
    assert.equal(sorted[0].range.start.line, 2);
    assert.equal(sorted[0].range.start.character, 8);
    assert.match(sorted[0].message, /Type 'string' is not assignable to type 'number'/);
    assert.equal(sorted[1].range.start.line, 4);
    assert.equal(sorted[0].severity, vscode.DiagnosticSeverity.Error);
    mkdirSync(join(root(), 'tmp'), { recursive: true });
    writeFileSync(join(root(), 'tmp', 'fixed'), '');
    await runTask('compile');
    await waitFor(() => vscode.languages.getDiagnostics(app).filter((x) => x.source === 'rebound').length === 0, 'the diagnostics to clear');
  });

  it('cancels a running task and its whole process tree', async () => {
    const pidsFile = join(root(), 'tmp', 'slow.pids');
    let pids: number[] = [];
    await runTask('slow', async () => {
      pids = await waitFor(() => {
        const p = readLines(pidsFile).map(Number);
        return p.length === 2 && p;
      }, 'the slow task to start its children');
      assert.ok(pids.every(isProcessAlive), 'the children run');
      // A config edit and a Refresh while the run writes to the store must not pull the store away from it.
      const config = join(root(), '.rebound', 'config.json');
      writeFileSync(config, readFileSync(config, 'utf8'));
      await vscode.commands.executeCommand('rebound.refresh');
      await new Promise((r) => setTimeout(r, 300));
      await vscode.commands.executeCommand('rebound.task.cancel', 'slow');
    });
    await waitFor(() => pids.every((p) => !isProcessAlive(p)), 'every process of the task to be gone', 10_000);
    assert.equal(lastRun('slow').state, 'cancelled');
    const node = taskNodes().find((t) => t.name === 'slow')!;
    assert.match(String(api.ui!.tasks.getTreeItem(node).description), /^cancelled \(RB-CANCEL-001\)/, 'one code for a cancellation everywhere');
  });

  it('does not run a task that another process (the CLI, another window) is running', async () => {
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    const runId = `held-${Date.now()}`;
    const def = runner().definition('fetch');
    try {
      runner().runs.start({ id: runId, name: 'fetch', owner: { pid: holder.pid!, host: hostname(), startTime: null }, definition: def, steps: def.steps.map((s) => s.name) });
      const runs = runner().runs.list({ name: 'fetch', kind: 'task' }).length;
      const count = readFileSync(join(root(), 'tmp', 'flaky.count'), 'utf8');
      // The Tasks view says so, and offers nothing that would start it here.
      const node = taskNodes().find((t) => t.name === 'fetch')!;
      const item = api.ui!.tasks.getTreeItem(node);
      assert.equal(item.description, `running in another process (pid ${holder.pid})`);
      assert.equal(item.contextValue, 'rebound.busyTask');
      assert.equal(item.command, undefined);
      await runTask('fetch');
      assert.equal(runner().runs.list({ name: 'fetch', kind: 'task' }).length, runs, 'no second run was started');
      assert.equal(readFileSync(join(root(), 'tmp', 'flaky.count'), 'utf8'), count, 'the command did not run');
      assert.equal(runner().runs.require(runId).state, 'running', "the other process's run is untouched");
    } finally {
      holder.kill();
      runner().runs.finish(runId, 'cancelled');
    }
  });

  it('marks a run whose process died as interrupted, and resuming it records the recovery', async () => {
    // A run of `fetch` owned by a process that has exited: what a crash of VS Code or the CLI leaves.
    const dead = spawnSync('true');
    const runId = `crashed-${Date.now()}`;
    const def = runner().definition('fetch');
    runner().runs.start({ id: runId, name: 'fetch', owner: { pid: dead.pid!, host: hostname(), startTime: null }, definition: def, steps: def.steps.map((s) => s.name) });
    runner().runs.transition(runId, 0, { to: 'running' });
    assert.ok(api.ui!.taskRunner.interrupted().some((r) => r.id === runId), 'the run is found as interrupted');
    const node = taskNodes().find((t) => t.name === 'fetch')!;
    assert.match(String(api.ui!.tasks.getTreeItem(node).contextValue), /\.interrupted/);

    const ended = new Promise<void>((resolve) => {
      const sub = vscode.tasks.onDidEndTask((e) => {
        if (e.execution.task.name === 'fetch (resume)') {
          sub.dispose();
          resolve();
        }
      });
    });
    await vscode.commands.executeCommand('rebound.task.resume', 'fetch');
    await ended;
    const run = runner().runs.get(runId)!;
    assert.equal(run.state, 'recovered');
    const recoveries = runner().runs.recoveries(runId);
    assert.equal(recoveries.length, 1);
    assert.deepEqual([recoveries[0].action, recoveries[0].strategy, recoveries[0].outcome], ['resume', 'guided', 'succeeded']);
    assert.equal(api.ui!.taskRunner.interrupted().length, 0);
  });
});
