import assert from 'node:assert/strict';
import { codeOf } from '../../../src/engine/errors/codes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReboundError } from '../../../src/engine/errors';
import { fixedBackoff, retry } from '../../../src/engine/resilience';
import { AttemptRepository, recordAttempts } from '../../../src/store/attempts';
import { openDatabase } from '../../../src/store/database';
import type { Database } from '../../../src/store/sqlite';
import { ManualClock } from '../manualClock';

describe('attempt repository (real SQLite file)', () => {
  let dir: string;
  let db: Database;
  let repo: AttemptRepository;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebound-attempts-'));
    db = openDatabase(join(dir, 'rebound.db')).db;
    repo = new AttemptRepository(db);
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every attempt of a retry policy: number, delay, duration, outcome, error code', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 4, backoff: fixedBackoff(100), clock });
    const sub = recordAttempts(policy, repo, { operation: 'build', runId: 'run-7', component: 'registry' });
    let n = 0;
    const done = policy.execute(async () => {
      await new Promise<void>((r) => clock.setTimeout(r, 20));
      if (++n < 3) throw new ReboundError('locked', { code: codeOf('APP-DB-LOCKED'), category: 'transient', retryable: true });
      return 'ok';
    });
    await clock.advance(1000);
    assert.equal(await done, 'ok');
    sub.dispose();
    const rows = repo.list({ runId: 'run-7' });
    assert.deepEqual(
      rows.map((r) => [r.number, r.delayMs, r.durationMs, r.outcome, r.errorCode ?? null, r.operation, r.component]),
      [
        [1, 0, 20, 'failure', 'APP-DB-LOCKED', 'build', 'registry'],
        [2, 100, 20, 'failure', 'APP-DB-LOCKED', 'build', 'registry'],
        [3, 100, 20, 'success', null, 'build', 'registry'],
      ],
    );
    assert.equal(rows[0].category, 'transient');
    assert.equal(rows[1].startedAt - rows[0].startedAt, 120);
  });

  it('recordAll stores an outcome in one go; list filters; summary counts recoveries', async () => {
    const policy = retry({ maxAttempts: 3, backoff: fixedBackoff(0) });
    let n = 0;
    const out = await policy.executeWithOutcome(() => (++n < 2 ? Promise.reject(new Error('flaky')) : Promise.resolve(1)));
    repo.recordAll({ operation: 'test', runId: 'r1' }, out.attempts);
    const bad = await retry({ maxAttempts: 2, backoff: fixedBackoff(0) }).executeWithOutcome(() => Promise.reject(new Error('down')));
    repo.recordAll({ operation: 'deploy', runId: 'r2' }, bad.attempts);
    assert.equal(repo.list().length, 4);
    assert.equal(repo.list({ operation: 'deploy' }).length, 2);
    assert.equal(repo.list({ outcome: 'success' }).length, 1);
    const s = repo.summary();
    assert.deepEqual([s.attempts, s.successes, s.failures, s.retries, s.recoveredByRetry], [4, 1, 3, 2, 1]);
    assert.deepEqual(repo.summary({ operation: 'nothing' }).attempts, 0);
    const cutoff = Math.max(...repo.list().map((a) => a.startedAt)) + 1;
    assert.equal(repo.deleteBefore(cutoff), 4);
  });
});
