import { pathToFileURL } from 'node:url';
import * as cockatiel from 'cockatiel';
import CircuitBreaker from 'opossum';
import { circuitBreaker, consecutiveBreaker, retry, wrap } from '../../src/engine/resilience';

/**
 * Overhead per successful call through a retry policy, a circuit breaker, and both, for Rebound's
 * engine and the libraries a user would otherwise pick (cockatiel for the same composition, opossum
 * for the breaker, p-retry for retry), measured side by side in one run, interleaved round by round.
 */

type PRetry = (fn: () => Promise<unknown>, options: { retries: number }) => Promise<unknown>;

interface Case {
  group: 'baseline' | 'retry' | 'breaker' | 'retry + breaker';
  name: string;
  call: () => Promise<unknown>;
}

const CALLS_PER_SAMPLE = 100_000;
const ROUNDS = 7;

async function sample(call: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - start) / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function run(report: (line: string) => void): Promise<void> {
  // p-retry is ESM only: a real dynamic import, kept as such in the CommonJS build.
  const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<{ default: PRetry }>;
  const pRetry = (await dynamicImport(pathToFileURL(require.resolve('p-retry')).href)).default;

  const action = async () => 1;

  const rbRetry = retry({ maxAttempts: 3 });
  const rbBreaker = circuitBreaker({ breaker: consecutiveBreaker(5), halfOpenAfter: 10_000 });
  const rbBoth = wrap(retry({ maxAttempts: 3 }), circuitBreaker({ breaker: consecutiveBreaker(5), halfOpenAfter: 10_000 }));

  const ckRetry = cockatiel.retry(cockatiel.handleAll, { maxAttempts: 2, backoff: new cockatiel.ExponentialBackoff() });
  const ckBreaker = cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 10_000, breaker: new cockatiel.ConsecutiveBreaker(5) });
  const ckBoth = cockatiel.wrap(
    cockatiel.retry(cockatiel.handleAll, { maxAttempts: 2, backoff: new cockatiel.ExponentialBackoff() }),
    cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 10_000, breaker: new cockatiel.ConsecutiveBreaker(5) }),
  );

  const opDefault = new CircuitBreaker(action, { errorThresholdPercentage: 50, resetTimeout: 10_000 });
  const opNoTimeout = new CircuitBreaker(action, { errorThresholdPercentage: 50, resetTimeout: 10_000, timeout: false });

  const cases: Case[] = [
    { group: 'baseline', name: 'plain await', call: () => action() },
    { group: 'retry', name: 'rebound', call: () => rbRetry.execute(action) },
    { group: 'retry', name: 'cockatiel', call: () => ckRetry.execute(action) },
    { group: 'retry', name: 'p-retry', call: () => pRetry(action, { retries: 2 }) },
    { group: 'breaker', name: 'rebound', call: () => rbBreaker.execute(action) },
    { group: 'breaker', name: 'cockatiel', call: () => ckBreaker.execute(action) },
    { group: 'breaker', name: 'opossum (defaults)', call: () => opDefault.fire() },
    { group: 'breaker', name: 'opossum (timeout: false)', call: () => opNoTimeout.fire() },
    { group: 'retry + breaker', name: 'rebound', call: () => rbBoth.execute(action) },
    { group: 'retry + breaker', name: 'cockatiel', call: () => ckBoth.execute(action) },
  ];

  report(`Overhead per successful call (async action returning at once), ${CALLS_PER_SAMPLE.toLocaleString('en')} calls x ${ROUNDS} interleaved rounds, median.`);
  report('retry: 3 attempts (cockatiel maxAttempts 2 retries, p-retry retries 2); breaker: 5 consecutive failures, 10 s break');
  report('(opossum: 50 % error threshold, 10 s reset; its default 10 s timeout arms a timer per call, shown with and without it).');

  for (const c of cases) await sample(c.call, 20_000); // warm-up
  const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) times.get(c)!.push(await sample(c.call, CALLS_PER_SAMPLE));
  }
  opDefault.shutdown();
  opNoTimeout.shutdown();

  const perCall = new Map(cases.map((c) => [c, median(times.get(c)!)]));
  const base = perCall.get(cases[0])!;
  report('');
  report(`baseline: plain await of the action ${base.toFixed(0)} ns per call`);
  report('');
  report(`${'group'.padEnd(16)} ${'library'.padEnd(25)} ${'ns/call'.padStart(8)} ${'overhead'.padStart(9)}  vs rebound (overhead ratio)`);
  for (const group of ['retry', 'breaker', 'retry + breaker'] as const) {
    const inGroup = cases.filter((c) => c.group === group);
    const ours = perCall.get(inGroup.find((c) => c.name === 'rebound')!)! - base;
    for (const c of inGroup) {
      const total = perCall.get(c)!;
      const overhead = total - base;
      const ratio = c.name === 'rebound' ? '1.00x' : `${(overhead / ours).toFixed(2)}x (rebound is ${(overhead / ours).toFixed(2)} times as fast)`;
      report(`${group.padEnd(16)} ${c.name.padEnd(25)} ${total.toFixed(0).padStart(8)} ${overhead.toFixed(0).padStart(9)}  ${ratio}`);
    }
  }
}
