/**
 * Store benchmark (`npm run bench -- store`):
 *  1. events/s recorded through Rebound against plain better-sqlite3 inserts of the very same rows.
 *     Rebound: `ErrorStore.recordBatch` with 1,000 events per call, each call one immediate
 *     transaction (100 transactions for 100,000 events). Per event it classifies (built-in rules),
 *     redacts message, details, stack, command, file and evidence, normalises the message and
 *     fingerprints it, runs the issue state machine (regression, escalation, flood window) and
 *     inserts the event row; per batch it reads each issue it has not seen in the previous batch
 *     (issue states are remembered between batches while no other connection and no other write on
 *     this one changed the database), writes each touched issue once and upserts the hourly counters.
 *     Plain: the rows Rebound stored, read back and inserted with one prepared INSERT, in one
 *     transaction, into a fresh database made by the same `openDatabase` (same table and indexes,
 *     WAL, synchronous=NORMAL, the same checkpoint interval), foreign-key checks off.
 *     Both times include commit and checkpoint; CPU time is process.cpuUsage over the same span.
 *     Three rounds, fresh databases every time, the side that goes first alternating; medians are
 *     reported with each round's ratio (this machine's speed drifts by up to ±20% from second to second).
 *  2. the first page of issues and the dashboard statistics over 1,000,000 stored events;
 *  3. classification throughput with the built-in rules, in output lines per second.
 */
import { spawnSync } from 'node:child_process';
import { ensureNode, NODE22_VERSION } from '../harness/nodeRuntime';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultClassifier } from '../../src/engine/classify';
import { ExecutionError } from '../../src/engine/errors';
import { ErrorStore, openDatabase, type RecordInput } from '../../src/store';
import { sqliteDriver } from '../../src/store/sqlite';
import { growStore } from './largeStore';

const DAY = 86_400_000;
const TASKS = ['build', 'test', 'lint', 'deploy', 'migrate', 'package', 'docs', 'e2e', 'seed', 'backup'];
const OUTPUTS = [
  'npm ERR! code ECONNRESET\nnpm ERR! network request to https://registry.npmjs.org/lodash failed, reason: read ECONNRESET\nnpm ERR! network This is a problem related to network connectivity.',
  'src/app/{file}.ts({n},{n}): error TS2304: Cannot find name \'widget{n}\'.\nFound 1 error in src/app/{file}.ts:{n}',
  'SqliteError: database is locked\n    at Database.exec (/w/node_modules/better-sqlite3/lib/methods/wrappers.js:9:14)\n    at migrate (/w/scripts/migrate.js:{n}:5)',
  'HTTP/1.1 503 Service Unavailable\nRetry-After: {n}\ncurl: (22) The requested URL returned error: 503',
  '  {n} passing ({n}ms)\n  2 failing\n  1) api returns the user:\n     AssertionError [ERR_ASSERTION]: Expected values to be strictly equal',
  'Error: ENOSPC: no space left on device, write\n    at writeSync (node:fs:{n}:3)',
  'deploying with API_TOKEN=tok_{n}abcdef to https://deploy:pw{n}@example.com\nerror: upload failed after {n} ms',
  'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
  'Error: connect ECONNREFUSED 127.0.0.1:{n}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:{n}:16)',
  'make: *** [Makefile:{n}: all] Error 2',
];
const MESSAGES = ['{task} failed with exit code {n}', '{task}: step {n} of 5 failed after {n} ms', 'command "{task}" exited with {n}'];

const FILES = ['api', 'cart', 'checkout', 'login', 'search'];

function fill(template: string, rnd: () => number): string {
  return template.replace(/\{n\}/g, () => String(Math.floor(rnd() * 10_000))).replace(/\{file\}/g, () => FILES[Math.floor(rnd() * FILES.length)]);
}

