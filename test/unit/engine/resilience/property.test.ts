import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  backoff,
  circuitBreaker,
  consecutiveBreaker,
  fallback,
  retry,
  seededRandom,
  timeout,
  wrap,
  type BackoffKind,
  type JitterKind,
  type Policy,
} from '../../../../src/engine/resilience';
import { failure, settle } from './helpers';
import { ManualClock } from '../../manualClock';

type Outcome = 'ok' | 'transient' | 'permanent' | 'hang';
type Composition = 'retry' | 'retry+breaker' | 'retry+timeout' | 'fallback+retry+breaker' | 'breaker+retry';

const scenario = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 8 }),
  kind: fc.constantFrom<BackoffKind>('fixed', 'linear', 'exponential', 'fibonacci'),
  jitter: fc.constantFrom<JitterKind>('none', 'full', 'equal', 'decorrelated'),
  baseMs: fc.integer({ min: 0, max: 500 }),
  deadlineMs: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
  attemptTimeoutMs: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
  outcomes: fc.array(fc.constantFrom<Outcome>('ok', 'transient', 'transient', 'permanent', 'hang'), { minLength: 1, maxLength: 10 }),
  durationMs: fc.integer({ min: 0, max: 300 }),
  honoursSignal: fc.boolean(),
  abortAtMs: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: undefined }),
  composition: fc.constantFrom<Composition>('retry', 'retry+breaker', 'retry+timeout', 'fallback+retry+breaker', 'breaker+retry'),
  seed: fc.integer(),
});

describe('property: no policy calls the action after cancellation or beyond its attempt limit', () => {
  it('holds for random policies, failures and cancellation times (fake time)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const clock = new ManualClock();
        const r = retry({
          maxAttempts: s.maxAttempts,
          backoff: backoff({ kind: s.kind, baseMs: s.baseMs, maxMs: 2000, jitter: s.jitter }),
          deadlineMs: s.deadlineMs,
          attemptTimeoutMs: s.attemptTimeoutMs,
          clock,
          random: seededRandom(s.seed),
          retryOn: { categories: ['transient', 'unknown'] },
        });
        const breaker = () => circuitBreaker({ breaker: consecutiveBreaker(3), halfOpenAfter: 100, clock });
        const policy: Policy<unknown> =
          s.composition === 'retry'
            ? r
            : s.composition === 'retry+breaker'
              ? wrap(r, breaker())
              : s.composition === 'retry+timeout'
                ? wrap(r, timeout(150, { clock }))
                : s.composition === 'breaker+retry'
                  ? wrap(breaker(), r)
                  : wrap(fallback({ value: 'fallback' }), r, breaker());

        const controller = new AbortController();
        const calls: Array<{ afterAbort: boolean }> = [];
        if (s.abortAtMs !== undefined) clock.setTimeout(() => controller.abort(new Error('cancelled by test')), s.abortAtMs);

        const run = settle(
          policy.execute(({ signal }) => {
            calls.push({ afterAbort: controller.signal.aborted });
            const outcome = s.outcomes[Math.min(calls.length - 1, s.outcomes.length - 1)];
            return new Promise((resolve, reject) => {
              if (outcome === 'hang') {
                if (s.honoursSignal) signal.addEventListener('abort', () => reject(signal.reason), { once: true });
                return;
              }
              const t = clock.setTimeout(() => {
                if (outcome === 'ok') resolve('value');
                else reject(failure(outcome === 'transient' ? 'T' : 'P', outcome === 'transient' ? 'transient' : 'permanent'));
              }, s.durationMs);
              if (s.honoursSignal) {
                signal.addEventListener(
                  'abort',
                  () => {
                    clock.clearTimeout(t);
                    reject(signal.reason);
                  },
                  { once: true },
                );
              }
            });
          }, controller.signal),
        );

        // Walk time far enough for any schedule to play out.
        for (let i = 0; i < 40 && !run.done(); i++) await clock.advance(2000);
        if (s.abortAtMs === undefined && !run.done()) {
          // Only an action that hangs forever, with no timeout or deadline to stop it, may still be running.
          assert.ok(s.outcomes.includes('hang') && s.deadlineMs === undefined && s.attemptTimeoutMs === undefined && s.composition !== 'retry+timeout');
          return;
        }
        assert.ok(run.done(), 'a cancelled or finished run settles');
        assert.ok(calls.length <= s.maxAttempts, `${calls.length} calls > maxAttempts ${s.maxAttempts}`);
        assert.ok(calls.every((c) => !c.afterAbort), 'an action was called after cancellation');
        const result = await run.result;
        if (!result.ok && controller.signal.aborted && s.composition !== 'fallback+retry+breaker') {
          // Either the cancellation itself, or the failure that ended the run before it.
          assert.ok(result.error === controller.signal.reason || (result.error as { code?: string }).code !== undefined);
        }
      }),
      { numRuns: 300, seed: 20240601 },
    );
  });
});
