import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkJournal, definitionHash } from '../../../src/engine/tasks';
import { openDatabase } from '../../../src/store/database';
import { RunRepository, type RunOwner } from '../../../src/store/runs';
import type { Database } from '../../../src/store/sqlite';

describe('run repository (real SQLite file)', () => {
  let dir: string;
  let file: string;
  let db: Database;
  let t: number;
  let repo: RunRepository;
  const me: RunOwner = { pid: 4242, host: 'here', startTime: 1000 };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebound-runs-'));
    file = join(dir, 'rebound.db');
    db = openDatabase(file).db;
    t = 1_700_000_000_000;
    repo = new RunRepository(db, { now: () => t });
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const consistent = (id: string) => {
    const run = repo.require(id);
    const check = checkJournal(run, repo.journal(id));
    assert.deepEqual(check.problems, []);
    return run;
  };

  it('starts a run with pending steps and journals every transition in the same transaction', () => {
    const def = { name: 'deploy', steps: [{ name: 'a', command: 'push --token=t0k3n-abc' }], cwd: '.', env: { API: 'v4lue-secret' }, retry: 'none', problems: [], rules: [] };
    const run = repo.start({ id: 'r1', name: 'deploy', owner: me, definition: def, steps: ['a', 'b', 'c'] });
    assert.equal(run.state, 'running');
    assert.deepEqual(run.steps.map((s) => s.state), ['pending', 'pending', 'pending']);
    assert.deepEqual(run.owner, me);
    // The run keeps a redacted copy for display and the hash of what it executes, not the definition.
    assert.deepEqual(run.definition, { name: 'deploy', steps: [{ name: 'a', command: 'push --token=[REDACTED]' }], cwd: '.', env: { API: '[REDACTED]' } });
    assert.equal(run.definitionHash, definitionHash(def as never));
    t += 10;
    repo.transition('r1', 0, { to: 'running' });
    t += 10;
    const done = repo.transition('r1', 0, { from: 'running', to: 'done', exitCode: 0 });
    assert.equal(done.exitCode, 0);
    assert.equal(done.endedAt, t);
    repo.transition('r1', 1, { to: 'running' });
    repo.note('r1', 'attempt', 1, { attempt: 1, code: 'RB-NET-ECONNRESET' });
    repo.transition('r1', 1, { to: 'failed', exitCode: 1 });
    repo.transition('r1', 0, { to: 'undoing' });
    repo.transition('r1', 0, { to: 'undone' });
    const ended = repo.finish('r1', 'failed', { errorCode: 'RB-EXEC-001' });
    assert.equal(ended.state, 'failed');
    assert.equal(ended.errorCode, 'RB-EXEC-001');
    assert.equal(ended.endedAt, t);
    const run2 = consistent('r1');
    assert.deepEqual(run2.steps.map((s) => s.state), ['undone', 'failed', 'pending']);
    const journal = repo.journal('r1');
    assert.deepEqual(
      journal.map((e) => e.entry),
      ['run-started', 'step', 'step', 'step', 'attempt', 'step', 'step', 'step', 'run-ended'],
    );
    assert.deepEqual(journal[2].data, { from: 'running', to: 'done', exitCode: 0 });
  });

  it('refuses an invalid or unexpected transition and leaves state and journal untouched', () => {
    repo.start({ id: 'r1', name: 'x', owner: me, definition: {}, steps: ['a'] });
    assert.throws(() => repo.transition('r1', 0, { to: 'done' }), /is pending; it cannot become done/);
    repo.transition('r1', 0, { to: 'running' });
    assert.throws(() => repo.transition('r1', 0, { from: 'pending', to: 'failed' }), /is running/);
    assert.throws(() => repo.transition('r1', 5, { to: 'running' }), /has no step 5/);
    assert.throws(() => repo.transition('nope', 0, { to: 'running' }), /has no step/);
    assert.equal(repo.journal('r1').length, 2);
    consistent('r1');
    repo.finish('r1', 'cancelled');
    assert.throws(() => repo.finish('r1', 'failed'), /is cancelled, not running/);
    assert.throws(() => repo.start({ id: 'r2', name: 'x', owner: me, definition: {}, steps: [] }), /has no steps/);
  });

  it('a journal that disagrees with the tables is reported by the checker', () => {
    repo.start({ id: 'r1', name: 'x', owner: me, definition: {}, steps: ['a', 'b'] });
    repo.transition('r1', 0, { to: 'running' });
    db.prepare(`UPDATE run_steps SET state = 'done' WHERE run_id = 'r1' AND idx = 0`).run();
    const check = checkJournal(repo.require('r1'), repo.journal('r1'));
    assert.equal(check.ok, false);
    assert.match(check.problems.join('\n'), /step 0 is done, the journal says running/);
  });

  it('finds interrupted runs: owner gone, pid reused, heartbeat expired elsewhere; not live owners', () => {
    const alive = new Map<number, number | null>([
      [1, 1000], // alive, same start
      [2, 5000], // pid reused by a later process
    ]);
    const isAlive = (o: RunOwner) => alive.has(o.pid) && (o.startTime === null || alive.get(o.pid) === o.startTime);
    repo.start({ id: 'live', name: 'a', owner: { pid: 1, host: 'here', startTime: 1000 }, definition: {}, steps: ['s'] });
    repo.start({ id: 'reused', name: 'b', owner: { pid: 2, host: 'here', startTime: 1000 }, definition: {}, steps: ['s'] });
    repo.start({ id: 'gone', name: 'c', owner: { pid: 3, host: 'here', startTime: 1000 }, definition: {}, steps: ['s'] });
    repo.start({ id: 'remote', name: 'd', owner: { pid: 1, host: 'there', startTime: 1000 }, definition: {}, steps: ['s'] });
    repo.start({ id: 'ended', name: 'e', owner: { pid: 3, host: 'here', startTime: 1000 }, definition: {}, steps: ['s'] });
    repo.finish('ended', 'succeeded');
    const q = { host: 'here', isAlive, staleAfterMs: 60_000 };
    const found = () => Object.fromEntries(repo.interrupted(q).map((i) => [i.run.id, i.reason]));
    assert.deepEqual(found(), { reused: 'pid-reused', gone: 'owner-gone' });
    t += 61_000;
    assert.ok(repo.heartbeat('live', { pid: 1, host: 'here', startTime: 1000 }));
    assert.deepEqual(found(), { reused: 'pid-reused', gone: 'owner-gone', remote: 'heartbeat-expired' });
    // A live owner on this host is never "interrupted", however old its heartbeat.
    t += 600_000;
    assert.equal(found().live, undefined);
    assert.equal(repo.heartbeat('ended', { pid: 3, host: 'here', startTime: 1000 }), false);
    // The same pid and host with another start time is another process: not the owner.
    assert.equal(repo.heartbeat('live', { pid: 1, host: 'here', startTime: 2000 }), false);
    assert.equal(repo.heartbeat('live', { pid: 1, host: 'here', startTime: null }), false);
  });

  it('claim takes a run over only when it is still as seen (one winner of two recoverers)', () => {
    repo.start({ id: 'r1', name: 'x', owner: { pid: 3, host: 'here', startTime: 1 }, definition: {}, steps: ['a', 'b'] });
    repo.transition('r1', 0, { to: 'running' });
    const seen = repo.require('r1');
    t += 5;
    assert.equal(repo.claim('r1', me, seen, { reason: 'recovery' }), true);
    assert.equal(repo.claim('r1', { pid: 9, host: 'here', startTime: 2 }, seen), false);
    const run = consistent('r1');
    assert.deepEqual(run.owner, me);
    assert.equal(run.heartbeat, t);
    repo.transition('r1', 0, { to: 'failed', data: { reason: 'interrupted' } });
    repo.finish('r1', 'failed');
    const failed = repo.require('r1');
    assert.equal(repo.claim('r1', me, failed), true);
    assert.equal(repo.require('r1').endedAt, null);
    consistent('r1');
  });

  it('one live run per task: an exclusive start or claim names the run that holds the task, and changes nothing', () => {
    const alive = new Set([1]);
    const liveness = { host: 'here', isAlive: (o: RunOwner) => alive.has(o.pid), staleAfterMs: 60_000 };
    repo.start({ id: 'first', name: 'deploy', owner: { pid: 1, host: 'here', startTime: 1000 }, definition: {}, steps: ['s'] }, liveness);
    const second = { id: 'second', name: 'deploy', owner: me, definition: {}, steps: ['s'] };
    assert.throws(
      () => repo.start(second, liveness),
      (e: Error & { code?: string; context?: { runId?: string } }) =>
        e.name === 'LockError' && e.code === 'RB-LOCK-001' && e.context?.runId === 'first' && /Task "deploy" is already running: run first, pid 1 on here/.test(e.message),
    );
    assert.equal(repo.get('second'), undefined, 'the refused run was not stored');
    assert.deepEqual(repo.journal('second'), []);
    // Another task, or the same one without the exclusive check, starts.
    repo.start({ ...second, id: 'other', name: 'build' }, liveness);
    // A failed run of the task cannot be resumed while the live run holds it either.
    repo.start({ id: 'old', name: 'deploy', owner: { pid: 7, host: 'here', startTime: 1 }, definition: {}, steps: ['s'] });
    repo.finish('old', 'failed');
    const old = repo.require('old');
    assert.throws(() => repo.claim('old', me, old, { reason: 'resume' }, liveness), /already running: run first/);
    assert.equal(repo.require('old').state, 'failed', 'the refused claim left the run as it was');
    // Once the holder is gone (its run is interrupted), the task is free again.
    alive.delete(1);
    assert.equal(repo.claim('old', me, old, { reason: 'resume' }, liveness), true);
    alive.add(me.pid);
    assert.throws(() => repo.start(second, liveness), /already running: run old, pid 4242/);
  });

  it('lists runs, the last one per task name, and purges old ended runs but the latest of each name', () => {
    for (let i = 0; i < 3; i++) {
      t += 1000;
      repo.start({ id: `b${i}`, name: 'build', owner: me, definition: {}, steps: ['s'] });
      repo.finish(`b${i}`, i === 2 ? 'failed' : 'succeeded');
    }
    t += 1000;
    repo.start({ id: 't0', name: 'test', owner: me, definition: {}, steps: ['s'] });
    assert.deepEqual(repo.list().map((r) => r.id), ['t0', 'b2', 'b1', 'b0']);
    assert.deepEqual(repo.list({ name: 'build', states: ['succeeded'] }).map((r) => r.id), ['b1', 'b0']);
    const last = repo.lastPerName();
    assert.equal(last.get('build')!.id, 'b2');
    assert.equal(last.get('test')!.id, 't0');
    t += 100_000;
    assert.equal(repo.purgeEndedBefore(t), 2);
    assert.deepEqual(repo.list().map((r) => r.id), ['t0', 'b2']);
    assert.equal(repo.journal('b0').length, 0);
  });

  it('records recoveries with their plan, journaled, and their outcome', () => {
    repo.start({ id: 'r1', name: 'x', owner: me, definition: {}, steps: ['a'] });
    const rec = repo.addRecovery('r1', 'guided', 'resume', { summary: 'Resume x from step 1' });
    assert.equal(rec.outcome, null);
    assert.deepEqual(rec.plan, { summary: 'Resume x from step 1' });
    t += 50;
    const ended = repo.endRecovery(rec.id, 'succeeded', 'resumed');
    assert.equal(ended.outcome, 'succeeded');
    assert.equal(ended.endedAt, t);
    assert.deepEqual(repo.recoveries('r1').map((r) => [r.strategy, r.action, r.outcome]), [['guided', 'resume', 'succeeded']]);
    assert.equal(repo.journal('r1').at(-1)!.entry, 'recovery');
    consistent('r1');
  });

  it('survives reopening the file (state is on disk)', () => {
    repo.start({ id: 'r1', name: 'x', owner: me, definition: { a: 1 }, steps: ['a', 'b'] });
    repo.transition('r1', 0, { to: 'running' });
    repo.transition('r1', 0, { to: 'done' });
    db.close();
    db = openDatabase(file).db;
    repo = new RunRepository(db, { now: () => t });
    const run = consistent('r1');
    assert.deepEqual(run.steps.map((s) => s.state), ['done', 'pending']);
  });
});
