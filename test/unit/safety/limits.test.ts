import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configJsonSchema, parseConfig } from '../../../src/engine/config';
import { ErrorStore } from '../../../src/store/errorStore';
import { recordDistinctFailures, word } from './flood';

const MiB = 1024 * 1024;

describe('safety: limits of the error store', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  let t: number;
  const clock = { now: () => t, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebound-limits-'));
    file = join(dir, 'rebound.db');
    t = Date.UTC(2026, 0, 1);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const totalCount = (store: ErrorStore) => store.db.prepare('SELECT sum(count) FROM issues').pluck().get() as number;

  it('the limits are config keys with defaults, in the zod schema and the generated JSON schema', () => {
    const ok = parseConfig(JSON.stringify({ limits: { maxDatabaseMb: 64, maxEventsPerRun: 50, maxNewIssuesPerWindow: 10, maxEventsPerWindow: 100 } }), 'config.json');
    assert.ok(ok.ok);
    const bad = parseConfig(JSON.stringify({ limits: { maxDatabaseMB: 64 } }), 'config.json');
    assert.ok(!bad.ok);
    const schema = JSON.stringify(configJsonSchema());
    for (const key of ['maxDatabaseMb', 'maxEventsPerRun', 'maxNewIssuesPerWindow', 'maxEventsPerWindow']) assert.ok(schema.includes(key), key);
  });

  it('distinct failures past the new-issue budget are counted on an overflow issue; the database stays under its size limit (10,000 scaled from 100,000)', () => {
    const store = ErrorStore.open(file, { clock, limits: { maxDatabaseMb: 4 } });
    try {
      const n = 10_000;
      recordDistinctFailures(store, n, () => (t += 50));
      const issues = store.db.prepare('SELECT count(*) FROM issues').pluck().get() as number;
      const overflow = store.db.prepare(`SELECT sum(count) FROM issues WHERE fingerprint LIKE 'overflow:%'`).pluck().get() as number;
      // Every failure is counted exactly once, on its own issue or on the overflow issue of its code.
      assert.equal(totalCount(store), n);
      assert.ok(overflow > 0, 'some failures went to the overflow issue');
      // 10,000 failures at 50 ms apart span 500 s: one window, so at most 1000 own issues plus overflow.
      assert.ok(issues <= 1000 + 5, `${issues} issues`);
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      assert.ok(statSync(file).size <= 4 * MiB, `${statSync(file).size} bytes`);
    } finally {
      store.close();
    }
  });

  it('distinct failures spread over time (no flood): past the size limit the oldest issues are folded into overflow issues, the total count exact', () => {
    const store = ErrorStore.open(file, { clock, limits: { maxDatabaseMb: 2 } });
    try {
      const n = 8000;
      // One failure every 40 s: fewer than 1000 new issues per hour, so flood control never steps in.
      recordDistinctFailures(store, n, () => (t += 40_000), 200);
      assert.ok(store.lastTrim && store.lastTrim.folded > 0, JSON.stringify(store.lastTrim));
      assert.equal(totalCount(store), n, 'every failure still counted once');
      const newest = store.db.prepare(`SELECT count(*) FROM issues WHERE fingerprint NOT LIKE 'overflow:%'`).pluck().get() as number;
      assert.ok(newest >= 100, 'the newest issues keep their own rows');
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      assert.ok(statSync(file).size <= 2 * MiB, `${statSync(file).size} bytes`);
    } finally {
      store.close();
    }
  });

  it('size limit: oldest events go first, every issue keeps its latest event, issue counts stay exact', () => {
    const store = ErrorStore.open(file, { clock, limits: { maxDatabaseMb: 1, maxEventsPerWindow: 1_000_000 }, retention: { floodCap: 1_000_000 } });
    try {
      const filler = 'x'.repeat(3000);
      for (let batch = 0; batch < 30; batch++) {
        store.recordBatch(
          Array.from({ length: 50 }, (_, i) => ({ message: `failure kind ${word(i % 5)}`, details: `${batch}-${i} ${filler}`, time: (t += 1000), context: { component: 'tasks' } })),
        );
      }
      assert.ok(store.lastTrim && store.lastTrim.deleted > 0, 'the limit was reached and events deleted');
      assert.equal(totalCount(store), 1500, 'counts stay exact');
      const issues = store.listIssues().items;
      assert.equal(issues.length, 5);
      for (const issue of issues) {
        const latest = store.db.prepare('SELECT max(time) FROM events WHERE issue_id = ?').pluck().get(issue.id) as number;
        assert.equal(latest, issue.lastSeen, `issue ${issue.id} keeps its latest event`);
      }
      // The oldest went first: what is left is a suffix in time.
      const oldestLeft = store.db.prepare('SELECT min(time) FROM events').pluck().get() as number;
      const deletedNewer = store.db.prepare('SELECT count(*) FROM events WHERE time < ?').pluck().get(oldestLeft) as number;
      assert.equal(deletedNewer, 0);
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      assert.ok(statSync(file).size <= 1 * MiB, `${statSync(file).size} bytes`);
    } finally {
      store.close();
    }
  });

  it('events per run: past the limit a run\'s events are only counted', () => {
    const store = ErrorStore.open(file, { clock, limits: { maxEventsPerRun: 5 } });
    try {
      for (let i = 0; i < 20; i++) store.record({ message: 'step failed: exit 1', time: (t += 1000), context: { component: 'tasks', task: 'build', runId: 'run-1' } });
      store.record({ message: 'step failed: exit 1', time: (t += 1000), context: { component: 'tasks', task: 'build', runId: 'run-2' } });
      assert.equal(store.listEvents({ runId: 'run-1' }).items.length, 5);
      assert.equal(store.listEvents({ runId: 'run-2' }).items.length, 1);
      assert.equal(totalCount(store), 21);
    } finally {
      store.close();
    }
  });

  it('events per window across issues: past the limit events are only counted, and a new window stores again', () => {
    const store = ErrorStore.open(file, { clock, limits: { maxEventsPerWindow: 10 }, retention: { floodWindowMs: 3_600_000 } });
    try {
      for (let i = 0; i < 30; i++) store.record({ message: `failure ${word(i % 3)}`, time: (t += 1000), context: { component: 'tasks' } });
      assert.equal(store.db.prepare('SELECT count(*) FROM events').pluck().get(), 10);
      t += 3_600_000;
      store.record({ message: `failure ${word(0)}`, time: t, context: { component: 'tasks' } });
      assert.equal(store.db.prepare('SELECT count(*) FROM events').pluck().get(), 11);
      assert.equal(totalCount(store), 31);
    } finally {
      store.close();
    }
  });
});
