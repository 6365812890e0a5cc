import assert from 'node:assert/strict';
import { TimeoutError, isCircuitOpenError, isReboundError, isTimeoutError } from '../../../../src/engine/errors';
import {
  circuitBreaker,
  consecutiveBreaker,
  fallback,
  faultInjection,
  fixedBackoff,
  retry,
  seededRandom,
  timeout,
  wrap,
  type DegradedEvent,
  type ExecuteContext,
  type InjectedEvent,
} from '../../../../src/engine/resilience';
import { failure, settle } from './helpers';
import { ManualClock } from '../../manualClock';

describe('timeout policy', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('aggressive: rejects with a TimeoutError when time is up and aborts the action signal', async () => {
    const policy = timeout(500, { clock });
    const fired: number[] = [];
    policy.onTimeout((e) => fired.push(e.durationMs));
    let signal: AbortSignal | undefined;
    const run = settle(
      policy.execute((ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      }),
    );
    await clock.advance(499);
    assert.equal(run.done(), false);
    await clock.advance(1);
    const r = await run.result;
    assert.ok(!r.ok && isTimeoutError(r.error));
    assert.equal(signal?.aborted, true);
    assert.deepEqual(fired, [500]);
  });

  it('cooperative: aborts the signal and lets the action decide what to return', async () => {
    const policy = timeout(100, { strategy: 'cooperative', clock });
    const run = settle(policy.execute(({ signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('partial result')))));
    await clock.advance(100);
    assert.deepEqual(await run.result, { ok: true, value: 'partial result' });
  });

  it('leaves no timer behind when the action finishes in time', async () => {
    const policy = timeout(100, 'aggressive');
    const p = timeout(100, { clock });
    assert.equal(await p.execute(() => 'fast'), 'fast');
    assert.equal(clock.pending, 0);
    assert.equal(policy.strategy, 'aggressive');
  });
});

describe('fallback policy', () => {
  it('returns the value when the primary fails and records that it degraded', async () => {
    const clock = new ManualClock();
    const policy = fallback({ value: 'cached' }, { clock });
    const events: DegradedEvent[] = [];
    policy.onDegraded((e) => events.push(e));
    assert.equal(await policy.execute(() => 'fresh'), 'fresh');
    assert.equal(policy.degradedCount, 0);
    assert.equal(await policy.execute(() => Promise.reject(failure('DOWN'))), 'cached');
    assert.equal(policy.degradedCount, 1);
    assert.deepEqual(
      events.map((e) => [e.reason, e.code, e.at]),
      [['failure', 'DOWN', clock.now()]],
    );
    assert.equal(policy.lastDegraded?.code, 'DOWN');
  });

  it('runs an alternative action, and says circuit-open when the breaker refused the call', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfter: 60_000 });
    const seen: string[] = [];
    const policy = wrap(
      fallback({
        action: ({ reason, error }) => {
          seen.push(`${reason}:${(error as { code: string }).code}`);
          return 'offline build';
        },
      }),
      breaker,
    );
    assert.equal(await policy.execute(() => Promise.reject(failure('REGISTRY-DOWN'))), 'offline build');
    let calls = 0;
    assert.equal(await policy.execute(() => ++calls), 'offline build');
    assert.equal(calls, 0);
    assert.deepEqual(seen, ['failure:REGISTRY-DOWN', 'circuit-open:RB-CIRCUIT-001']);
  });

  it('executeWithOutcome tells a degraded result from a normal one', async () => {
    const policy = fallback({ value: 0 });
    assert.deepEqual(await policy.executeWithOutcome(() => 5), { value: 5, degraded: false });
    const out = await policy.executeWithOutcome(() => Promise.reject(failure('X')));
    assert.equal(out.value, 0);
    assert.equal(out.degraded, true);
    assert.equal((out.error as { code: string }).code, 'X');
  });

  it('never replaces a cancellation, and honours its filter', async () => {
    const controller = new AbortController();
    const policy = fallback({ value: 'fb' }, { when: (e) => (e as { code?: string }).code !== 'KEEP' });
    const run = settle(policy.execute(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), controller.signal));
    controller.abort(new Error('stop'));
    const r = await run.result;
    assert.ok(!r.ok && (r.error as Error).message === 'stop');
    await assert.rejects(policy.execute(() => Promise.reject(failure('KEEP'))), { code: 'KEEP' });
    assert.equal(policy.degradedCount, 0);
  });

  it('when the alternative fails too, throws its failure with the primary one as cause', async () => {
    const policy = fallback({ action: () => Promise.reject(new Error('fallback broke')) });
    const err = (await policy.execute(() => Promise.reject(failure('PRIMARY'))).catch((e: unknown) => e)) as Error;
    assert.equal(err.message, 'fallback broke');
    assert.equal((err.cause as { code: string }).code, 'PRIMARY');
  });

  it('needs a value or an action', () => {
    assert.throws(() => fallback({} as never), TypeError);
  });
});

