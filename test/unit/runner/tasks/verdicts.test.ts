import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskDefinition } from '../../../../src/engine/tasks';
import { TaskRunner, outcomeVerdict, storedVerdict } from '../../../../src/runner/tasks';
import { sandbox, task, type Sandbox } from './helpers';

/** One verdict per run: the one given when it ends equals the one read back from the store. */
describe('task run verdicts (real processes, real SQLite)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let defs: Map<string, TaskDefinition>;
  let runner: TaskRunner;

  beforeEach(() => {
    sb = sandbox();
    defs = new Map();
    runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs });
  });
  afterEach(() => sb.dispose());

  it('a run whose breaker opened and whose fallback did the work is a success (degraded), at the end and later', async () => {
    const breaker = { name: 'reporting', config: { kind: 'consecutive' as const, threshold: 3, halfOpenAfterMs: 600_000 } };
    defs.set('report', task('report', [{ name: 'report', command: 'echo "HTTP 503 Service Unavailable" >&2; exit 1' }], { breaker, fallback: 'report-offline', retry: { maxAttempts: 5, backoff: { kind: 'fixed', baseMs: 0 } } }));
    defs.set('report-offline', task('report-offline', [{ name: 'report-offline', command: 'echo from the cache' }]));
    const r = await runner.run('report');
    const atEnd = outcomeVerdict(r);
    assert.equal(r.error?.code, 'RB-CIRCUIT-001', 'the breaker refused the fourth attempt');
    assert.deepEqual([atEnd.kind, atEnd.ok, atEnd.exitCode, atEnd.fallback], ['degraded', true, 0, 'report-offline']);
    assert.match(atEnd.phrase, /^succeeded through its fallback "report-offline"$/);
    const later = storedVerdict(runner.runs, runner.runs.require(r.runId), defs.get('report'));
    assert.deepEqual(later, atEnd, 'the Tasks view (from the store) says what the terminal said');
  });

  it('a failure without a fallback is a failure with its code; the stored verdict agrees', async () => {
    defs.set('build', task('build', [{ name: 'build', command: 'echo "src/a.ts(1,1): error TS2322: nope"; exit 2' }], { retry: 'none' }));
    const r = await runner.run('build');
    const v = outcomeVerdict(r);
    assert.equal(v.kind, 'failed');
    assert.equal(v.exitCode, 1);
    assert.equal(v.code, r.error!.code);
    assert.deepEqual(storedVerdict(runner.runs, runner.runs.require(r.runId), defs.get('build')), v);
  });

  it('a cancelled run is RB-CANCEL-001 at the end and in the store', async () => {
    defs.set('slow', task('slow', [{ name: 'slow', command: 'touch started; sleep 20' }], { retry: 'none' }));
    const ac = new AbortController();
    const running = runner.run('slow', { signal: ac.signal });
    const until = Date.now() + 10_000;
    while (!existsSync(join(sb.root, 'started')) && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
    ac.abort(new Error('Cancelled by the user'));
    const r = await running;
    const v = outcomeVerdict(r);
    assert.deepEqual([v.kind, v.code, v.phrase], ['cancelled', 'RB-CANCEL-001', 'cancelled (RB-CANCEL-001)']);
    assert.deepEqual(storedVerdict(runner.runs, runner.runs.require(r.runId), defs.get('slow')), v);
  });
});
