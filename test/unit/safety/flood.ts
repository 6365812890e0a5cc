import type { ErrorStore } from '../../../src/store/errorStore';

/**
 * Records `n` distinct failures (each its own message and stack frame, so each its own
 * fingerprint), in batches as a busy CI log would, with `tick()` giving each one's time.
 */
/** A number as letters (fingerprints ignore digits, so distinct failures differ in words). */
export function word(i: number): string {
  let s = '';
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26);
  } while (i > 0);
  return s;
}

export function recordDistinctFailures(store: ErrorStore, n: number, tick: () => number, batch = 500): void {
  for (let start = 0; start < n; start += batch) {
    const inputs = [];
    for (let i = start; i < Math.min(n, start + batch); i++) {
      inputs.push({
        message: `Cannot read properties of undefined (reading ${word(i)})`,
        stack: `TypeError: Cannot read properties of undefined (reading ${word(i)})\n    at ${word(i)}Handler (src/${word(i % 997)}.ts:${(i % 400) + 1}:7)`,
        output: `${'progress line\n'.repeat(20)}TypeError: Cannot read properties of undefined (reading ${word(i)})\n    at ${word(i)}Handler (src/${word(i % 997)}.ts:${(i % 400) + 1}:7)\n`,
        time: tick(),
        context: { component: 'tasks', task: 'ingest' },
      });
    }
    store.recordBatch(inputs);
  }
}
