import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { retryHandlers } from '../../../../src/engine/resilience';
import { checkJournal, type TaskDefinition } from '../../../../src/engine/tasks';
import { isProcessAlive } from '../../../../src/runner/process';
import { TaskRunner, registerTaskRetryHandler, type TaskProgress } from '../../../../src/runner/tasks';
import { ManualClock } from '../../manualClock';
import { deadPid, sandbox, task, waitFor, type Sandbox } from './helpers';

describe('task runner (real processes, real SQLite)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let defs: Map<string, TaskDefinition>;
  let runner: TaskRunner;

  const define = (...ts: TaskDefinition[]) => {
    for (const t of ts) defs.set(t.name, t);
  };
  const consistent = (runId: string) => {
    const run = runner.runs.require(runId);
    assert.deepEqual(checkJournal(run, runner.runs.journal(runId)).problems, []);
    return run;
  };
  /** Appends `word` to log.txt. */
  const log = (word: string) => `echo ${word} >> log.txt`;

  beforeEach(() => {
    sb = sandbox();
    defs = new Map();
    runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs });
  });

  afterEach(() => sb.dispose());

  it('a transient failure twice then success: retried, each failure an event, every attempt recorded', async () => {
    const flaky = sb.script(
      'flaky.sh',
      `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count
if [ $n -le 2 ]; then echo "Error: connect ECONNRESET 10.0.0.1:443" >&2; exit 1; fi
echo fetched`,
    );
    define(task('fetch', [{ name: 'fetch', command: flaky }], { retry: { maxAttempts: 5, backoff: { kind: 'fixed', baseMs: 0 } } }));
    let out = '';
    const r = await runner.run('fetch', { onOutput: (t) => (out += t) });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.attempts, 3);
    assert.equal(r.state, 'succeeded');
    assert.match(out, /ECONNRESET[\s\S]*fetched/);
    const events = sb.store.eventsByTask('fetch').items;
    assert.equal(events.length, 2);
    assert.ok(events.every((e) => e.code === 'RB-NET-ECONNRESET' && e.category === 'transient' && e.component === 'tasks' && e.step === 'fetch' && e.runId === r.runId));
    assert.deepEqual(events.map((e) => e.attempt).sort(), [1, 2]);
    const attempts = runner.attempts.list({ runId: r.runId });
    assert.deepEqual(attempts.map((a) => [a.number, a.outcome]), [[1, 'failure'], [2, 'failure'], [3, 'success']]);
    assert.equal(attempts[0].errorCode, 'RB-NET-ECONNRESET');
    const run = consistent(r.runId);
    assert.deepEqual(run.steps.map((s) => s.state), ['done']);
    assert.equal(runner.deadLetters.count(), 0);
    assert.equal(runner.tasks()[0].last!.ok, true);
  });

  it('failures a retry recovered leave the unresolved list as `recovered`; one that is not recovered brings the issue back', async () => {
    // Fails while `fail` exists (the test controls it), succeeding on the attempt after it is gone.
    const flaky = sb.script(
      'flaky.sh',
      `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count
if [ -e fail ] || [ $n -eq 1 ]; then echo "Error: connect ECONNRESET 10.0.0.1:443" >&2; exit 1; fi
echo fetched`,
    );
    define(task('fetch', [{ name: 'fetch', command: flaky }], { retry: { maxAttempts: 3, backoff: { kind: 'fixed', baseMs: 0 } } }));
    const r1 = await runner.run('fetch');
    assert.equal(r1.ok, true);
    const [event] = sb.store.eventsByTask('fetch').items;
    let issue = sb.store.getIssue(event.issueId)!;
    assert.equal(issue.status, 'resolved');
    assert.equal(issue.substatus, 'recovered');
    assert.equal(sb.store.listIssues({ status: 'unresolved' }).total, 0, 'not in the default unresolved list');
    assert.equal(sb.store.listEvents({ issueId: issue.id }).items[0].resolution, 'recovered by a retry');

    // The same failure again, every attempt failing: the issue is unresolved (regressed) and stays so.
    writeFileSync(join(sb.root, 'fail'), '');
    const r2 = await runner.run('fetch');
    assert.equal(r2.ok, false);
    issue = sb.store.getIssue(event.issueId)!;
    assert.equal(issue.status, 'unresolved');
    assert.equal(issue.substatus, 'regressed');

    // Recovered again later: some of its events were never recovered, so it stays unresolved.
    rmSync(join(sb.root, 'fail'));
    writeFileSync(join(sb.root, 'count'), '0');
    assert.equal((await runner.run('fetch')).ok, true);
    assert.equal(sb.store.getIssue(event.issueId)!.status, 'unresolved');
  });

  it('waits between attempts on the injected clock (no attempt before the backoff elapses)', async () => {
    const clock = new ManualClock(Date.now());
    runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs, clock });
    const flaky = sb.script('flaky.sh', `${log('try')}\nn=$(wc -l < log.txt); [ $n -ge 2 ] && exit 0; echo "503 Service Unavailable" >&2; exit 1`);
    define(task('fetch', [{ name: 'fetch', command: flaky }], { retry: { maxAttempts: 3, backoff: { kind: 'fixed', baseMs: 60_000 } } }));
    const waits: number[] = [];
    const done = runner.run('fetch', { onProgress: (e: TaskProgress) => e.kind === 'retry-wait' && waits.push(e.delayMs) });
    await waitFor(() => waits.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sb.log().length, 1, 'the second attempt waits for the clock');
    await clock.advance(59_999);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sb.log().length, 1);
    await clock.advance(1);
    const r = await done;
    assert.equal(r.ok, true);
    assert.deepEqual(waits, [60_000]);
    assert.equal(runner.attempts.list({ runId: r.runId })[1].delayMs, 60_000);
  });

  it('a permanent failure: no retry, finished steps undone in reverse order, then a dead letter', async () => {
    define(
      task(
        'deploy',
        [
          { name: 'upload', command: log('do-upload'), undo: log('undo-upload') },
          { name: 'plain', command: log('do-plain') },
          { name: 'switch', command: log('do-switch'), undo: log('undo-switch') },
          { name: 'verify', command: `${log('do-verify')}; echo "verify: command not found" >&2; exit 1`, undo: log('undo-verify') },
        ],
        { retry: { maxAttempts: 5, backoff: { kind: 'fixed', baseMs: 0 } } },
      ),
    );
    const r = await runner.run('deploy');
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 1);
    assert.equal(runner.attempts.list({ runId: r.runId, outcome: 'failure' }).length, 1, 'a permanent failure is not retried');
    assert.equal(r.error!.code, 'RB-EXEC-NOTFOUND');
    assert.equal(r.error!.category, 'permanent');
    assert.deepEqual(r.failedStep, { index: 3, name: 'verify' });
    assert.deepEqual(sb.log(), ['do-upload', 'do-plain', 'do-switch', 'do-verify', 'undo-switch', 'undo-upload']);
    assert.deepEqual(r.undone, [
      { index: 2, name: 'switch', ok: true },
      { index: 0, name: 'upload', ok: true },
    ]);
    const run = consistent(r.runId);
    assert.equal(run.state, 'failed');
    assert.deepEqual(run.steps.map((s) => s.state), ['undone', 'done', 'undone', 'failed']);
    const dl = runner.deadLetters.get(r.deadLetterId!)!;
    assert.equal(dl.kind, 'task');
    assert.equal(dl.code, 'RB-EXEC-NOTFOUND');
    assert.deepEqual(dl.input, { task: 'deploy', runId: r.runId, step: 'verify', stepIndex: 3 });
    assert.equal(dl.runId, r.runId);
    assert.ok(r.issueId! > 0);
    assert.equal(r.evidence, 'verify: command not found');
    // The journal lists the undo transitions in the order they ran.
    const undoEntries = runner.runs.journal(r.runId).filter((e) => e.entry === 'step' && (e.data?.to === 'undoing' || e.data?.to === 'undone'));
    assert.deepEqual(undoEntries.map((e) => [e.stepIndex, e.data!.to]), [[2, 'undoing'], [2, 'undone'], [0, 'undoing'], [0, 'undone']]);
  });

  it('resume after a failure starts at the first unfinished step; finished steps are not run again', async () => {
    define(
      task('job', [
        { name: 'a', command: log('a') },
        { name: 'b', command: log('b') },
        { name: 'c', command: `${log('c')}; [ -f ready ] || { echo "ENOENT: no such file or directory, open 'ready'" >&2; exit 1; }` },
        { name: 'd', command: log('d') },
      ]),
    );
    const first = await runner.run('job');
    assert.equal(first.ok, false);
    assert.deepEqual(runner.runs.require(first.runId).steps.map((s) => s.state), ['done', 'done', 'failed', 'pending']);
    writeFileSync(join(sb.root, 'ready'), '');
    const again = await runner.resume(first.runId);
    assert.equal(again.ok, true, JSON.stringify(again.error));
    assert.equal(again.runId, first.runId);
    assert.deepEqual(sb.log(), ['a', 'b', 'c', 'c', 'd']);
    const run = consistent(first.runId);
    assert.equal(run.state, 'succeeded');
    await assert.rejects(runner.resume(first.runId), /is succeeded; only a failed, cancelled or interrupted run can be resumed/);
  });

  it('cancellation stops the whole process tree before the run ends cancelled, undoes nothing, and can be resumed', async () => {
    // The step ignores SIGTERM: only the SIGKILL after the grace period ends it.
    runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs, killGraceMs: 300 });
    sb.script('slow.sh', `trap '' TERM\n${log('slow-start')}\nsleep 30 &\necho $! > child.pid\nwait`);
    define(
      task('long', [
        { name: 'prep', command: log('prep'), undo: log('undo-prep') },
        { name: 'slow', command: 'sh slow.sh' },
      ]),
    );
    const ac = new AbortController();
    const done = runner.run('long', { signal: ac.signal });
    await waitFor(() => existsSync(join(sb.root, 'child.pid')) && readFileSync(join(sb.root, 'child.pid'), 'utf8').trim() !== '');
    const child = Number(readFileSync(join(sb.root, 'child.pid'), 'utf8'));
    assert.ok(isProcessAlive(child));
    ac.abort(new Error('stop'));
    const r = await done;
    assert.equal(r.ok, false);
    assert.equal(r.cancelled, true);
    assert.equal(r.state, 'cancelled');
    assert.equal(r.deadLetterId, undefined);
    // The run is recorded cancelled only once the step's process group is gone.
    assert.equal(isProcessAlive(child), false, 'the step\'s child is dead when run() resolves');
    assert.deepEqual(sb.log(), ['prep', 'slow-start']);
    const run = consistent(r.runId);
    assert.deepEqual(run.steps.map((s) => s.state), ['done', 'failed']);
    assert.equal(sb.store.eventsByTask('long').items.length, 0, 'a cancellation is not an error event');
    // Resume reruns only the cancelled step.
    sb.script('slow.sh', log('slow-again'));
    const resumed = await runner.resume(r.runId);
    assert.equal(resumed.ok, true);
    assert.deepEqual(sb.log(), ['prep', 'slow-start', 'slow-again']);
  });

  it('a timeout kills the step and is classified transient (RB-TIMEOUT-001)', async () => {
    define(task('hang', [{ name: 'hang', command: 'sleep 20' }], { timeoutMs: 300, retry: 'none' }));
    const started = Date.now();
    const r = await runner.run('hang');
    assert.ok(Date.now() - started < 10_000);
    assert.equal(r.error!.code, 'RB-TIMEOUT-001');
    assert.equal(r.error!.category, 'transient');
  });

  it('an open breaker skips the task and runs its fallback; the breaker state survives a restart', async () => {
    const breaker = { name: 'registry', config: { kind: 'consecutive' as const, threshold: 1, halfOpenAfterMs: 600_000 } };
    define(
      task('publish', [{ name: 'publish', command: `${log('publish')}; echo "HTTP 503 Service Unavailable" >&2; exit 1` }], { breaker, fallback: 'publish-later', retry: 'none' }),
      task('publish-later', [{ name: 'queue', command: log('queued') }]),
    );
    const first = await runner.run('publish');
    assert.equal(first.ok, true, 'the fallback succeeded');
    assert.equal(first.degraded, true);
    assert.equal(first.error!.code, 'RB-HTTP-503');
    assert.equal(first.fallback!.ok, true);
    assert.equal(runner.runs.require(first.fallback!.runId).resumedFrom, first.runId);
    assert.equal(first.deadLetterId, undefined, 'nothing left parked: the fallback did the work');
    assert.equal(runner.breakers.get('registry')!.state, 'open');
    // A new runner (a restart) reads the open breaker: the command does not run at all.
    const restarted = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs });
    const second = await restarted.run('publish');
    assert.equal(second.error!.code, 'RB-CIRCUIT-001');
    assert.equal(second.fallback!.ok, true);
    assert.deepEqual(sb.log(), ['publish', 'queued', 'queued']);
    consistent(second.runId);
  });

  it('fallbacks are cycle-safe; without a working fallback the run is dead-lettered', async () => {
    define(
      task('a', [{ name: 'a', command: 'exit 2' }], { fallback: 'b', retry: 'none' }),
      task('b', [{ name: 'b', command: 'exit 3' }], { fallback: 'a', retry: 'none' }),
    );
    const r = await runner.run('a');
    assert.equal(r.ok, false);
    assert.equal(r.fallback!.ok, false);
    assert.equal(r.fallback!.fallback, undefined, 'b does not fall back to a again');
    assert.ok(r.deadLetterId !== undefined);
    assert.equal(runner.deadLetters.count({ kinds: ['task'] }), 1, 'only a is parked; its fallback b parks no letter of its own');
    assert.equal(runner.deadLetters.get(r.deadLetterId!)!.runId, r.runId);
  });

  it('a fallback another process is running is skipped and noted; the failed run keeps its outcome and dead letter', async () => {
    define(
      task('publish', [{ name: 'publish', command: 'exit 2' }], { fallback: 'publish-later', retry: 'none' }),
      task('publish-later', [{ name: 'queue', command: log('queued') }]),
    );
    // publish-later is running in a live process (this one, as another runner would record it).
    const def = defs.get('publish-later')!;
    runner.runs.start({ id: 'elsewhere', name: 'publish-later', owner: { pid: process.pid, host: hostname(), startTime: null }, definition: def, steps: ['queue'] });
    const r = await runner.run('publish');
    assert.equal(r.ok, false);
    assert.equal(r.state, 'failed');
    assert.equal(r.fallback, undefined);
    assert.ok(r.deadLetterId !== undefined, 'the failure is parked');
    assert.equal(existsSync(join(sb.root, 'log.txt')), false, 'the fallback did not run');
    const note = runner.runs.journal(r.runId).find((j) => j.entry === 'note' && (j.data as { fallback?: string }).fallback === 'publish-later');
    assert.match(String((note?.data as { skipped?: string })?.skipped), /Task "publish-later" is already running: run elsewhere/);
    runner.runs.finish('elsewhere', 'cancelled');
  });

  it('a run that throws unexpectedly ends failed instead of holding its task', async () => {
    define(task('build', [{ name: 'compile', command: 'true' }]));
    const r = runner.run('build', {
      onProgress: (e) => {
        // Throwing listeners are ignored; a store that fails mid-run is not: make `finish` fail once.
        if (e.kind === 'run-start') {
          const finish = runner.runs.finish.bind(runner.runs);
          let calls = 0;
          runner.runs.finish = (...args: Parameters<typeof finish>) => {
            if (calls++ === 0) throw new Error('disk I/O error');
            return finish(...args);
          };
        }
      },
    });
    await assert.rejects(r, /disk I\/O error/);
    const run = runner.runs.list({ name: 'build', kind: 'task' })[0];
    assert.equal(run.state, 'failed');
    const again = await runner.run('build');
    assert.equal(again.ok, true, 'the task is free to run again');
  });

  it('the dead letter is parked with the failure before the fallback runs; a fallback that does the work resolves it', async () => {
    define(
      task('publish', [{ name: 'publish', command: 'echo "publish: command not found" >&2; exit 1' }], { fallback: 'publish-later', retry: 'none' }),
      task('publish-later', [{ name: 'queue', command: log('queued') }]),
    );
    let atFallback: { pending: number[]; state?: string } | undefined;
    const r = await runner.run('publish', {
      onProgress: (e) => {
        if (e.kind !== 'fallback') return;
        // A crash from here on must not lose the letter: it is already stored with the failed run.
        atFallback = { pending: runner.deadLetters.list({ states: ['pending'] }).map((d) => d.id), state: runner.runs.get(e.runId)?.state };
      },
    });
    assert.equal(r.ok, true);
    assert.equal(r.degraded, true);
    assert.equal(atFallback?.pending.length, 1, 'parked before the fallback started');
    assert.equal(atFallback?.state, 'failed');
    const letter = runner.deadLetters.get(atFallback.pending[0])!;
    assert.equal(letter.runId, r.runId);
    assert.equal(letter.state, 'resolved');
    assert.match(letter.note ?? '', new RegExp(`fallback task "publish-later" did the work \\(run ${r.fallback!.runId}\\)`));
    assert.equal(r.deadLetterId, undefined, 'nothing left parked');
    assert.equal(runner.deadLetters.count({ states: ['pending'] }), 0);
    consistent(r.runId);
  });

  it('a hanging undo after a failure is cancelled with the run: undo-failed (journaled), the run ends cancelled, no letter, no fallback', async () => {
    define(
      task(
        'deploy',
        [
          { name: 'prep', command: log('prep'), undo: `${log('undo-start')}; sleep 20` },
          { name: 'switch', command: 'echo "switch: command not found" >&2; exit 1' },
        ],
        { fallback: 'later', retry: 'none' },
      ),
      task('later', [{ name: 'later', command: log('fallback') }]),
    );
    const ac = new AbortController();
    const started = Date.now();
    const done = runner.run('deploy', { signal: ac.signal });
    await waitFor(() => sb.log().includes('undo-start'));
    ac.abort(new Error('stop'));
    const r = await done;
    assert.ok(Date.now() - started < 10_000, 'the undo was stopped, not waited for');
    assert.equal(r.cancelled, true);
    assert.equal(r.state, 'cancelled');
    assert.equal(r.error!.code, 'RB-EXEC-NOTFOUND', 'the failure is still reported');
    assert.deepEqual(r.undone, [{ index: 0, name: 'prep', ok: false }]);
    assert.equal(r.fallback, undefined);
    assert.equal(r.deadLetterId, undefined);
    assert.equal(runner.deadLetters.count(), 0);
    assert.ok(!sb.log().includes('fallback'));
    const run = consistent(r.runId);
    assert.equal(run.state, 'cancelled');
    assert.deepEqual(run.steps.map((s) => s.state), ['undo-failed', 'failed']);
    const undoEnd = runner.runs.journal(r.runId).find((e) => e.stepIndex === 0 && e.data?.to === 'undo-failed');
    assert.equal(undoEnd?.data?.cancelled, true);
    // A rollback later finishes it.
    define(task('deploy', [{ name: 'prep', command: log('prep'), undo: log('undo-prep') }, { name: 'switch', command: 'exit 1' }], { retry: 'none' }));
    const rb = await runner.recover(r.runId, 'rollback');
    assert.equal(rb.ok, true, rb.message);
    assert.deepEqual(consistent(r.runId).steps.map((s) => s.state), ['undone', 'failed']);
  });

  it('the dead-letter retry handler re-runs the task from its failed step and resolves the entry', async () => {
    define(
      task('sync', [
        { name: 'one', command: log('one') },
        { name: 'two', command: `${log('two')}; [ -f fixed ] || { echo "permission denied" >&2; exit 1; }` },
      ], { retry: 'none' }),
    );
    const r = await runner.run('sync');
    assert.ok(r.deadLetterId);
    writeFileSync(join(sb.root, 'fixed'), '');
    let opened = 0;
    const handler = registerTaskRetryHandler((root) => {
      assert.equal(root, sb.root);
      opened++;
      return { runner, dispose: () => undefined };
    });
    try {
      const retried = await runner.deadLetters.retry(r.deadLetterId!, (e) => retryHandlers.require('task')(e, { root: sb.root, signal: new AbortController().signal }));
      assert.equal(retried.ok, true);
      assert.equal(retried.entry.state, 'resolved');
      assert.equal(opened, 1);
      assert.deepEqual(sb.log(), ['one', 'two', 'two']);
      assert.equal(runner.runs.require(r.runId).state, 'succeeded');
      assert.equal(runner.deadLetters.count(), 1, 'no new dead letter');
    } finally {
      handler.dispose();
    }
  });

  it('problems in the output are resolved to absolute files with their guidance code', async () => {
    sb.script('tsc.sh', `echo "src/app.ts(3,9): error TS2322: Type 'string' is not assignable to type 'number'."\nexit 2`);
    define(task('compile', [{ name: 'compile', command: 'sh tsc.sh' }], { problems: ['tsc'], retry: 'none' }));
    const r = await runner.run('compile');
    assert.equal(r.ok, false);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].file, join(sb.root, 'src', 'app.ts'));
    assert.equal(r.problems[0].line, 3);
    assert.equal(r.problems[0].column, 9);
    assert.equal(r.problems[0].code, 'RB-BUILD-TS');
    assert.equal(r.problems[0].toolCode, 'TS2322');
  });

  it('problems whose file is outside the workspace are dropped (relative or absolute)', async () => {
    mkdirSync(join(sb.root, 'pkg'));
    sb.script(
      'pkg/tsc.sh',
      [
        `echo "../src/app.ts(3,9): error TS2322: inside the workspace."`,
        `echo "../../etc/x(1,1): error TS1: outside, relative."`,
        `echo "/etc/hosts(1,1): error TS2: outside, absolute."`,
        `echo "${join(sb.root, 'lib.ts')}(2,1): error TS3: inside, absolute."`,
        'exit 2',
      ].join('\n'),
    );
    define(task('compile', [{ name: 'compile', command: 'sh tsc.sh' }], { cwd: 'pkg', problems: ['tsc'], retry: 'none' }));
    const r = await runner.run('compile');
    assert.deepEqual(
      r.problems.map((p) => [p.file, p.toolCode]),
      [
        [join(sb.root, 'src', 'app.ts'), 'TS2322'],
        [join(sb.root, 'lib.ts'), 'TS3'],
      ],
    );
  });

  it('finds a run whose owner died and recovers it: resume from the first unfinished step, recorded with its plan', async () => {
    const def = task('etl', [
      { name: 'extract', command: log('extract') },
      { name: 'transform', command: log('transform') },
      { name: 'load', command: log('load') },
    ]);
    define(def);
    const owner = { pid: deadPid(), host: hostname(), startTime: null };
    const repo = runner.runs;
    repo.start({ id: 'crashed', name: 'etl', owner, definition: def, steps: ['extract', 'transform', 'load'] });
    repo.transition('crashed', 0, { to: 'running' });
    repo.transition('crashed', 0, { to: 'done' });
    repo.transition('crashed', 1, { to: 'running' });
    const found = runner.interrupted();
    assert.deepEqual(found.map((f) => [f.id, f.completedSteps, f.totalSteps, f.reason]), [['crashed', 1, 3, 'owner-gone']]);
    const details = runner.details('crashed');
    assert.equal(details.interrupted, true);
    assert.equal(details.plans.resume.resumeFrom, 1);
    const rec = await runner.recover('crashed', 'resume', {}, 'automatic');
    assert.equal(rec.ok, true, rec.message);
    assert.deepEqual(sb.log(), ['transform', 'load']);
    const run = consistent('crashed');
    assert.equal(run.state, 'recovered');
    assert.deepEqual(runner.runs.recoveries('crashed').map((x) => [x.strategy, x.action, x.outcome]), [['automatic', 'resume', 'succeeded']]);
    assert.deepEqual(runner.interrupted(), []);
    await assert.rejects(runner.recover('crashed', 'resume'), /is recovered; there is nothing to recover/);
  });

  it('recovery rollback undoes the finished steps in reverse; abandon and skip run nothing', async () => {
    const def = task('deploy', [
      { name: 'a', command: log('a'), undo: log('undo-a') },
      { name: 'b', command: log('b'), undo: log('undo-b') },
      { name: 'c', command: log('c'), undo: log('undo-c') },
    ]);
    define(def);
    const host = hostname();
    const crashed = (id: string, done: number) => {
      runner.runs.start({ id, name: 'deploy', owner: { pid: deadPid(), host, startTime: null }, definition: def, steps: ['a', 'b', 'c'] });
      for (let i = 0; i < done; i++) {
        runner.runs.transition(id, i, { to: 'running' });
        runner.runs.transition(id, i, { to: 'done' });
      }
      runner.runs.transition(id, done, { to: 'running' });
    };
    crashed('r1', 2);
    const rb = await runner.recover('r1', 'rollback');
    assert.equal(rb.ok, true, rb.message);
    assert.deepEqual(sb.log(), ['undo-b', 'undo-a']);
    assert.deepEqual(consistent('r1').steps.map((s) => s.state), ['undone', 'undone', 'failed']);
    assert.equal(runner.runs.require('r1').state, 'rolled-back');

    crashed('r2', 1);
    const skip = await runner.recover('r2', 'resume', {}, 'skip');
    assert.equal(skip.ok, true);
    assert.deepEqual(runner.interrupted().map((i) => i.id), ['r2'], 'skipped: still offered');
    const ab = await runner.recover('r2', 'abandon');
    assert.equal(ab.ok, true);
    assert.deepEqual(consistent('r2').steps.map((s) => s.state), ['done', 'skipped', 'skipped']);
    assert.equal(runner.runs.require('r2').state, 'abandoned');
    assert.deepEqual(sb.log(), ['undo-b', 'undo-a'], 'abandon and skip ran nothing');
    assert.deepEqual(runner.runs.recoveries('r2').map((x) => [x.strategy, x.action, x.outcome]), [['skip', 'resume', 'succeeded'], ['guided', 'abandon', 'succeeded']]);
  });

  it('an unknown task is a configuration error naming the configured tasks', async () => {
    define(task('build', [{ name: 'build', command: 'true' }]));
    assert.throws(() => runner.definition('nope'), /Unknown task "nope" \(configured: build\)/);
    await assert.rejects(async () => runner.run('nope'), (e: { code?: string }) => e.code === 'RB-CONFIG-001');
  });
});
