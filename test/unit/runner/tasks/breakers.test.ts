import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { circuitBreaker } from '../../../../src/engine/resilience';
import type { TaskDefinition } from '../../../../src/engine/tasks';
import { TaskRunner } from '../../../../src/runner/tasks';
import { BreakerRepository } from '../../../../src/store/breakers';
import { sandbox, task, waitFor, type Sandbox } from './helpers';

/** Circuit breakers shared by the tasks of one runner, kept in step with the store. */
describe('task runner: shared circuit breakers (real processes, real SQLite)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let defs: Map<string, TaskDefinition>;
  let runner: TaskRunner;
  const log = (word: string) => `echo ${word} >> log.txt`;
  const FAIL_503 = 'echo "HTTP 503 Service Unavailable" >&2; exit 1';
  const breaker = (threshold: number) => ({ name: 'registry', config: { kind: 'consecutive' as const, threshold, halfOpenAfterMs: 600_000 } });
  /** What the Health view's Reset does: from another connection, load, reset, save. */
  const resetFromHealthView = () => {
    const repo = new BreakerRepository(sb.store.db);
    const b = circuitBreaker({ name: 'registry', initialState: repo.load('registry') });
    b.reset();
    repo.save('registry', b.toJSON());
  };

  beforeEach(() => {
    sb = sandbox();
    defs = new Map();
    runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs });
  });

  afterEach(() => sb.dispose());

  it('two tasks sharing a breaker (threshold 2) that fail once each, at the same time, open it', async () => {
    /** Marks itself started, waits for the other task to start, then fails with a 503. */
    const step = (me: string, peer: string) => `touch ${me}.started; while [ ! -f ${peer}.started ]; do sleep 0.02; done; ${log(me)}; ${FAIL_503}`;
    defs.set('push-a', task('push-a', [{ name: 'push', command: step('a', 'b') }], { breaker: breaker(2), retry: 'none' }));
    defs.set('push-b', task('push-b', [{ name: 'push', command: step('b', 'a') }], { breaker: breaker(2), retry: 'none' }));
    const [a, b] = await Promise.all([runner.run('push-a'), runner.run('push-b')]);
    assert.deepEqual([a.error!.code, b.error!.code], ['RB-HTTP-503', 'RB-HTTP-503']);
    assert.equal(runner.breakers.get('registry')!.state, 'open', 'one breaker counted both failures');
    const third = await runner.run('push-a');
    assert.equal(third.error!.code, 'RB-CIRCUIT-001');
    assert.deepEqual(sb.log().sort(), ['a', 'b'], 'the open breaker refused the third run');
  });

  it('a Reset from the Health view (another connection) is picked up by the next run of the same runner', async () => {
    defs.set('push', task('push', [{ name: 'push', command: `${log('push')}; [ -f fixed ] || { ${FAIL_503}; }` }], { breaker: breaker(1), retry: 'none' }));
    assert.equal((await runner.run('push')).error!.code, 'RB-HTTP-503');
    assert.equal((await runner.run('push')).error!.code, 'RB-CIRCUIT-001');
    resetFromHealthView();
    writeFileSync(join(sb.root, 'fixed'), '');
    const r = await runner.run('push');
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(sb.log(), ['push', 'push']);
    assert.equal(runner.breakers.get('registry')!.state, 'closed');
  });

  it('state saved by someone else while a call was in flight is not overwritten by the older state', async () => {
    defs.set('push', task('push', [{ name: 'push', command: `touch started; while [ ! -f go ]; do sleep 0.02; done; ${FAIL_503}` }], { breaker: breaker(2), retry: 'none' }));
    const done = runner.run('push');
    await waitFor(() => existsSync(join(sb.root, 'started')));
    // Another process holds the breaker open meanwhile.
    const repo = new BreakerRepository(sb.store.db);
    const held = circuitBreaker({ name: 'registry' });
    held.isolate();
    repo.save('registry', held.toJSON());
    writeFileSync(join(sb.root, 'go'), '');
    const r = await done;
    assert.equal(r.error!.code, 'RB-HTTP-503');
    assert.equal(runner.breakers.get('registry')!.state, 'isolated', 'the newer state stays');
    assert.equal((await runner.run('push')).error!.code, 'RB-CIRCUIT-001', 'and this runner follows it');
  });
});
