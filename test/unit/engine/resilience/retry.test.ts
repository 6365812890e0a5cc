import assert from 'node:assert/strict';
import { CancelledError, TimeoutError, isTimeoutError } from '../../../../src/engine/errors';
import {
  exponentialBackoff,
  fixedBackoff,
  retry,
  retryBudget,
  type AttemptRecord,
  type ExecuteContext,
  type GiveUpEvent,
} from '../../../../src/engine/resilience';
import { failure, settle } from './helpers';
import { ManualClock } from '../../manualClock';

describe('retry policy', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('returns the first success without waiting, passing { signal, attempt }', async () => {
    const seen: ExecuteContext[] = [];
    const policy = retry({ maxAttempts: 3, clock });
    const value = await policy.execute((ctx) => {
      seen.push(ctx);
      return 42;
    });
    assert.equal(value, 42);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].attempt, 1);
    assert.equal(seen[0].signal.aborted, false);
  });

  it('retries a transient failure after the backoff delays, on the clock', async () => {
    const calls: Array<{ attempt: number; at: number }> = [];
    const start = clock.now();
    const policy = retry({ maxAttempts: 4, backoff: exponentialBackoff({ baseMs: 100 }), clock });
    const run = settle(
      policy.execute(({ attempt }) => {
        calls.push({ attempt, at: clock.now() - start });
        if (attempt < 4) throw failure('NET');
        return 'ok';
      }),
    );
    await clock.advance(99);
    assert.equal(calls.length, 1);
    await clock.advance(1);
    assert.equal(calls.length, 2);
    await clock.advance(1000);
    assert.deepEqual(await run.result, { ok: true, value: 'ok' });
    assert.deepEqual(calls, [
      { attempt: 1, at: 0 },
      { attempt: 2, at: 100 },
      { attempt: 3, at: 300 },
      { attempt: 4, at: 700 },
    ]);
  });

  it('stops at maxAttempts, rethrows the last failure and records every attempt', async () => {
    const policy = retry({ maxAttempts: 3, backoff: fixedBackoff(50), clock });
    const giveUps: GiveUpEvent[] = [];
    const attempts: AttemptRecord[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    policy.onAttempt((a) => attempts.push(a));
    let calls = 0;
    const run = settle(
      policy.execute(async ({ attempt }) => {
        calls++;
        await new Promise<void>((r) => clock.setTimeout(r, 10));
        throw failure(`E${attempt}`);
      }),
    );
    await clock.advance(10_000);
    const r = await run.result;
    assert.equal(calls, 3);
    assert.equal(r.ok, false);
    assert.equal((r as { error: { code: string } }).error.code, 'E3');
    assert.equal(giveUps.length, 1);
    assert.equal(giveUps[0].reason, 'attempts');
    assert.equal(giveUps[0].durationMs, 10 + 50 + 10 + 50 + 10);
    assert.deepEqual(
      attempts.map((a) => [a.number, a.delayMs, a.durationMs, a.outcome, a.errorCode, a.category]),
      [
        [1, 0, 10, 'failure', 'E1', 'transient'],
        [2, 50, 10, 'failure', 'E2', 'transient'],
        [3, 50, 10, 'failure', 'E3', 'transient'],
      ],
    );
    assert.equal(attempts[1].startedAt - attempts[0].startedAt, 60);
  });

  it('executeWithOutcome says how it ended, with the attempts, and never rejects', async () => {
    const policy = retry({ maxAttempts: 2, backoff: fixedBackoff(5), clock });
    let n = 0;
    const ok = settle(policy.executeWithOutcome(() => (++n === 1 ? Promise.reject(failure('X')) : Promise.resolve('done'))));
    await clock.advance(5);
    const r = (await ok.result) as { ok: true; value: Awaited<ReturnType<typeof policy.executeWithOutcome<string>>> };
    assert.equal(r.value.ok, true);
    assert.equal(r.value.attempts.length, 2);
    assert.deepEqual(r.value.attempts.map((a) => a.outcome), ['failure', 'success']);

    const bad = await policy.executeWithOutcome(() => {
      throw failure('BAD', 'permanent');
    });
    assert.equal(bad.ok, false);
    assert.equal(bad.ok === false && bad.reason, 'not-retryable');
    assert.equal(bad.attempts.length, 1);
  });

  it('never retries a permanent failure, even when its category is listed', async () => {
    for (const retryOn of [undefined, { categories: ['permanent' as const, 'transient' as const] }, { when: () => true }, { codes: ['P'] }]) {
      let calls = 0;
      const policy = retry({ maxAttempts: 5, backoff: fixedBackoff(0), clock, retryOn });
      await assert.rejects(
        policy.execute(() => {
          calls++;
          throw failure('P', 'permanent');
        }),
        { code: 'P' },
      );
      assert.equal(calls, 1);
    }
  });

  it('never retries a cancellation (CancelledError or AbortError)', async () => {
    for (const err of [new CancelledError('stop'), Object.assign(new Error('aborted'), { name: 'AbortError' })]) {
      let calls = 0;
      const policy = retry({ maxAttempts: 5, backoff: fixedBackoff(0), clock, retryOn: { when: () => true } });
      await assert.rejects(
        policy.execute(() => {
          calls++;
          throw err;
        }),
      );
      assert.equal(calls, 1);
    }
  });

  it('by default retries what is classified retryable, and unclassified errors', async () => {
    const count = async (err: unknown) => {
      let calls = 0;
      const policy = retry({ maxAttempts: 3, backoff: fixedBackoff(0), clock });
      await policy.execute(() => {
        calls++;
        throw err;
      }).catch(() => undefined);
      return calls;
    };
    assert.equal(await count(failure('T', 'transient', true)), 3);
    assert.equal(await count(failure('S', 'system', false)), 1);
    assert.equal(await count(failure('U', 'unknown', true)), 3);
    assert.equal(await count(new Error('foreign')), 3);
    assert.equal(await count(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), 3);
  });

  it('filters by code, by category and by predicate', async () => {
    const calls = async (retryOn: Parameters<typeof retry>[0] extends infer O ? (O extends { retryOn?: infer R } ? R : never) : never, err: unknown) => {
      let n = 0;
      await retry({ maxAttempts: 3, backoff: fixedBackoff(0), clock, retryOn })
        .execute(() => {
          n++;
          throw err;
        })
        .catch(() => undefined);
      return n;
    };
    assert.equal(await calls({ codes: ['LOCK'] }, failure('LOCK', 'system', false)), 3);
    assert.equal(await calls({ codes: ['LOCK'] }, failure('OTHER', 'transient')), 1);
    assert.equal(await calls({ categories: ['system'] }, failure('S', 'system', false)), 3);
    assert.equal(await calls({ categories: ['system'] }, failure('T', 'transient')), 1);
    assert.equal(await calls({ when: (e) => (e as Error).message.includes('flaky') }, new Error('flaky disk')), 3);
    assert.equal(await calls({ when: () => { throw new Error('bad predicate'); } }, new Error('x')), 1);
  });

  it('applies per-category attempt limits and backoff', async () => {
    const policy = retry({
      maxAttempts: 2,
      backoff: fixedBackoff(1000),
      perCategory: { transient: { maxAttempts: 5, backoff: fixedBackoff(10) } },
      retryOn: { categories: ['transient', 'system'] },
      clock,
    });
    const times: number[] = [];
    const t0 = clock.now();
    const run = settle(
      policy.execute(() => {
        times.push(clock.now() - t0);
        throw failure('T');
      }),
    );
    await clock.advance(100);
    await run.result;
    assert.deepEqual(times, [0, 10, 20, 30, 40]);

    const sys: number[] = [];
    const run2 = settle(
      policy.execute(() => {
        sys.push(clock.now() - t0);
        throw failure('S', 'system', false);
      }),
    );
    await clock.advance(5000);
    await run2.result;
    assert.equal(sys.length, 2);
    assert.equal(sys[1] - sys[0], 1000);
  });

  it('a delay hint carried by the failure overrides the computed delay', async () => {
    const policy = retry({ maxAttempts: 3, backoff: fixedBackoff(10), clock });
    const retries: Array<[number, boolean]> = [];
    policy.onRetry((e) => retries.push([e.delayMs, e.hinted]));
    let n = 0;
    const run = settle(
      policy.execute(() => {
        n++;
        if (n === 1) throw failure('LOCKED', 'transient', true, 2500);
        if (n === 2) throw Object.assign(new Error('429'), { retryAfterMs: 700 });
        return 'ok';
      }),
    );
    await clock.advance(2499);
    assert.equal(n, 1);
    await clock.advance(1);
    assert.equal(n, 2);
    await clock.advance(700);
    assert.deepEqual(await run.result, { ok: true, value: 'ok' });
    assert.deepEqual(retries, [
      [2500, true],
      [700, true],
    ]);
  });

  it('gives up at once when the next wait would pass the deadline', async () => {
    const policy = retry({ maxAttempts: 10, backoff: fixedBackoff(400), deadlineMs: 1000, clock });
    const giveUps: GiveUpEvent[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    let calls = 0;
    const run = settle(
      policy.execute(() => {
        calls++;
        throw failure('T');
      }),
    );
    await clock.advance(5000);
    const r = await run.result;
    // Attempts at 0, 400, 800; waiting again would end at 1200 > 1000.
    assert.equal(calls, 3);
    assert.equal(r.ok, false);
    assert.equal((r as { error: { code: string } }).error.code, 'T');
    assert.equal(giveUps[0].reason, 'deadline');
    assert.equal(giveUps[0].durationMs, 800);
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('the deadline aborts an attempt in flight with a TimeoutError', async () => {
    const policy = retry({ maxAttempts: 5, backoff: fixedBackoff(10), deadlineMs: 500, clock });
    let signalOfAttempt: AbortSignal | undefined;
    const run = settle(
      policy.execute(({ signal }) => {
        signalOfAttempt = signal;
        return new Promise(() => undefined);
      }),
    );
    await clock.advance(499);
    assert.equal(run.done(), false);
    await clock.advance(1);
    const r = await run.result;
    assert.equal(r.ok, false);
    assert.ok(isTimeoutError((r as { error: unknown }).error));
    assert.equal(signalOfAttempt?.aborted, true);
  });

  it('a per-attempt timeout aborts a hanging attempt, which is retried', async () => {
    const policy = retry({ maxAttempts: 3, backoff: fixedBackoff(100), attemptTimeoutMs: 1000, clock });
    const signals: AbortSignal[] = [];
    const attempts: AttemptRecord[] = [];
    policy.onAttempt((a) => attempts.push(a));
    const run = settle(
      policy.execute(({ signal, attempt }) => {
        signals.push(signal);
        if (attempt === 1) return new Promise<string>(() => undefined);
        return 'second time lucky';
      }),
    );
    await clock.advance(1100);
    assert.deepEqual(await run.result, { ok: true, value: 'second time lucky' });
    assert.equal(signals[0].aborted, true);
    assert.ok(signals[0].reason instanceof TimeoutError);
    assert.equal(signals[1].aborted, false);
    assert.equal(attempts[0].errorCode, 'RB-TIMEOUT-001');
    assert.equal(attempts[0].durationMs, 1000);
    assert.equal(clock.pending, 0);
  });

  it('cancelling in the middle of a wait stops at once, with no further attempt and no timer left', async () => {
    const policy = retry({ maxAttempts: 5, backoff: fixedBackoff(10_000), clock });
    const giveUps: GiveUpEvent[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    const controller = new AbortController();
    let calls = 0;
    const run = settle(
      policy.execute(() => {
        calls++;
        throw failure('T');
      }, controller.signal),
    );
    await clock.advance(3000);
    assert.equal(calls, 1);
    const reason = new Error('user pressed stop');
    controller.abort(reason);
    const r = await run.result;
    assert.deepEqual(r, { ok: false, error: reason });
    assert.equal(giveUps[0].reason, 'cancelled');
    assert.equal(clock.pending, 0);
    await clock.advance(60_000);
    assert.equal(calls, 1);
  });

  it('does not call the action at all when already cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already'));
    let calls = 0;
    await assert.rejects(retry({ clock }).execute(() => calls++, controller.signal), /already/);
    assert.equal(calls, 0);
  });

  it('cancelling during an attempt rejects at once and records the attempt as cancelled', async () => {
    const controller = new AbortController();
    const policy = retry({ maxAttempts: 3, backoff: fixedBackoff(0), clock });
    const out = settle(policy.executeWithOutcome(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => clock.setTimeout(() => reject(new Error('late')), 5000))), controller.signal));
    await clock.advance(10);
    controller.abort();
    const r = (await out.result) as { ok: true; value: { ok: boolean; reason?: string; attempts: AttemptRecord[] } };
    assert.equal(r.value.ok, false);
    assert.equal(r.value.reason, 'cancelled');
    assert.deepEqual(r.value.attempts.map((a) => a.outcome), ['cancelled']);
  });

  it('handles a synchronous throw like a rejection', async () => {
    let n = 0;
    const value = await retry({ maxAttempts: 2, backoff: fixedBackoff(0), clock }).execute(() => {
      if (++n === 1) throw failure('T');
      return n;
    });
    assert.equal(value, 2);
  });

  it('a retry budget shared by a component caps its retries and refills over time', async () => {
    const budget = retryBudget({ capacity: 3, refillPerSecond: 1, clock });
    const denied: string[] = [];
    budget.onDenied((e) => denied.push(e.component));
    const a = retry({ maxAttempts: 10, backoff: fixedBackoff(0), budget, component: 'registry', clock });
    const b = retry({ maxAttempts: 10, backoff: fixedBackoff(0), budget, component: 'registry', clock });
    const other = retry({ maxAttempts: 3, backoff: fixedBackoff(0), budget, component: 'db', clock });
    let calls = 0;
    const fail = () => {
      calls++;
      throw failure('T');
    };
    const outA = await a.executeWithOutcome(fail);
    assert.equal(outA.ok === false && outA.reason, 'budget');
    assert.equal(calls, 4, 'first attempt + 3 budgeted retries');
    calls = 0;
    const outB = await b.executeWithOutcome(fail);
    assert.equal(outB.ok === false && outB.reason, 'budget');
    assert.equal(calls, 1, 'the shared bucket is empty');
    calls = 0;
    await other.executeWithOutcome(fail);
    assert.equal(calls, 3, 'another component has its own bucket');
    await clock.advance(2000);
    calls = 0;
    await b.executeWithOutcome(fail);
    assert.equal(calls, 3, 'two tokens came back in two seconds');
    assert.deepEqual(denied, ['registry', 'registry', 'registry']);
  });

  it('rejects invalid options', () => {
    assert.throws(() => retry({ maxAttempts: 0 }), RangeError);
    assert.throws(() => retry({ maxAttempts: 1.5 }), RangeError);
    assert.throws(() => retry({ maxAttempts: Infinity }), RangeError);
    assert.doesNotThrow(() => retry({ maxAttempts: Infinity, deadlineMs: 1000 }));
    assert.throws(() => retry({ deadlineMs: 0 }), RangeError);
    assert.throws(() => retry({ perCategory: { transient: { maxAttempts: 0 } } }), RangeError);
  });
});
