import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskDefinition } from '../../../../src/engine/tasks';
import { TaskRunner } from '../../../../src/runner/tasks';
import { sandbox, task, type Sandbox } from './helpers';

describe('task triage: locations, issues and dead letters (real processes, real SQLite)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let defs: Map<string, TaskDefinition>;
  let runner: TaskRunner;
  const define = (...ts: TaskDefinition[]) => {
    for (const t of ts) defs.set(t.name, t);
  };

  beforeEach(() => {
    sb = sandbox();
    defs = new Map();
    runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs });
  });
  afterEach(() => sb.dispose());

  it('points a failure at file:line without `problems`, relative to the task cwd, titled with its headline', async () => {
    mkdirSync(join(sb.root, 'native'));
    sb.script('native/build.sh', `echo "src/ext.c:2:10: error: implicit declaration of function 'missing_fn'" >&2; exit 1`);
    define(task('native', [{ name: 'compile', command: 'sh build.sh' }], { cwd: 'native', retry: 'none' }));
    const r = await runner.run('native');
    const e = sb.store.listEvents({ task: 'native' }).items[0];
    assert.deepEqual([e.code, e.category, e.file, e.line, e.column], ['RB-BUILD-C', 'permanent', 'native/src/ext.c', 2, 10]);
    const issue = sb.store.getIssue(r.issueId!)!;
    assert.equal(issue.title, "error: implicit declaration of function 'missing_fn'");
    assert.equal(issue.culprit, 'native › compile, native/src/ext.c:2');
    // The Problems panel gets it too (the default matchers), so a code failure is not parked.
    assert.deepEqual(r.problems.map((p) => [p.file, p.line]), [[join(sb.root, 'native', 'src', 'ext.c'), 2]]);
    assert.equal(r.deadLetterId, undefined);
    assert.equal(runner.deadLetters.count(), 0);
  });

  it('parks a code failure with problems only when the task asks (deadLetter: true)', async () => {
    sb.script('tsc.sh', `echo "src/app.ts(3,9): error TS2322: Type 'string' is not assignable to type 'number'."; exit 2`);
    define(task('types', [{ name: 'tsc', command: 'sh tsc.sh' }], { retry: 'none', deadLetter: true }));
    const r = await runner.run('types');
    assert.ok(r.deadLetterId !== undefined);
    define(task('types', [{ name: 'tsc', command: 'sh tsc.sh' }], { retry: 'none', deadLetter: false }));
    sb.script('down.sh', `echo "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server"; exit 7`);
    define(task('fetch', [{ name: 'get', command: 'sh down.sh' }], { retry: 'none', deadLetter: false }));
    assert.equal((await runner.run('fetch')).deadLetterId, undefined);
  });

  it('keeps at most one pending dead letter per task: a new failure updates it and counts', async () => {
    sb.script('down.sh', `echo "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server"; exit 7`);
    define(task('sync', [{ name: 'get', command: 'sh down.sh' }], { retry: 'none' }));
    const a = await runner.run('sync');
    const b = await runner.run('sync');
    assert.ok(a.deadLetterId !== undefined);
    assert.equal(b.deadLetterId, a.deadLetterId);
    const pending = runner.deadLetters.list({ states: ['pending'], operations: ['sync'] });
    assert.equal(pending.length, 1);
    assert.equal(pending[0].context.failures, 2);
    assert.equal(pending[0].runId, b.runId, 'the letter stands for the latest run');
    assert.equal(pending[0].code, 'RB-NET-ECONNREFUSED');
  });

  it('makes distinct failures of one task distinct issues, and one failure across runs one issue', async () => {
    const out = (line: string, code: number) => `echo "${line}" >&2; exit ${code}`;
    define(task('deploy', [{ name: 'upload', command: 'sh step.sh' }], { retry: 'none' }));
    sb.script('step.sh', out('curl: (22) The requested URL returned error: 404', 22));
    const r404 = await runner.run('deploy');
    const again = await runner.run('deploy');
    sb.script('step.sh', out("curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server", 7));
    const refused = await runner.run('deploy');
    sb.script('step.sh', out('error: pathspec \'v2\' did not match any file(s) known to git', 1));
    const git = await runner.run('deploy');
    assert.equal(again.issueId, r404.issueId);
    assert.equal(new Set([r404.issueId, refused.issueId, git.issueId]).size, 3);
    const titles = sb.store.listIssues({ task: 'deploy' }).items.map((i) => i.title).sort();
    assert.deepEqual(titles, [
      "curl: (22) The requested URL returned error: 404",
      "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
      "error: pathspec 'v2' did not match any file(s) known to git",
    ]);
    assert.equal(sb.store.getIssue(r404.issueId!)!.count, 2);
  });
});
