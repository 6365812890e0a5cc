import assert from 'node:assert/strict';
import { codeOf } from '../../../src/engine/errors/codes';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dlqCommand } from '../../../src/cli/commands/dlq';
import type { CliContext } from '../../../src/cli/command';
import { reportError } from '../../../src/cli/main';
import { LockError, ReboundError } from '../../../src/engine/errors';
import { registerRetryHandler, type DeadLetter } from '../../../src/engine/resilience';
import { openDatabase } from '../../../src/store/database';
import { DeadLetterRepository } from '../../../src/store/deadLetters';
import { workspacePaths } from '../../../src/store/location';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '-C', cwd, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the command in this process, mapping a thrown error to its exit code as main() does. */
async function inProcess(cwd: string, args: string[], flags: Record<string, string | true> = {}, json = false) {
  const lines: string[] = [];
  const errors: string[] = [];
  let doc: unknown;
  const out = { line: (t = '') => lines.push(t), json: (v: unknown) => (doc = doc ?? v), error: (t: string) => errors.push(t) };
  const ctx: CliContext = { cwd, json, args, flags: new Map(Object.entries(flags)), out, signal: new AbortController().signal };
  let code: number;
  try {
    code = await dlqCommand.run(ctx);
  } catch (err) {
    code = reportError(err, dlqCommand, out);
  }
  return { code, lines, errors, doc, stdout: lines.join('\n'), stderr: errors.join('\n') };
}

