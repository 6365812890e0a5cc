import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  RETRY_PRESETS,
  breakerConfigSchema,
  breakerFromConfig,
  resolveRetryConfig,
  retryPolicyFromConfig,
  retryPolicySchema,
  type InlineRetryConfig,
  type RetryEvent,
} from '../../../../src/engine/resilience';
import { failure, settle } from './helpers';
import { ManualClock } from '../../manualClock';

describe('resilience config schemas', () => {
  it('accepts preset names and the inline policy of DESIGN.md', () => {
    for (const name of ['quick', 'standard', 'patient', 'network', 'none']) assert.equal(retryPolicySchema.parse(name), name);
    const inline = { maxAttempts: 5, backoff: { kind: 'exponential', baseMs: 1000, maxMs: 30000, jitter: 'decorrelated' } };
    assert.deepEqual(retryPolicySchema.parse(inline), inline);
    assert.deepEqual(
      (retryPolicySchema.parse({
        maxAttempts: 3,
        deadlineMs: 60000,
        attemptTimeoutMs: 5000,
        retryOn: { categories: ['transient', 'system'], codes: ['APP-DB-LOCKED'] },
        perCategory: { system: { maxAttempts: 2 } },
        budget: { capacity: 10, refillPerSecond: 1 },
      }) as InlineRetryConfig).maxAttempts,
      3,
    );
  });

  it('rejects unknown keys, unknown presets and bad values, with the path', () => {
    const issues = (v: unknown) => {
      const r = retryPolicySchema.safeParse(v);
      assert.equal(r.success, false, JSON.stringify(v));
      return r.error!.issues;
    };
    issues('sometimes');
    issues({ maxAttempts: 0 });
    issues({ maxAttempts: 3, backof: { kind: 'fixed', baseMs: 1 } });
    issues({ maxAttempts: 3, backoff: { kind: 'exponential', baseMs: 1000, maxMs: 10 } });
    issues({ maxAttempts: 3, backoff: { kind: 'cubic', baseMs: 1 } });
    issues({ maxAttempts: 3, backoff: { kind: 'fixed', baseMs: 1, jitter: 'some' } });
    issues({ maxAttempts: 3, retryOn: { categories: ['flaky'] } });
    issues({ maxAttempts: 3, perCategory: { sometimes: { maxAttempts: 2 } } });
    const nested = breakerConfigSchema.safeParse({ kind: 'consecutive', threshold: 5, halfOpenAfterMs: 1000, extra: 1 });
    assert.equal(nested.success, false);
    assert.ok(nested.error!.issues.some((i) => i.code === 'unrecognized_keys'));
  });

  it('breakers: consecutive and rate kinds, strict', () => {
    assert.ok(breakerConfigSchema.safeParse({ kind: 'consecutive', threshold: 5, halfOpenAfterMs: 60000 }).success);
    assert.ok(
      breakerConfigSchema.safeParse({
        kind: 'rate',
        threshold: 0.5,
        windowMs: 30000,
        minimumThroughput: 20,
        halfOpenAfterMs: 10000,
        breakBackoff: { kind: 'exponential', maxMs: 300000 },
        halfOpenProbes: 3,
        halfOpenConcurrency: 1,
      }).success,
    );
    assert.equal(breakerConfigSchema.safeParse({ kind: 'rate', threshold: 50, windowMs: 30000 }).success, false, 'a ratio, not a percentage');
    assert.equal(breakerConfigSchema.safeParse({ kind: 'consecutive', threshold: 0.5 }).success, false);
    assert.equal(breakerConfigSchema.safeParse({ kind: 'sometimes', threshold: 1 }).success, false);
    assert.equal(breakerConfigSchema.safeParse({ kind: 'consecutive', threshold: 3, windowMs: 1000 }).success, false);
  });

  it('turns into JSON Schema for the config file (descriptions kept)', () => {
    const retrySchema = JSON.stringify(z.toJSONSchema(retryPolicySchema, { unrepresentable: 'any' }));
    assert.match(retrySchema, /decorrelated/);
    assert.match(retrySchema, /"additionalProperties":false/);
    const breaker = JSON.stringify(z.toJSONSchema(breakerConfigSchema, { unrepresentable: 'any' }));
    assert.match(breaker, /halfOpenAfterMs/);
  });

  it('presets resolve to the policies DESIGN.md names', () => {
    assert.equal(resolveRetryConfig('quick').maxAttempts, 3);
    assert.equal(resolveRetryConfig('quick').backoff?.baseMs, 500);
    assert.equal(resolveRetryConfig('standard').maxAttempts, 5);
    assert.equal(resolveRetryConfig('standard').backoff?.baseMs, 1000);
    assert.equal(resolveRetryConfig('patient').maxAttempts, 10);
    assert.equal(resolveRetryConfig('patient').backoff?.baseMs, 2000);
    assert.equal(resolveRetryConfig('network').backoff?.jitter, 'decorrelated');
    assert.equal(resolveRetryConfig('network').backoff?.kind, 'exponential');
    assert.equal(resolveRetryConfig('none').maxAttempts, 1);
    for (const p of Object.values(RETRY_PRESETS)) assert.ok(retryPolicySchema.safeParse(p).success);
  });

  it('builds a working retry policy from a preset, on the injected clock', async () => {
    const clock = new ManualClock();
    const policy = retryPolicyFromConfig(retryPolicySchema.parse('quick'), { clock });
    const retries: RetryEvent[] = [];
    policy.onRetry((e) => retries.push(e));
    let calls = 0;
    const run = settle(
      policy.execute(() => {
        calls++;
        throw failure('T');
      }),
    );
    await clock.advance(10_000);
    await run.result;
    assert.equal(calls, 3);
    assert.deepEqual(
      retries.map((r) => r.delayMs),
      [500, 1000],
    );
    assert.equal(retryPolicyFromConfig('none').maxAttempts, 1);
  });

  it('builds per-category limits, filters and a budget from inline config', async () => {
    const clock = new ManualClock();
    const policy = retryPolicyFromConfig(
      retryPolicySchema.parse({
        maxAttempts: 4,
        backoff: { kind: 'fixed', baseMs: 10 },
        retryOn: { categories: ['transient', 'system'] },
        perCategory: { system: { maxAttempts: 2 } },
        budget: { capacity: 1, refillPerSecond: 0 },
      }),
      { clock, component: 'build' },
    );
    const out = settle(policy.executeWithOutcome(() => Promise.reject(failure('T'))));
    await clock.advance(1000);
    const r = (await out.result) as { ok: true; value: { ok: boolean; reason?: string; attempts: unknown[] } };
    assert.equal(r.value.reason, 'budget');
    assert.equal(r.value.attempts.length, 2);
  });

  it('builds a breaker from config, with a backoff break and a restored state', async () => {
    const clock = new ManualClock();
    const config = breakerConfigSchema.parse({ kind: 'consecutive', threshold: 2, halfOpenAfterMs: 1000, breakBackoff: { kind: 'exponential', maxMs: 3000 } });
    const breaker = breakerFromConfig('registry', config, { clock });
    assert.equal(breaker.name, 'registry');
    const breaks: number[] = [];
    breaker.onStateChange((e) => e.to === 'open' && breaks.push(e.breakMs!));
    await assert.rejects(breaker.execute(() => Promise.reject(failure('D'))));
    await assert.rejects(breaker.execute(() => Promise.reject(failure('D'))));
    await clock.advance(1000);
    await assert.rejects(breaker.execute(() => Promise.reject(failure('D'))));
    assert.deepEqual(breaks, [1000, 2000]);
    const restored = breakerFromConfig('registry', config, { clock, initialState: breaker.toJSON() });
    assert.equal(restored.state, 'open');
    const rate = breakerFromConfig('db', breakerConfigSchema.parse({ kind: 'rate', threshold: 0.5, windowMs: 10_000, minimumThroughput: 2 }), { clock });
    await assert.rejects(rate.execute(() => Promise.reject(failure('D'))));
    await assert.rejects(rate.execute(() => Promise.reject(failure('D'))));
    assert.equal(rate.state, 'open');
  });
});
