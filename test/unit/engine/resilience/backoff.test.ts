import assert from 'node:assert/strict';
import {
  backoff,
  customBackoff,
  exponentialBackoff,
  fibonacciBackoff,
  fixedBackoff,
  linearBackoff,
  MAX_DELAY_MS,
  seededRandom,
  type Backoff,
} from '../../../../src/engine/resilience';

const fixedRandom = (v: number) => () => v;

function delays(b: Backoff, n: number, random = fixedRandom(0.5)): number[] {
  const out: number[] = [];
  let previous: number | undefined;
  for (let attempt = 1; attempt <= n; attempt++) {
    const d = b.next({ attempt, previousDelayMs: previous, failure: undefined, random });
    out.push(d);
    previous = d;
  }
  return out;
}

describe('backoff', () => {
  it('fixed waits the same every time', () => {
    assert.deepEqual(delays(fixedBackoff(250), 4), [250, 250, 250, 250]);
  });

  it('linear grows by a step (the base by default, or factor * base)', () => {
    assert.deepEqual(delays(linearBackoff({ baseMs: 100 }), 4), [100, 200, 300, 400]);
    assert.deepEqual(delays(linearBackoff({ baseMs: 100, factor: 0.5 }), 4), [100, 150, 200, 250]);
  });

  it('exponential doubles (or multiplies by factor) and stops at the cap', () => {
    assert.deepEqual(delays(exponentialBackoff({ baseMs: 100 }), 5), [100, 200, 400, 800, 1600]);
    assert.deepEqual(delays(exponentialBackoff({ baseMs: 100, factor: 3, maxMs: 1000 }), 5), [100, 300, 900, 1000, 1000]);
  });

  it('exponential never overflows: huge attempts give the cap, or the timer limit without a cap', () => {
    assert.equal(exponentialBackoff({ baseMs: 1000, maxMs: 60_000 }).next({ attempt: 5000, previousDelayMs: 1, failure: undefined, random: Math.random }), 60_000);
    assert.equal(exponentialBackoff({ baseMs: 1000 }).next({ attempt: 5000, previousDelayMs: 1, failure: undefined, random: Math.random }), MAX_DELAY_MS);
  });

  it('fibonacci follows 1, 1, 2, 3, 5, 8 times the base, capped', () => {
    assert.deepEqual(delays(fibonacciBackoff({ baseMs: 10 }), 7), [10, 10, 20, 30, 50, 80, 130]);
    assert.deepEqual(delays(fibonacciBackoff({ baseMs: 10, maxMs: 40 }), 7), [10, 10, 20, 30, 40, 40, 40]);
    assert.equal(fibonacciBackoff({ baseMs: 1 }).next({ attempt: 5000, previousDelayMs: 1, failure: undefined, random: Math.random }), MAX_DELAY_MS);
  });

  it('full jitter stays within [0, d] and covers the range', () => {
    const b = exponentialBackoff({ baseMs: 1000, maxMs: 8000, jitter: 'full' });
    const random = seededRandom(1);
    for (const attempt of [1, 2, 3, 4, 6]) {
      const cap = Math.min(8000, 1000 * 2 ** (attempt - 1));
      const samples = Array.from({ length: 2000 }, () => b.next({ attempt, previousDelayMs: undefined, failure: undefined, random }));
      assert.ok(samples.every((s) => s >= 0 && s <= cap && Number.isInteger(s)), `attempt ${attempt}`);
      assert.ok(Math.min(...samples) < cap * 0.05, 'reaches near 0');
      assert.ok(Math.max(...samples) > cap * 0.95, 'reaches near d');
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      assert.ok(Math.abs(mean - cap / 2) < cap * 0.05, `mean ${mean} near ${cap / 2}`);
    }
  });

  it('equal jitter stays within [d/2, d]', () => {
    const b = exponentialBackoff({ baseMs: 400, maxMs: 5000, jitter: 'equal' });
    const random = seededRandom(2);
    for (const attempt of [1, 2, 3, 5, 8]) {
      const d = Math.min(5000, 400 * 2 ** (attempt - 1));
      const samples = Array.from({ length: 2000 }, () => b.next({ attempt, previousDelayMs: undefined, failure: undefined, random }));
      assert.ok(samples.every((s) => s >= Math.floor(d / 2) && s <= d), `attempt ${attempt}`);
      assert.ok(Math.min(...samples) < d * 0.53 && Math.max(...samples) > d * 0.97);
    }
  });

  it('decorrelated jitter is min(cap, uniform(base, previous * 3)) over many sequences', () => {
    const b = exponentialBackoff({ baseMs: 100, maxMs: 5000, jitter: 'decorrelated' });
    const random = seededRandom(3);
    let sawCap = false;
    for (let run = 0; run < 300; run++) {
      let previous: number | undefined;
      for (let attempt = 1; attempt <= 12; attempt++) {
        const d = b.next({ attempt, previousDelayMs: previous, failure: undefined, random });
        const upper = Math.min(5000, Math.max(100, (previous ?? 100) * 3));
        assert.ok(d >= 100 && d <= upper, `run ${run} attempt ${attempt}: ${d} not in [100, ${upper}]`);
        if (d === 5000) sawCap = true;
        previous = d;
      }
    }
    assert.ok(sawCap, 'long sequences reach the cap');
    // The first delay is uniform in [base, 3 * base].
    const first = Array.from({ length: 2000 }, () => b.next({ attempt: 1, previousDelayMs: undefined, failure: undefined, random }));
    assert.ok(Math.min(...first) < 110 && Math.max(...first) > 290 && Math.max(...first) <= 300);
  });

  it('uses the injected random source: the same seed gives the same delays', () => {
    const b = backoff({ kind: 'exponential', baseMs: 100, maxMs: 10_000, jitter: 'full' });
    assert.deepEqual(delays(b, 8, seededRandom(42)), delays(b, 8, seededRandom(42)));
    assert.notDeepEqual(delays(b, 8, seededRandom(42)), delays(b, 8, seededRandom(43)));
  });

  it('a custom function decides, clamped to a valid timer delay', () => {
    const b = customBackoff(({ attempt, failure }) => ((failure as { slow?: boolean })?.slow ? 5000 : attempt * 7));
    assert.equal(b.next({ attempt: 3, previousDelayMs: undefined, failure: {}, random: Math.random }), 21);
    assert.equal(b.next({ attempt: 3, previousDelayMs: undefined, failure: { slow: true }, random: Math.random }), 5000);
    assert.equal(customBackoff(() => -5).next({ attempt: 1, previousDelayMs: undefined, failure: undefined, random: Math.random }), 0);
    assert.equal(customBackoff(() => NaN).next({ attempt: 1, previousDelayMs: undefined, failure: undefined, random: Math.random }), 0);
    assert.equal(customBackoff(() => 1e20).next({ attempt: 1, previousDelayMs: undefined, failure: undefined, random: Math.random }), MAX_DELAY_MS);
  });

  it('rejects invalid options', () => {
    assert.throws(() => backoff({ kind: 'exponential', baseMs: -1 }), RangeError);
    assert.throws(() => backoff({ kind: 'exponential', baseMs: 1, factor: 0 }), RangeError);
    assert.throws(() => backoff({ kind: 'nope' as never, baseMs: 1 }), RangeError);
    assert.throws(() => backoff({ kind: 'fixed', baseMs: 1, jitter: 'some' as never }), RangeError);
  });
});