describe('fault injection policy', () => {
  it('injects failures at the configured rate, with the given codes, using the injected random source', async () => {
    const policy = faultInjection({ errorRate: 0.2, errors: ['APP-DB-LOCKED', { code: 'APP-BAD', category: 'permanent' }], random: seededRandom(7) });
    const codes = new Map<string, number>();
    let ran = 0;
    for (let i = 0; i < 5000; i++) {
      try {
        await policy.execute(() => ran++);
      } catch (e) {
        assert.ok(isReboundError(e));
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        if (e.code === 'APP-BAD') assert.equal(e.category, 'permanent');
        else assert.equal(e.retryable, true);
      }
    }
    const injected = 5000 - ran;
    assert.ok(injected > 900 && injected < 1100, `about 20 % injected, got ${injected}`);
    assert.ok((codes.get('APP-DB-LOCKED') ?? 0) > 400 && (codes.get('APP-BAD') ?? 0) > 400);
  });

  it('the same seed injects the same faults', async () => {
    const run = async () => {
      const policy = faultInjection({ errorRate: 0.3, random: seededRandom(11) });
      const out: boolean[] = [];
      for (let i = 0; i < 50; i++) out.push(await policy.execute(() => true).catch(() => false));
      return out;
    };
    assert.deepEqual(await run(), await run());
  });

  it('injects latency as a cancellable wait', async () => {
    const clock = new ManualClock();
    const policy = faultInjection({ latencyRate: 1, latencyMs: { minMs: 200, maxMs: 400 }, clock, random: seededRandom(3) });
    const events: InjectedEvent[] = [];
    policy.onInjected((e) => events.push(e));
    const run = settle(policy.execute(() => 'slow'));
    await clock.advance(199);
    assert.equal(run.done(), false);
    await clock.advance(201);
    assert.deepEqual(await run.result, { ok: true, value: 'slow' });
    assert.equal(events[0].kind, 'latency');
    assert.ok(events[0].delayMs! >= 200 && events[0].delayMs! <= 400);

    const controller = new AbortController();
    let called = false;
    const cancelled = settle(
      policy.execute(() => {
        called = true;
      }, controller.signal),
    );
    await clock.advance(50);
    controller.abort(new Error('stop'));
    assert.equal((await cancelled.result).ok, false);
    assert.equal(called, false);
    assert.equal(clock.pending, 0);
  });

  it('can be switched off, and validates its rates', async () => {
    const policy = faultInjection({ errorRate: 1 });
    await assert.rejects(policy.execute(() => 1), { code: 'RB-INJECTED-001' });
    policy.enabled = false;
    assert.equal(await policy.execute(() => 1), 1);
    assert.throws(() => faultInjection({ errorRate: 2 }), RangeError);
    assert.throws(() => faultInjection({ latencyMs: { minMs: 5, maxMs: 1 } }), RangeError);
  });
});

describe('wrap', () => {
  it('composes in the given order, outermost first, and hands the innermost context to the action', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(10), clock });
    breaker.onFailure(() => order.push('breaker counted'));
    const r = retry({ maxAttempts: 3, backoff: fixedBackoff(10), clock });
    r.onRetry((e) => order.push(`retry ${e.attempt}`));
    const contexts: ExecuteContext[] = [];
    const policy = wrap(r, breaker, timeout(1000, { clock }));
    const run = settle(
      policy.execute((ctx) => {
        contexts.push(ctx);
        if (ctx.attempt < 3) throw failure('T');
        return 'done';
      }),
    );
    await clock.advance(100);
    assert.deepEqual(await run.result, { ok: true, value: 'done' });
    assert.deepEqual(
      contexts.map((c) => c.attempt),
      [1, 2, 3],
    );
    assert.deepEqual(order, ['breaker counted', 'retry 1', 'breaker counted', 'retry 2']);
    assert.equal(clock.pending, 0);
  });

  it('retry outside a breaker does not hammer an open breaker (CircuitOpenError is not retryable by default)', async () => {
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(2), halfOpenAfter: 60_000 });
    const policy = wrap(retry({ maxAttempts: 5, backoff: fixedBackoff(0) }), breaker);
    let calls = 0;
    const err = await policy
      .execute(() => {
        calls++;
        throw failure('DOWN');
      })
      .catch((e: unknown) => e);
    assert.equal(calls, 2);
    assert.ok(isCircuitOpenError(err));
  });

  it('a timeout inside a retry makes each attempt time-limited', async () => {
    const clock = new ManualClock();
    const policy = wrap(retry({ maxAttempts: 2, backoff: fixedBackoff(0), clock }), timeout(100, { clock }));
    const run = settle(policy.execute(({ attempt }) => (attempt === 1 ? new Promise<string>(() => undefined) : 'ok')));
    await clock.advance(100);
    assert.deepEqual(await run.result, { ok: true, value: 'ok' });
  });

  it('a fallback around everything gives the fallback type', async () => {
    const policy = wrap(fallback({ value: 'fallback' as const }), retry({ maxAttempts: 2, backoff: fixedBackoff(0) }));
    const v: number | 'fallback' = await policy.execute(() => Promise.reject<number>(new TimeoutError('slow')));
    assert.equal(v, 'fallback');
  });

  it('with no policy, runs the action (a synchronous throw becomes a rejection)', async () => {
    assert.equal(await wrap().execute(() => 3), 3);
    await assert.rejects(
      wrap().execute(() => {
        throw new Error('sync');
      }),
      /sync/,
    );
  });
});
