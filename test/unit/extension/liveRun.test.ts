import assert from 'node:assert/strict';
import type { TaskDefinition } from '../../../src/engine/tasks';
import { resolveRetryConfig } from '../../../src/engine/resilience';
import { TaskRunner, type TaskProgress } from '../../../src/runner/tasks';
import { BreakerRepository } from '../../../src/store/breakers';
import { LiveRun, describeLive, type BreakerReading } from '../../../src/extension/tasks/liveRun';
import { sandbox, task, type Sandbox } from '../runner/tasks/helpers';

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** The terminal lines and Tasks view status of a live run, from the progress of real runs. */
describe('live run: terminal lines and Tasks view status (real processes)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let defs: Map<string, TaskDefinition>;
  let runner: TaskRunner;
  let now = 1_000_000;

  const liveFor = (name: string) =>
    new LiveRun(name, {
      now: () => now,
      maxAttempts: (t) => {
        const d = defs.get(t);
        return d ? resolveRetryConfig(d.retry).maxAttempts : undefined;
      },
      breaker: (t): BreakerReading | undefined => {
        const key = defs.get(t)?.breaker?.name;
        const b = key ? new BreakerRepository(sb.store.db).get(key) : undefined;
        return b ? { key: b.key, state: b.state, retryAt: b.snapshot.openedAt !== null && b.snapshot.breakMs !== null ? b.snapshot.openedAt + b.snapshot.breakMs : null } : undefined;
      },
    });

  beforeEach(() => {
    sb = sandbox();
    defs = new Map();
    runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs });
  });
  afterEach(() => sb.dispose());

  it('marks attempts, waits, the breaker opening and the fallback, then one summary line', async () => {
    const breaker = { name: 'reporting', config: { kind: 'consecutive' as const, threshold: 3, halfOpenAfterMs: 600_000 } };
    defs.set('report', task('report', [{ name: 'report', command: 'echo "HTTP 503 Service Unavailable" >&2; exit 1' }], { breaker, fallback: 'report-offline', retry: { maxAttempts: 5, backoff: { kind: 'fixed', baseMs: 1 } } }));
    defs.set('report-offline', task('report-offline', [{ name: 'report-offline', command: 'echo from the cache' }]));
    const live = liveFor('report');
    const lines: string[] = [];
    const statuses: string[] = [];
    const r = await runner.run('report', {
      onProgress: (e: TaskProgress) => {
        lines.push(...live.onProgress(e));
        statuses.push(describeLive(live.status(), now));
      },
    });
    const { verdict, line } = live.summary(r);
    lines.push(line);
    const text = lines.map(plain);
    assert.ok(text.some((l) => /^\[attempt\] attempt 1\/5 failed \[RB-HTTP-503, transient\]/.test(l)), text.join(''));
    assert.ok(text.some((l) => /^\[wait\] retrying in 0\.0 s \(attempt 2\/5 next\)/.test(l)), text.join(''));
    assert.ok(text.some((l) => /^\[attempt\] attempt 2\/5 of "report" starts/.test(l)), text.join(''));
    assert.ok(text.some((l) => /^\[breaker\] breaker "reporting" closed → open/.test(l)), text.join(''));
    assert.ok(text.some((l) => /^\[breaker\] attempt 4\/5 refused: breaker "reporting" is open/.test(l)), text.join(''));
    assert.ok(text.findIndex((l) => l.startsWith('[breaker] breaker')) < text.findIndex((l) => l.includes('(attempt 4/5 next)')), 'the breaker opened before the wait for attempt 4');
    assert.ok(text.some((l) => /^\[fallback\] "report" gave up: running its fallback "report-offline"/.test(l)), text.join(''));
    assert.equal(text.filter((l) => l.startsWith('[result]')).length, 1, 'one summary line');
    assert.match(text[text.length - 1], /^\[result\] ✓ report succeeded through its fallback "report-offline" \(the task itself failed: RB-CIRCUIT-001\)/);
    assert.equal(verdict.kind, 'degraded');
    // Each kind of line has its own colour.
    assert.ok(lines.find((l) => plain(l).startsWith('[breaker]'))!.startsWith('\x1b[35m'));
    assert.ok(lines.find((l) => plain(l).startsWith('[fallback]'))!.startsWith('\x1b[34m'));
    assert.ok(statuses.includes('attempt 2/5 in 1 s'), statuses.join(' | '));
    assert.equal(statuses[statuses.length - 1], 'fallback "report-offline"', statuses.join(' | '));
  });

  it('counts down to the next retry when shown, and marks the undo steps', async () => {
    defs.set('deploy', task('deploy', [
      { name: 'upload', command: 'echo up', undo: 'echo down' },
      { name: 'switch', command: 'echo "read ECONNRESET" >&2; exit 1' },
    ], { retry: { maxAttempts: 2, backoff: { kind: 'fixed', baseMs: 1 } } }));
    const live = liveFor('deploy');
    const lines: string[] = [];
    let waiting: ReturnType<LiveRun['status']> | undefined;
    const r = await runner.run('deploy', {
      onProgress: (e) => {
        lines.push(...live.onProgress(e).map(plain));
        if (e.kind === 'retry-wait') waiting = live.status();
      },
    });
    assert.ok(waiting, 'a retry wait was reported');
    // The countdown is computed from the time it is shown: it moves.
    const at = waiting.retryAt!;
    assert.equal(describeLive({ ...waiting, retryAt: at + 3000 }, at), 'step 2/2 switch · attempt 2/2 in 3 s');
    assert.equal(describeLive({ ...waiting, retryAt: at + 3000 }, at + 2000), 'step 2/2 switch · attempt 2/2 in 1 s');
    assert.ok(lines.includes('[step] step 1/2 "upload"\n'), lines.join(''));
    assert.ok(lines.includes('[undo] undo of step 1 "upload" done\n'), lines.join(''));
    const { line } = live.summary(r);
    assert.match(plain(line), /^\[result\] ✗ deploy failed \(RB-NET-ECONNRESET\): Step "switch" of task "deploy" exited with code 1 after 2 attempts\n$/);
    now += 1;
  });
});
