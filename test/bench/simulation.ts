import { sleep } from '../../src/engine/clock';
import { codeOf } from '../../src/engine/errors/codes';
import { ReboundError, isCircuitOpenError, isReboundError } from '../../src/engine/errors';
import {
  circuitBreaker,
  exponentialBackoff,
  rateBreaker,
  retry,
  retryBudget,
  seededRandom,
  wrap,
  type Policy,
} from '../../src/engine/resilience';
import { ManualClock } from '../unit/manualClock';

/**
 * A simulated minute on a simulated clock: 1,000 operations per second for 60 s against a dependency
 * that fails 5 % of calls transiently and is down for 10 s (20 s to 30 s). Compares no policy,
 * retry alone, retry with a circuit breaker, and retry with a breaker and a retry budget.
 */

const OPS_PER_SECOND = 1000;
const DURATION_S = 60;
const TRANSIENT_RATE = 0.05;
const OUTAGE_START_S = 20;
const OUTAGE_END_S = 30;
const LATENCY_MS = 2;

interface Scenario {
  name: string;
  make(clock: ManualClock, random: () => number): Policy<unknown>;
}

interface Result {
  name: string;
  ops: number;
  succeeded: number;
  /** Operations that met a transient (non-outage) failure and never touched the outage. */
  transientOps: number;
  transientRecovered: number;
  /** Dependency calls made while it was down. */
  deadCalls: number;
  /** Operations refused by the open breaker without calling the dependency. */
  fastFailed: number;
  callsPerSecond: number[];
  maxInFlightAfterOutage: number;
}

const retryPolicy = (clock: ManualClock, random: () => number, budget?: ReturnType<typeof retryBudget>) =>
  retry({
    maxAttempts: 4,
    backoff: exponentialBackoff({ baseMs: 100, maxMs: 2000, jitter: 'decorrelated' }),
    deadlineMs: 10_000,
    clock,
    random,
    budget,
    component: 'dependency',
  });

const breakerPolicy = (clock: ManualClock, random: () => number) =>
  circuitBreaker({
    name: 'dependency',
    breaker: rateBreaker({ threshold: 0.5, windowMs: 1000, minimumThroughput: 50 }),
    halfOpenAfter: exponentialBackoff({ baseMs: 500, maxMs: 2000, jitter: 'equal' }),
    halfOpenProbes: 3,
    halfOpenConcurrency: 1,
    clock,
    random,
  });

const SCENARIOS: Scenario[] = [
  { name: 'no policy', make: () => wrap() },
  { name: 'retry', make: (clock, random) => retryPolicy(clock, random) },
  { name: 'retry + budget', make: (clock, random) => retryPolicy(clock, random, retryBudget({ capacity: 200, refillPerSecond: 150, clock })) },
  { name: 'retry + breaker', make: (clock, random) => wrap(retryPolicy(clock, random), breakerPolicy(clock, random)) },
  {
    name: 'retry + breaker + budget',
    make: (clock, random) =>
      wrap(retryPolicy(clock, random, retryBudget({ capacity: 200, refillPerSecond: 150, clock })), breakerPolicy(clock, random)),
  },
];

async function simulate(scenario: Scenario, seed: number): Promise<Result> {
  const clock = new ManualClock(0);
  const random = seededRandom(seed);
  const depRandom = seededRandom(seed ^ 0x5eed);
  const policy = scenario.make(clock, random);
  const result: Result = {
    name: scenario.name,
    ops: 0,
    succeeded: 0,
    transientOps: 0,
    transientRecovered: 0,
    deadCalls: 0,
    fastFailed: 0,
    callsPerSecond: new Array(DURATION_S + 15).fill(0),
    maxInFlightAfterOutage: 0,
  };
  const down = (t: number) => t >= OUTAGE_START_S * 1000 && t < OUTAGE_END_S * 1000;

  const runOp = async () => {
    let sawTransient = false;
    let sawOutage = false;
    const dependency = async () => {
      const t = clock.now();
      result.callsPerSecond[Math.floor(t / 1000)]++;
      if (down(t)) {
        result.deadCalls++;
        sawOutage = true;
      }
      await sleep(clock, LATENCY_MS);
      if (down(t)) throw new ReboundError('connection refused', { code: codeOf('DEP-DOWN'), category: 'transient', retryable: true });
      if (depRandom() < TRANSIENT_RATE) {
        sawTransient = true;
        throw new ReboundError('connection reset', { code: codeOf('DEP-FLAKY'), category: 'transient', retryable: true });
      }
      return 'ok';
    };
    result.ops++;
    try {
      await policy.execute(dependency);
      result.succeeded++;
      if (sawTransient && !sawOutage) result.transientRecovered++;
    } catch (err) {
      if (isCircuitOpenError(err)) result.fastFailed++;
      else if (!isReboundError(err)) throw err;
    }
    if (sawTransient && !sawOutage) result.transientOps++;
  };

  let started = 0;
  const total = OPS_PER_SECOND * DURATION_S;
  const tick = () => {
    started++;
    void runOp();
    if (started < total) clock.setTimeout(tick, 1000 / OPS_PER_SECOND);
  };
  clock.setTimeout(tick, 0);
  await clock.advance((DURATION_S + 15) * 1000 - clock.now());
  return result;
}

