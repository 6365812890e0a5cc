import assert from 'node:assert/strict';
import { CancelledError, isCircuitOpenError, type CircuitOpenError } from '../../../../src/engine/errors';
import {
  circuitBreaker,
  consecutiveBreaker,
  exponentialBackoff,
  rateBreaker,
  type CircuitBreakerSnapshot,
  type StateChangeEvent,
} from '../../../../src/engine/resilience';
import { failure, settle } from './helpers';
import { ManualClock } from '../../manualClock';

const fail = (code = 'DOWN') => () => Promise.reject(failure(code));
const ok = () => Promise.resolve('ok');

/** A call that settles when told to, for concurrency tests. */
function deferred<T = string>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('circuit breaker', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('opens after N consecutive failures; a success in between resets the count', async () => {
    const breaker = circuitBreaker({ name: 'registry', breaker: consecutiveBreaker(3), halfOpenAfter: 1000, clock });
    const changes: StateChangeEvent[] = [];
    breaker.onStateChange((e) => changes.push(e));
    await assert.rejects(breaker.execute(fail()));
    await assert.rejects(breaker.execute(fail()));
    await breaker.execute(ok);
    await assert.rejects(breaker.execute(fail()));
    await assert.rejects(breaker.execute(fail()));
    assert.equal(breaker.state, 'closed');
    await assert.rejects(breaker.execute(fail('LAST')), { code: 'LAST' });
    assert.equal(breaker.state, 'open');
    assert.equal(changes.length, 1);
    assert.deepEqual([changes[0].from, changes[0].to, changes[0].reason, changes[0].breakMs, changes[0].name], ['closed', 'open', 'threshold', 1000, 'registry']);
    assert.equal((changes[0].error as { code: string }).code, 'LAST');
    assert.deepEqual(breaker.lastFailure, { code: 'LAST', message: 'failure LAST', at: clock.now() });
  });

  it('refuses calls while open with a CircuitOpenError carrying the remaining time, without calling the action', async () => {
    const breaker = circuitBreaker({ name: 'registry', breaker: consecutiveBreaker(1), halfOpenAfter: 10_000, clock });
    const rejected: Array<number | undefined> = [];
    breaker.onRejected((e) => rejected.push(e.retryAfterMs));
    await assert.rejects(breaker.execute(fail()));
    await clock.advance(4000);
    let calls = 0;
    const err = (await breaker.execute(() => ++calls).catch((e: unknown) => e)) as CircuitOpenError;
    assert.equal(calls, 0);
    assert.ok(isCircuitOpenError(err));
    assert.equal(err.code, 'RB-CIRCUIT-001');
    assert.equal(err.context.delayHintMs, 6000);
    assert.equal(err.context.component, 'registry');
    assert.match(err.message, /"registry" is open/);
    assert.equal(breaker.retryAfterMs, 6000);
    assert.deepEqual(rejected, [6000]);
  });

  it('half-opens after the break; a successful probe closes it', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 1000, clock });
    const changes: string[] = [];
    breaker.onStateChange((e) => changes.push(`${e.from}>${e.to}:${e.reason}`));
    await assert.rejects(breaker.execute(fail()));
    await clock.advance(999);
    assert.equal(breaker.state, 'open');
    await clock.advance(1);
    assert.equal(breaker.state, 'half-open');
    assert.equal(await breaker.execute(ok), 'ok');
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(changes, ['closed>open:threshold', 'open>half-open:break-elapsed', 'half-open>closed:probe-succeeded']);
  });

  it('a failed probe reopens it, and the break follows a backoff over successive openings', async () => {
    const breaker = circuitBreaker({
      breaker: consecutiveBreaker(1),
      halfOpenAfter: exponentialBackoff({ baseMs: 1000, maxMs: 5000 }),
      clock,
    });
    const breaks: number[] = [];
    breaker.onStateChange((e) => e.to === 'open' && breaks.push(e.breakMs!));
    await assert.rejects(breaker.execute(fail()));
    for (const wait of [1000, 2000, 4000, 5000]) {
      await clock.advance(wait - 1);
      await assert.rejects(breaker.execute(ok), (e: unknown) => isCircuitOpenError(e));
      await clock.advance(1);
      await assert.rejects(breaker.execute(fail()), { code: 'DOWN' });
    }
    assert.deepEqual(breaks, [1000, 2000, 4000, 5000, 5000]);
    await clock.advance(5000);
    await breaker.execute(ok);
    assert.equal(breaker.state, 'closed');
    // Closed again: the next opening starts from the base again.
    await assert.rejects(breaker.execute(fail()));
    assert.equal(breaks[breaks.length - 1], 1000);
  });

  it('half-open lets through N probes with limited concurrency; the rest are refused', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 100, halfOpenProbes: 3, halfOpenConcurrency: 2, clock });
    await assert.rejects(breaker.execute(fail()));
    await clock.advance(100);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    let started = 0;
    const calls = gates.map((g) =>
      settle(
        breaker.execute(() => {
          started++;
          return g.promise;
        }),
      ),
    );
    await clock.advance(0);
    assert.equal(started, 2, 'only two probes at a time');
    assert.ok(calls[2].done() && calls[3].done(), 'the others are refused at once');
    for (const c of calls.slice(2)) {
      const r = await c.result;
      assert.ok(!r.ok && isCircuitOpenError(r.error));
      assert.match((r as { error: Error }).error.message, /half-open/);
    }
    gates[0].resolve('a');
    await clock.advance(0);
    assert.equal(breaker.state, 'half-open', 'one success of three');
    // A slot is free: the third (and last) probe may start; a fourth may not.
    const third = deferred();
    const c3 = settle(breaker.execute(() => third.promise));
    const c4 = settle(breaker.execute(ok));
    await clock.advance(0);
    assert.ok(c4.done() && !(await c4.result).ok);
    gates[1].resolve('b');
    third.resolve('c');
    await clock.advance(0);
    assert.deepEqual(await c3.result, { ok: true, value: 'c' });
    assert.equal(breaker.state, 'closed');
    assert.equal(await breaker.execute(ok), 'ok');
  });

  it('one failed probe reopens it even while other probes are in flight; their late results are ignored', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 100, halfOpenProbes: 2, halfOpenConcurrency: 2, clock });
    await assert.rejects(breaker.execute(fail()));
    await clock.advance(100);
    const a = deferred();
    const b = deferred();
    const ca = settle(breaker.execute(() => a.promise));
    const cb = settle(breaker.execute(() => b.promise));
    a.reject(failure('DOWN'));
    await ca.result;
    assert.equal(breaker.state, 'open');
    b.resolve('late');
    assert.deepEqual(await cb.result, { ok: true, value: 'late' });
    assert.equal(breaker.state, 'open', 'a late success from the old half-open period does not close it');
  });

  it('a cancelled probe frees its slot without deciding anything', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 100, clock });
    await assert.rejects(breaker.execute(fail()));
    await clock.advance(100);
    await assert.rejects(breaker.execute(() => Promise.reject(new CancelledError('stop'))));
    assert.equal(breaker.state, 'half-open');
    assert.equal(await breaker.execute(ok), 'ok');
    assert.equal(breaker.state, 'closed');
  });

  it('does not count cancellations or permanent and business failures against the dependency', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(2), clock });
    for (let i = 0; i < 5; i++) {
      await assert.rejects(breaker.execute(() => Promise.reject(failure('BAD-INPUT', 'permanent'))));
      await assert.rejects(breaker.execute(() => Promise.reject(failure('RULE', 'business'))));
      await assert.rejects(breaker.execute(() => Promise.reject(Object.assign(new Error('x'), { name: 'AbortError' }))));
    }
    assert.equal(breaker.state, 'closed');
    const custom = circuitBreaker({ breaker: consecutiveBreaker(2), isFailure: () => true, clock });
    await assert.rejects(custom.execute(() => Promise.reject(failure('BAD-INPUT', 'permanent'))));
    await assert.rejects(custom.execute(() => Promise.reject(failure('BAD-INPUT', 'permanent'))));
    assert.equal(custom.state, 'open');
  });

  it('rate kind: opens on the failure rate in the window, only above the minimum throughput', async () => {
    const breaker = circuitBreaker({ breaker: rateBreaker({ threshold: 0.5, windowMs: 10_000, minimumThroughput: 6 }), halfOpenAfter: 1000, clock });
    await assert.rejects(breaker.execute(fail()));
    await assert.rejects(breaker.execute(fail()));
    await assert.rejects(breaker.execute(fail()));
    assert.equal(breaker.state, 'closed', '3 calls: under the minimum throughput');
    await breaker.execute(ok);
    await breaker.execute(ok);
    await breaker.execute(ok);
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(breaker.summary(), { successes: 3, failures: 3, failureRate: 0.5 });
    await breaker.execute(ok);
    await assert.rejects(breaker.execute(fail()));
    assert.equal(breaker.state, 'open', '4 of 8 failed = 50 %');
  });

  it('rate kind: old outcomes slide out of the window', async () => {
    const breaker = circuitBreaker({ breaker: rateBreaker({ threshold: 0.5, windowMs: 10_000, minimumThroughput: 4, buckets: 10 }), clock });
    await assert.rejects(breaker.execute(fail()));
    await assert.rejects(breaker.execute(fail()));
    await assert.rejects(breaker.execute(fail()));
    await clock.advance(11_000);
    assert.deepEqual(breaker.summary(), { successes: 0, failures: 0, failureRate: 0 });
    await breaker.execute(ok);
    await breaker.execute(ok);
    await breaker.execute(ok);
    await assert.rejects(breaker.execute(fail()));
    assert.equal(breaker.state, 'closed', '1 of 4 in the window');
  });

  it('isolate holds it open until every handle is released; reset closes from any state', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 1000, clock });
    const changes: string[] = [];
    breaker.onStateChange((e) => changes.push(`${e.to}:${e.reason}`));
    const h1 = breaker.isolate();
    const h2 = breaker.isolate();
    assert.equal(breaker.state, 'isolated');
    let calls = 0;
    const err = await breaker.execute(() => ++calls).catch((e: Error) => e);
    assert.ok(isCircuitOpenError(err));
    assert.match(err.message, /isolated/);
    await clock.advance(1_000_000);
    assert.equal(breaker.state, 'isolated', 'time does not release an isolation');
    h1.dispose();
    h1.dispose();
    assert.equal(breaker.state, 'isolated');
    h2.dispose();
    assert.equal(breaker.state, 'closed');
    await assert.rejects(breaker.execute(fail()));
    assert.equal(breaker.state, 'open');
    breaker.reset();
    assert.equal(breaker.state, 'closed');
    assert.equal(calls, 0);
    assert.deepEqual(changes, ['isolated:isolated', 'closed:released', 'open:threshold', 'closed:reset']);
  });

  it('a call that started before a transition does not change the new state', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), clock });
    const slow = deferred();
    const c = settle(breaker.execute(() => slow.promise));
    const hold = breaker.isolate();
    hold.dispose();
    slow.reject(failure('DOWN'));
    await c.result;
    assert.equal(breaker.state, 'closed');
  });

  describe('state as JSON', () => {
    it('round-trips counts: 4 of 5 failures before a restart, 1 after, opens', async () => {
      const a = circuitBreaker({ breaker: consecutiveBreaker(5), clock });
      for (let i = 0; i < 4; i++) await assert.rejects(a.execute(fail()));
      const json = JSON.parse(JSON.stringify(a.toJSON())) as CircuitBreakerSnapshot;
      assert.deepEqual(json.counts, { kind: 'consecutive', failures: 4 });
      const b = circuitBreaker({ breaker: consecutiveBreaker(5), initialState: json, clock });
      await assert.rejects(b.execute(fail()));
      assert.equal(b.state, 'open');
    });

    it('restores an open breaker with the elapsed time taken into account', async () => {
      const a = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 60_000, clock });
      await assert.rejects(a.execute(fail('GONE')));
      const saved = JSON.parse(JSON.stringify(a.toJSON())) as CircuitBreakerSnapshot;
      assert.equal(saved.state, 'open');
      assert.equal(saved.breakMs, 60_000);

      await clock.advance(30_000);
      const b = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 60_000, initialState: saved, clock });
      assert.equal(b.state, 'open');
      assert.equal(b.retryAfterMs, 30_000);
      assert.equal(b.lastFailure?.code, 'GONE');
      await assert.rejects(b.execute(ok), (e: unknown) => isCircuitOpenError(e));

      await clock.advance(40_000);
      const c = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 60_000, initialState: saved, clock });
      assert.equal(c.state, 'half-open');
      assert.equal(await c.execute(ok), 'ok');
      assert.equal(c.state, 'closed');
    });

    it('keeps the break duration that was drawn (jittered or backed off), and the opening count', async () => {
      const a = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: exponentialBackoff({ baseMs: 1000 }), clock });
      await assert.rejects(a.execute(fail()));
      await clock.advance(1000);
      await assert.rejects(a.execute(fail()));
      const saved = a.toJSON();
      assert.deepEqual([saved.state, saved.breakMs, saved.openCount], ['open', 2000, 2]);
      const b = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: exponentialBackoff({ baseMs: 1000 }), initialState: saved, clock });
      const breaks: number[] = [];
      b.onStateChange((e) => e.to === 'open' && breaks.push(e.breakMs!));
      await clock.advance(2000);
      await assert.rejects(b.execute(fail()));
      assert.deepEqual(breaks, [4000], 'the third opening in a row');
    });

    it('a half-open snapshot lost its probes: the next call after a restart is a probe', async () => {
      const a = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 5000, clock });
      await assert.rejects(a.execute(fail()));
      await clock.advance(5000);
      assert.equal(a.state, 'half-open');
      const b = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 5000, initialState: a.toJSON(), clock });
      assert.equal(b.state, 'half-open');
      await b.execute(ok);
      assert.equal(b.state, 'closed');
    });

    it('an isolation survives a restart until reset', async () => {
      const a = circuitBreaker({ clock });
      a.isolate();
      const b = circuitBreaker({ initialState: a.toJSON(), clock });
      await clock.advance(10_000_000);
      assert.equal(b.state, 'isolated');
      b.reset();
      assert.equal(b.state, 'closed');
    });

    it('a clock that went backwards does not stretch the break', async () => {
      const a = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 1000, clock });
      await assert.rejects(a.execute(fail()));
      const saved = { ...a.toJSON(), openedAt: clock.now() + 3_600_000 };
      const b = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 1000, initialState: saved, clock });
      assert.equal(b.retryAfterMs, 1000);
    });

    it('ignores garbage and counts of another kind', async () => {
      const b = circuitBreaker({ initialState: { nonsense: true } as unknown as CircuitBreakerSnapshot, clock });
      assert.equal(b.state, 'closed');
      const r = circuitBreaker({
        breaker: rateBreaker({ threshold: 0.5, windowMs: 1000, minimumThroughput: 1 }),
        initialState: { version: 1, state: 'closed', openedAt: null, breakMs: null, openCount: 0, counts: { kind: 'consecutive', failures: 9 }, lastFailure: null },
        clock,
      });
      assert.deepEqual(r.summary(), { successes: 0, failures: 0, failureRate: 0 });
    });

    it('restores a rate window with its timestamps, so old outcomes still expire', async () => {
      const opts = () => ({ breaker: rateBreaker({ threshold: 0.5, windowMs: 10_000, minimumThroughput: 4 }), clock });
      const a = circuitBreaker(opts());
      for (let i = 0; i < 3; i++) await assert.rejects(a.execute(fail()));
      const saved = a.toJSON();
      const b = circuitBreaker({ ...opts(), initialState: saved });
      assert.deepEqual(b.summary(), { successes: 0, failures: 3, failureRate: 1 });
      await assert.rejects(b.execute(fail()));
      assert.equal(b.state, 'open');
      await clock.advance(20_000);
      const c = circuitBreaker({ ...opts(), initialState: saved });
      assert.equal(c.summary().failures, 0);
    });
  });

  it('rejects invalid options', () => {
    assert.throws(() => consecutiveBreaker(0), RangeError);
    assert.throws(() => rateBreaker({ threshold: 0, windowMs: 1000 }), RangeError);
    assert.throws(() => rateBreaker({ threshold: 1.5, windowMs: 1000 }), RangeError);
    assert.throws(() => rateBreaker({ threshold: 0.5, windowMs: 0 }), RangeError);
    assert.throws(() => circuitBreaker({ halfOpenProbes: 0 }), RangeError);
    assert.throws(() => circuitBreaker({ halfOpenConcurrency: 0 }), RangeError);
    assert.throws(() => circuitBreaker({ halfOpenAfter: -1 }), RangeError);
  });
});