/** A deterministic pseudo-random source, so every run records the same events. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function makeInputs(count: number, start: number, spanMs: number): RecordInput[] {
  const rnd = seeded(42);
  const inputs: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const task = TASKS[i % TASKS.length];
    const k = Math.floor(rnd() * OUTPUTS.length);
    const message = fill(MESSAGES[k % MESSAGES.length].replace('{task}', task), rnd);
    const error = new ExecutionError(message, { context: { task, component: 'tasks', exitCode: 1 + (k % 3), attempt: 1 + (i % 3), command: `npm run ${task}` } });
    // V8 formats a stack on first read (~20 us); a real caller's error usually has been read already
    // (logged, wrapped), and the plain baseline gets its rows ready-made, so format it here.
    void error.stack;
    inputs.push({
      error,
      output: fill(OUTPUTS[k], rnd),
      time: start + Math.floor((i / count) * spanMs),
    });
  }
  return inputs;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Deletes a database file and its WAL and shared-memory files (the rounds would otherwise fill the disk). */
function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Round {
  reboundMs: number;
  reboundCpuMs: number;
  plainMs: number;
  plainCpuMs: number;
}

/** Rounds per side-by-side measurement: this machine's speed drifts by ±20% over seconds. */
const ROUNDS = 3;

/**
 * Records `inputs` through Rebound (batches of `batch`) into a fresh store, then inserts the very
 * rows it stored into a fresh database with the same schema, plainly, in one transaction; repeats
 * that `ROUNDS` times, the side that goes first alternating, and reports the medians and the
 * ratio of each round (in round order). Returns the first round's Rebound store (open).
 */