const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(2)} %`);

export async function run(report: (line: string) => void): Promise<void> {
  const seed = 20240601;
  report(
    `Simulation: ${OPS_PER_SECOND} ops/s for ${DURATION_S} s (simulated), ${TRANSIENT_RATE * 100} % transient failures, ` +
      `dependency down from ${OUTAGE_START_S} s to ${OUTAGE_END_S} s, ${LATENCY_MS} ms per call, seed ${seed}.`,
  );
  report('retry: 4 attempts, exponential 100 ms..2 s with decorrelated jitter, 10 s deadline. breaker: rate 50 % over 1 s, min 50 calls,');
  report('       break 0.5 s..2 s (exponential, equal jitter), 3 probes, 1 at a time. budget: 200 retries, 150/s refill.');
  report('');
  const results: Result[] = [];
  const wall = Date.now();
  for (const s of SCENARIOS) results.push(await simulate(s, seed));
  const width = Math.max(...results.map((r) => r.name.length));
  report(
    `${'scenario'.padEnd(width)}  ${'ops ok'.padStart(9)}  ${'transient recovered'.padStart(24)}  ${'calls to dead dep'.padStart(17)}  ${'fast-failed'.padStart(11)}`,
  );
  for (const r of results) {
    report(
      `${r.name.padEnd(width)}  ${pct(r.succeeded, r.ops).padStart(9)}  ${`${pct(r.transientRecovered, r.transientOps)} of ${r.transientOps}`.padStart(24)}  ` +
        `${String(r.deadCalls).padStart(17)}  ${String(r.fastFailed).padStart(11)}`,
    );
  }
  report('');
  report('Dependency calls per simulated second (the outage is 20..29):');
  const seconds = Array.from({ length: 22 }, (_, i) => 16 + i);
  report(`${'second'.padEnd(width)}  ${seconds.map((s) => String(s).padStart(5)).join('')}`);
  for (const r of results) report(`${r.name.padEnd(width)}  ${seconds.map((s) => String(r.callsPerSecond[s]).padStart(5)).join('')}`);
  report('');
  for (const r of results) {
    const steady = r.callsPerSecond.slice(5, 15);
    const base = steady.reduce((a, b) => a + b, 0) / steady.length;
    const after = Math.max(...r.callsPerSecond.slice(OUTAGE_END_S, OUTAGE_END_S + 10));
    report(
      `${r.name.padEnd(width)}  steady ${base.toFixed(0)} calls/s; peak in the 10 s after the outage ${after} calls/s (${(after / base).toFixed(2)}x steady)`,
    );
  }
  const withBreaker = results.find((r) => r.name === 'retry + breaker')!;
  const retryOnly = results.find((r) => r.name === 'retry')!;
  report('');
  report(`Breaker cut calls to the dead dependency from ${retryOnly.deadCalls} to ${withBreaker.deadCalls} (${pct(retryOnly.deadCalls - withBreaker.deadCalls, retryOnly.deadCalls)} fewer).`);
  report(`(simulated ${SCENARIOS.length * (DURATION_S + 15)} s in ${((Date.now() - wall) / 1000).toFixed(1)} s of wall time)`);
}
