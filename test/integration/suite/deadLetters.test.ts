import * as assert from 'node:assert/strict';
import { codeOf } from '../../../src/engine/errors/codes';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ExecutionError, MigrationError } from '../../../src/engine/errors';
import type { AttemptRecord, DeadLetter } from '../../../src/engine/resilience';
import type { ReboundApi } from '../../../src/extension/main';
import { isFailure } from '../../../src/extension/ui/failure';
import type { DeadLetterRepository } from '../../../src/store/deadLetters';

const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
/** Markdown as the text a reader sees (escapes and non-breaking spaces undone). */
const plain = (md: string) => md.replace(/&nbsp;/g, ' ').replace(/\*\*/g, '').replace(/\\(.)/g, '$1');
const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
const failures = (n: number, at: number): AttemptRecord[] =>
  Array.from({ length: n }, (_, i) => ({ number: i + 1, startedAt: at + i * 100, delayMs: i ? 20 : 0, durationMs: 50, outcome: 'failure' as const, errorCode: 'RB-NET-RESET', category: 'transient' as const, message: 'read ECONNRESET' }));

describe('Dead Letters view and its actions on a seeded store', function () {
  this.timeout(60_000);
  let api: ReboundApi;
  let repo: DeadLetterRepository;
  let baseline = 0;
  const seeded: Record<'fetch' | 'http' | 'stale' | 'migration', DeadLetter> = {} as never;
  const flakyCount = () => join(root(), 'tmp', 'flaky.count');
  /** Makes the fixture's flaky `fetch` succeed on its next attempt (it fails while its count is <= 2). */
  const fetchWillSucceed = () => {
    mkdirSync(join(root(), 'tmp'), { recursive: true });
    writeFileSync(flakyCount(), '2\n');
  };
  const tree = () => api.ui!.deadLetters;
  /** The view's entries (it lists only dead letters while the database reads fine). */
  const listed = () => tree().getChildren().filter((d): d is DeadLetter => !isFailure(d));
  const node = (id: number) => listed().find((d) => d.id === id);

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    repo = api.session!.store(true)!.deadLetters;
    baseline = repo.count({ states: ['pending', 'requeued'] });
    const now = Date.now();
    seeded.fetch = repo.add({
      operation: 'fetch',
      kind: 'task',
      component: 'tasks',
      input: { task: 'fetch' },
      error: new ExecutionError('npm ERR! network request failed, reason: read ECONNRESET', { code: codeOf('RB-NET-RESET'), category: 'transient' }),
      attempts: failures(4, now - 60_000),
    });
    seeded.http = repo.add({ operation: 'fetch', kind: 'task', component: 'tasks', input: { task: 'fetch' }, error: new ExecutionError('HTTP 503 from the registry', { code: 'RB-HTTP-503', category: 'transient' }), attempts: failures(1, now - 30_000) });
    seeded.stale = repo.add({ operation: 'deploy', kind: 'task', component: 'tasks', input: { task: 'deploy' }, error: new ExecutionError('release manifest is invalid', { code: codeOf('FIX-MANIFEST'), category: 'permanent' }), attempts: failures(1, now - 20_000) });
    seeded.migration = repo.add({
      operation: 'app:0003_add_index',
      kind: 'migration',
      component: 'migrations',
      // A database config.json no longer has: re-running it fails, naming it.
      input: { database: 'reporting', command: 'up', to: 3 },
      error: new MigrationError('near "INDX": syntax error <img src=x onerror=alert(1)>'),
    });
    api.ui!.refresh();
  });

  after(() => {
    // Leave the workspace as the task suites expect it: no flaky counter, no pending letter of ours.
    rmSync(flakyCount(), { force: true });
    for (const d of Object.values(seeded)) {
      const now = repo.get(d.id);
      if (now && (now.state === 'pending' || now.state === 'requeued')) repo.discard(d.id, 'test cleanup');
    }
    api.ui!.refresh();
  });

  it('lists pending entries newest first with code, attempts and age; untrusted text stays text; the badge counts them', () => {
    const ids = Object.values(seeded).map((d) => d.id);
    const mine = listed().filter((d) => ids.includes(d.id));
    assert.deepEqual(
      mine.map((d) => d.id),
      [seeded.migration.id, seeded.stale.id, seeded.http.id, seeded.fetch.id],
      'newest first',
    );

    const fetch = tree().getTreeItem(node(seeded.fetch.id)!);
    assert.equal(label(fetch), 'fetch');
    assert.match(String(fetch.description), /^RB-NET-RESET · 4 attempts · \d+s ago$/);
    assert.equal(fetch.contextValue, 'rebound.deadLetter.pending');
    assert.equal((fetch.iconPath as vscode.ThemeIcon).id, 'inbox');
    assert.equal(fetch.id, `dlq:${seeded.fetch.id}`);
    const tip = fetch.tooltip as vscode.MarkdownString;
    assert.match(plain(tip.value), /task: fetch/);
    assert.match(plain(tip.value), /Category: transient/);

    const migration = tree().getTreeItem(node(seeded.migration.id)!);
    assert.equal(label(migration), 'app:0003_add_index');
    assert.match(String(migration.description), /^RB-MIGRATE-001 · 0 attempts · /);
    const mtip = migration.tooltip as vscode.MarkdownString;
    assert.equal(mtip.isTrusted, false);
    assert.equal(mtip.supportHtml, false);
    assert.ok(!/(^|[^\\])<img/.test(mtip.value), `an unescaped tag reached the Markdown: ${mtip.value}`);

    // The container's badge counts open issues once: the queue says its count in the view's description.
    assert.equal(api.ui!.views.deadLetters.badge, undefined);
    assert.equal(api.ui!.views.deadLetters.description, `${baseline + 4} waiting`);
    assert.match(api.ui!.statusBar.item.text, new RegExp(`\\$\\(inbox\\) ${baseline + 4}`));
  });

  it('resolve and discard (from a tree node or an id) change the stored state, and the view and badge follow', async () => {
    await vscode.commands.executeCommand('rebound.deadLetter.resolve', node(seeded.http.id));
    await vscode.commands.executeCommand('rebound.deadLetter.discard', seeded.stale.id);
    assert.equal(repo.get(seeded.http.id)!.state, 'resolved');
    assert.equal(repo.get(seeded.http.id)!.note, 'resolved from VS Code');
    assert.equal(repo.get(seeded.stale.id)!.state, 'discarded');
    assert.equal(node(seeded.http.id), undefined, 'a resolved entry leaves the view');
    assert.equal(node(seeded.stale.id), undefined, 'a discarded entry leaves the view');
    api.ui!.refresh();
    assert.equal(api.ui!.views.deadLetters.description, `${baseline + 2} waiting`);
  });

  it('retry re-runs a task entry through the task runner: one new run, and the entry is resolved', async () => {
    const runner = api.ui!.taskRunner.current();
    const runsBefore = runner.runs.list({ name: 'fetch', kind: 'task' }).map((r) => r.id);
    fetchWillSucceed();
    await vscode.commands.executeCommand('rebound.deadLetter.retry', node(seeded.fetch.id));

    assert.equal(readFileSync(flakyCount(), 'utf8').trim(), '3', 'the task command ran once');
    const runs = runner.runs.list({ name: 'fetch', kind: 'task' }).filter((r) => !runsBefore.includes(r.id));
    assert.equal(runs.length, 1, 'one new run of fetch');
    assert.equal(runs[0].state, 'succeeded');
    const after = repo.get(seeded.fetch.id)!;
    assert.equal(after.state, 'resolved');
    assert.equal(after.retryCount, 1);
    assert.equal(after.attempts.length, 5, 'the re-run is recorded as one more attempt');
    assert.equal(after.attempts[4].outcome, 'success');
    assert.equal(node(seeded.fetch.id), undefined);
  });

  it('retry all re-runs the entries it has a runner for and leaves the others exactly as they were', async () => {
    const again = repo.add({ operation: 'fetch', kind: 'task', component: 'tasks', input: { task: 'fetch' }, error: new ExecutionError('read ECONNRESET', { code: codeOf('RB-NET-RESET'), category: 'transient' }), attempts: failures(4, Date.now()) });
    // A kind another producer parks, which Rebound has no runner for.
    const hook = repo.add({ operation: 'notify-release', kind: 'webhook', component: 'deploy', error: new Error('HTTP 502 from hooks.example.com'), attempts: failures(2, Date.now()) });
    try {
      fetchWillSucceed();
      const hookBefore = repo.get(hook.id)!;
      const result = (await vscode.commands.executeCommand('rebound.deadLetter.retryAll', { confirmed: true })) as { succeeded: number; failed: number } | undefined;
      assert.ok(result, 'the command reports its result');
      assert.equal(repo.get(again.id)!.state, 'resolved', 'the task entry was re-run and worked');
      assert.ok(result.succeeded >= 1);

      // The migration entry ran through the migration runner and failed: its database is gone from config.json.
      assert.equal(result.failed, 1);
      const migration = repo.get(seeded.migration.id)!;
      assert.equal(migration.state, 'pending');
      assert.equal(migration.retryCount, 1);
      assert.match(migration.message, /the database "reporting" is no longer in \.rebound\/config\.json/);

      // No runner for webhooks: the entry is not "failed again" by the lack of one.
      const untouched = repo.get(hook.id)!;
      assert.deepEqual([untouched.state, untouched.retryCount, untouched.message, untouched.code], [hookBefore.state, 0, hookBefore.message, hookBefore.code]);
      assert.deepEqual(untouched.attempts, hookBefore.attempts);
      assert.ok(node(hook.id), 'still listed');
    } finally {
      if (repo.get(again.id)?.state === 'pending') repo.discard(again.id, 'test cleanup');
      repo.discard(hook.id, 'test cleanup');
    }

    await vscode.commands.executeCommand('rebound.deadLetter.discard', node(seeded.migration.id));
    assert.equal(repo.get(seeded.migration.id)!.state, 'discarded');
    api.ui!.refresh();
    assert.equal(api.ui!.views.deadLetters.description, baseline ? `${baseline} waiting` : undefined, 'no count once the queue is empty');
    assert.equal(existsSync(flakyCount()), true);
  });
});