describe('rebound dlq (CLI)', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-dlq-cli-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function seed(): void {
    const { db } = openDatabase(workspacePaths(root).db);
    const repo = new DeadLetterRepository(db);
    repo.add({ operation: 'build', kind: 'task', component: 'registry', input: { task: 'build' }, error: new LockError('database is locked') });
    repo.add({ operation: 'app:0002_add\u001b[31m', kind: 'migration', error: new ReboundError('no such table: users', { code: codeOf('APP-SQL'), category: 'permanent' }) });
    repo.add({ operation: 'lint', kind: 'task', error: new Error('lint failed') });
    repo.discard(3);
    db.close();
  }

  it('list, show and stats work on an empty workspace without creating a database', () => {
    const list = cli(root, 'dlq', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), { ok: true, total: 0, entries: [] });
    assert.equal(cli(root, 'dlq', 'stats').code, 0);
    assert.equal(existsSync(workspacePaths(root).db), false);
    const show = cli(root, 'dlq', 'show', '4');
    assert.equal(show.code, 1);
    assert.match(show.stderr, /Dead letter 4 does not exist/);
  });

  it('lists pending entries as a table and as JSON, with filters', () => {
    seed();
    const text = cli(root, 'dlq', 'list');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /ID\s+STATE\s+KIND\s+OPERATION/);
    assert.match(text.stdout, /database is locked/);
    assert.doesNotMatch(text.stdout, /lint failed/, 'discarded entries are not listed by default');
    assert.ok(!text.stdout.includes('\u001b'), 'no terminal escape from stored text');
    const json = JSON.parse(cli(root, 'dlq', 'list', '--json', '--kind', 'migration').stdout);
    assert.equal(json.total, 1);
    assert.equal(json.entries[0].code, 'APP-SQL');
  });

  it('list filters: --all, --state, --category, --older-than', async () => {
    seed();
    const total = async (flags: Record<string, string | true>) => ((await inProcess(root, ['list'], flags, true)).doc as { total: number }).total;
    assert.equal(await total({}), 2);
    assert.equal(await total({ all: true }), 3);
    assert.equal(((await inProcess(root, ['list'], { state: 'discarded' }, true)).doc as { entries: DeadLetter[] }).entries[0].operation, 'lint');
    assert.equal(await total({ category: 'transient,permanent' }), 2);
    assert.equal(await total({ category: 'transient', 'older-than': '1h' }), 0);
    assert.equal(await total({ code: 'APP-SQL', 'newer-than': '1h' }), 1);
  });

  it('shows one entry with its error, input and attempts', async () => {
    seed();
    const r = await inProcess(root, ['show', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Dead letter 1/);
    assert.match(r.stdout, /RB-LOCK-001/);
    assert.match(r.stdout, /"task": "build"/);
    assert.match(r.stdout, /LockError: database is locked/);
    assert.equal(((await inProcess(root, ['show', '2'], {}, true)).doc as { entry: DeadLetter }).entry.category, 'permanent');
  });

  it('discard and resolve change the state; stats count them', async () => {
    seed();
    assert.equal((await inProcess(root, ['discard', '2'], { note: 'table dropped on purpose' })).code, 0);
    assert.equal((await inProcess(root, ['resolve', '2'])).code, 0);
    const resolved = await inProcess(root, ['resolve', '2']);
    assert.equal(resolved.code, 1);
    assert.match(resolved.stderr, /is resolved; it cannot be resolved/);
    const stats = await inProcess(root, ['stats']);
    assert.match(stats.stdout, /Dead letters: 3 \(1 pending, 0 requeued, 1 discarded, 1 resolved\)/);
    const json = (await inProcess(root, ['stats'], {}, true)).doc as { stats: { byState: unknown } };
    assert.deepEqual(json.stats.byState, { pending: 1, requeued: 0, discarded: 1, resolved: 1 });
  });

  it('exit 2 on bad usage', async () => {
    const cases: Array<[string[], Record<string, string | true>]> = [
      [[], {}],
      [['frobnicate'], {}],
      [['show'], {}],
      [['show', 'abc'], {}],
      [['show', '1', '2'], {}],
      [['list'], { state: 'lost' }],
      [['list'], { 'older-than': 'soon' }],
      [['list'], { category: 'meh' }],
      [['list'], { state: 'pending', all: true }],
    ];
    for (const [args, flags] of cases) {
      const r = await inProcess(root, args, flags);
      assert.equal(r.code, 2, `${args.join(' ')} ${JSON.stringify(flags)}: ${r.stderr}`);
    }
    const r = cli(root, 'dlq', 'show', 'abc', '--json');
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).error.code, 'USAGE');
  });

  it('retry fails clearly, naming the kind, when no handler is registered (the entry is left alone)', async () => {
    seed();
    // The CLI registers the task and migration handlers (src/cli/commands/run.ts); a kind of
    // another producer has none there.
    const { db } = openDatabase(workspacePaths(root).db);
    const id = new DeadLetterRepository(db).add({ operation: 'notify', kind: 'webhook', error: new Error('503') }).id;
    db.close();
    const r = cli(root, 'dlq', 'retry', String(id));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No retry handler is registered for dead letters of kind "webhook", .*\(handlers exist for: task, migration\)/);
    const e = ((await inProcess(root, ['show', String(id)], {}, true)).doc as { entry: DeadLetter }).entry;
    assert.deepEqual([e.state, e.retryCount], ['pending', 0]);
  });

  it('retry-all leaves entries of a kind without a handler alone and says so', async () => {
    seed();
    const all = await inProcess(root, ['retry-all'], {}, true);
    assert.equal(all.code, 1);
    assert.equal((all.doc as { withoutHandler: number }).withoutHandler, 2);
    assert.match(all.stderr, /no retry handler is registered/);
    const e = ((await inProcess(root, ['show', '1'], {}, true)).doc as { entry: DeadLetter }).entry;
    assert.deepEqual([e.state, e.retryCount], ['pending', 0]);
  });

  it('retry and retry-all run the registered handler for the entry kind', async () => {
    seed();
    const ran: Array<[number, string]> = [];
    const handler = async (e: DeadLetter, ctx: { root: string }) => {
      ran.push([e.id, ctx.root]);
      if (e.kind === 'migration') throw new ReboundError('still no table', { code: codeOf('APP-SQL'), category: 'permanent' });
    };
    const t = registerRetryHandler('task', handler);
    const m = registerRetryHandler('migration', handler);
    try {
      const one = await inProcess(root, ['retry', '1'], {}, true);
      assert.equal(one.code, 0);
      assert.deepEqual(ran, [[1, root]]);
      assert.equal((one.doc as { result: { entry: DeadLetter } }).result.entry.state, 'resolved');

      const failed = await inProcess(root, ['retry', '2']);
      assert.equal(failed.code, 1);
      assert.match(failed.lines.join('\n'), /ran again and failed \[APP-SQL\]/);

      const all = await inProcess(root, ['retry-all'], { state: 'pending,discarded' }, true);
      assert.equal(all.code, 1, 'one of them failed');
      const doc = all.doc as { succeeded: number; failed: number };
      assert.deepEqual([doc.succeeded, doc.failed], [1, 1]);
    } finally {
      t.dispose();
      m.dispose();
    }
  });
});