async function recordSideBySide(dir: string, name: string, inputs: RecordInput[], now: number, batch: number, report: (line: string) => void): Promise<ErrorStore> {
  const N = inputs.length;
  const options = { workspaceRoot: '/w', retention: { floodCap: 1e9 }, clock: { now: () => now, setTimeout, clearTimeout } };
  // Warm up the JIT on a throwaway store.
  const warm = ErrorStore.open(join(dir, `warm-${name}.db`), options);
  for (let i = 0; i < 5; i++) warm.recordBatch(inputs.slice(i * batch, (i + 1) * batch));
  warm.close();
  removeDatabase(join(dir, `warm-${name}.db`));
  let kept: ErrorStore | undefined;
  let values: unknown[][] = [];
  let cols: string[] = [];
  const recordRebound = (round: number) => {
    const file = join(dir, `rebound-${name}-${round}.db`);
    const store = ErrorStore.open(file, options);
    const t = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    for (let i = 0; i < N; i += batch) store.recordBatch(inputs.slice(i, i + batch));
    const took = { ms: ms(t), cpuMs: cpuMs(cpu) };
    if (round === 0) {
      // The plain side inserts exactly what Rebound stored (every round stores the same rows).
      const rows = store.db.prepare('SELECT * FROM events ORDER BY id').raw().all() as unknown[][];
      cols = (store.db.prepare('SELECT * FROM events LIMIT 1').columns() as Array<{ name: string }>).map((c) => c.name).filter((c) => c !== 'id');
      values = rows.map((r) => r.slice(1));
      kept = store;
    } else {
      store.close();
      removeDatabase(file);
    }
    return took;
  };
  const insertPlain = (round: number) => {
    const file = join(dir, `plain-${name}-${round}.db`);
    const plain = openDatabase(file).db;
    plain.exec('PRAGMA foreign_keys = OFF');
    const insert = plain.prepare(`INSERT INTO events (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    const t = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    plain.transaction(() => {
      for (const v of values) insert.run(...v);
    })();
    const took = { ms: ms(t), cpuMs: cpuMs(cpu) };
    plain.close();
    removeDatabase(file);
    return took;
  };
  const rounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Round 0 records first (the plain side needs its rows); then the order alternates, so that
    // whatever one side leaves behind (garbage, dirty pages) does not always fall on the other.
    const plainFirst = round % 2 === 1;
    const p = plainFirst ? insertPlain(round) : undefined;
    const r = recordRebound(round);
    const q = p ?? insertPlain(round);
    rounds.push({ reboundMs: r.ms, reboundCpuMs: r.cpuMs, plainMs: q.ms, plainCpuMs: q.cpuMs });
  }
  const store = kept!;
  const rate = (took: number) => (N / took) * 1000;
  const reboundMs = median(rounds.map((r) => r.reboundMs));
  const plainMs = median(rounds.map((r) => r.plainMs));
  const reboundCpuMs = median(rounds.map((r) => r.reboundCpuMs));
  const plainCpuMs = median(rounds.map((r) => r.plainCpuMs));
  // Each round is one side-by-side pair: its ratio is what compares like with like.
  const ratios = rounds.map((r) => r.plainMs / r.reboundMs);
  const cpuRatios = rounds.map((r) => r.plainCpuMs / r.reboundCpuMs);
  const issues = store.listIssues({ status: ['unresolved', 'resolved', 'ignored'] }).total;
  const bytes = Math.round(values.reduce((n, v) => n + v.reduce((m: number, x) => m + (typeof x === 'string' ? x.length : 8), 0), 0) / N);
  report(`[${sqliteDriver().name}, Node ${process.versions.node}] record ${fmt(N)} ${name} events (${issues} issues, ~${bytes} bytes of row data each; Rebound in batches of ${fmt(batch)}; medians of ${ROUNDS} rounds, which side goes first alternating):`);
  report(`  Rebound (classify + redact + fingerprint + issue upsert + counters):`);
  report(`      ${fmt(rate(reboundMs))} events/s wall (${fmt(reboundMs)} ms), ${fmt(rate(reboundCpuMs))} events per CPU-second`);
  report(`  plain ${sqliteDriver().name} INSERT of the same rows, same table and indexes, one transaction:`);
  report(`      ${fmt(rate(plainMs))} events/s wall (${fmt(plainMs)} ms), ${fmt(rate(plainCpuMs))} events per CPU-second`);
  report(
    `  ratio Rebound / plain, median of the rounds' own: ${median(ratios).toFixed(2)} wall (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}), ${median(cpuRatios).toFixed(2)} CPU   (targets: >= 100,000 events/s, >= 0.40)`,
  );
  return store;
}

/** Part 1 alone (recording, heavy and light events) on the driver this process runs. */
export async function runRecording(report: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-bench-store-'));
  try {
    const now = Date.UTC(2025, 5, 30, 12);
    const N = 100_000;
    const inputs = makeInputs(N, now - 30 * DAY, 30 * DAY);
    (await recordSideBySide(dir, 'heavy', inputs, now, 1_000, report)).close();
    const light = makeInputs(N, now - 30 * DAY, 30 * DAY).map((i, k) => ({
      message: (i.error as Error).message,
      output: (i.output ?? '').split('\n', 1)[0],
      context: { task: TASKS[k % TASKS.length], exitCode: 1 },
      time: i.time,
    }));
    (await recordSideBySide(dir, 'light', light, now, 1_000, report)).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(report: (line: string) => void): Promise<void> {
  await runOtherDriver(report);
  const dir = mkdtempSync(join(tmpdir(), 'rebound-bench-store-'));
  try {
    const now = Date.UTC(2025, 5, 30, 12);
    const N = 100_000;
    const BATCH = 1_000;
    // Heavy: command failures with a JS stack and a few lines of output each. Light: a message,
    // an exit code and one line of output.
    const inputs = makeInputs(N, now - 30 * DAY, 30 * DAY);

    // 1. Recording, full pipeline. Flood control is set out of the way so every event is a stored row.
    const heavy = await recordSideBySide(dir, 'heavy', inputs, now, BATCH, report);
    const light = makeInputs(N, now - 30 * DAY, 30 * DAY).map((i, k) => ({
      message: (i.error as Error).message,
      output: (i.output ?? '').split('\n', 1)[0],
      context: { task: TASKS[k % TASKS.length], exitCode: 1 },
      time: i.time,
    }));
    (await recordSideBySide(dir, 'light', light, now, BATCH, report)).close();
    const store = heavy;

    // 2. Grow the store to 1,000,000 events (copies of the recorded rows spread over 30 days).
    const t = process.hrtime.bigint();
    const stored = growStore(store, N, 1_000_000);
    report(`grew the store to ${fmt(stored)} stored events in ${fmt(ms(t))} ms (copies of the recorded rows without stack and details; setup, not measured)`);

    const time = (what: string, f: () => unknown, runs = 15) => {
      const first = process.hrtime.bigint();
      f();
      const cold = ms(first);
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = process.hrtime.bigint();
        f();
        xs.push(ms(s));
      }
      report(`  ${what.padEnd(58)} first ${cold.toFixed(2)} ms, median ${median(xs).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`);
    };
    report(`queries over ${fmt(stored)} events (target < 50 ms):`);
    time('first page of issues (unresolved, by last seen, 50 + total)', () => store.listIssues({ status: 'unresolved' }, { limit: 50 }));
    time('first page of issues sorted by count', () => store.listIssues({ status: 'unresolved' }, { limit: 50 }, { key: 'count' }));
    time('dashboard statistics (totals, breakdowns, 24 h, 30 d, retry)', () => store.statistics());
    time('health', () => store.health());
    time('first page of events (newest first)', () => store.listEvents({}, { limit: 50 }));
    time('first page of events of one task', () => store.listEvents({ task: 'deploy' }, { limit: 50 }));
    time('first page of events, severity CRITICAL', () => store.listEvents({ severity: 'CRITICAL' }, { limit: 50 }));
    store.close();

    // 3. Classification throughput: one 1,000,000-line output, mostly ordinary lines, 1 in 200 an error.
    const ordinary = [
      '[12:00:01] Compiling src/components/Button.tsx ...',
      '    at Object.<anonymous> (/home/user/project/src/index.js:12:5)',
      'npm info run build',
      'webpack 5.88.2 compiled successfully in 1234 ms',
      'Downloading https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz',
      'info: server listening on port 3000',
      '  ✓ adds two numbers (3ms)',
      'Done in 2.31s.',
    ];
    const errorsLines = ['Error: connect ECONNREFUSED 127.0.0.1:5432', 'npm ERR! 503 Service Unavailable', 'SqliteError: database is locked', 'error TS2304: Cannot find name x'];
    const LINES = 1_000_000;
    const lines: string[] = [];
    for (let i = 0; i < LINES; i++) lines.push(i % 200 === 199 ? errorsLines[(i / 200) % errorsLines.length | 0] : ordinary[i % ordinary.length]);
    const output = lines.join('\n');
    defaultClassifier.classify({ output: output.slice(0, 100_000) });
    const rates: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = process.hrtime.bigint();
      const c = defaultClassifier.classify({ output, exitCode: 1 });
      const took = ms(s);
      if (c.category === undefined) throw new Error('no category');
      rates.push((LINES / took) * 1000);
    }
    report(`classification, built-in rules, one output of ${fmt(LINES)} lines (${(output.length / 1e6).toFixed(1)} MB):`);
    report(`  median ${fmt(median(rates))} lines/s, best ${fmt(Math.max(...rates))} lines/s   (target >= 1,000,000 lines/s)`);
    const short = makeInputs(10_000, now, DAY).map((i) => ({ message: (i.error as Error).message, output: i.output, exitCode: 1 }));
    const s = process.hrtime.bigint();
    for (let r = 0; r < 10; r++) for (const x of short) defaultClassifier.classify(x);
    report(`  typical failures (message + 2-4 output lines): ${fmt((100_000 / ms(s)) * 1000)} classifications/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The recording part again on the other driver: node:sqlite, in a Node 22 process (from the harness
 * cache; better-sqlite3's binary here is built for Node 20, so each driver runs on its own Node).
 */
async function runOtherDriver(report: (line: string) => void): Promise<void> {
  if (process.env.REBOUND_SQLITE_DRIVER === 'node:sqlite') return;
  const node = await ensureNode(NODE22_VERSION);
  report(`recording on node:sqlite (Node ${NODE22_VERSION}), each side measured through that driver:`);
  const r = spawnSync(node, ['-e', `require(${JSON.stringify(__filename)}).runRecording((l) => console.log(l)).catch((e) => { console.error(e); process.exit(1); })`], {
    env: { ...process.env, REBOUND_SQLITE_DRIVER: 'node:sqlite' },
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  for (const line of r.stdout.split('\n').filter(Boolean)) report(line);
  if (r.status !== 0) report(`  (the node:sqlite run failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')})`);
  report(`recording on ${sqliteDriver().name} (Node ${process.versions.node}):`);
}
