import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkJournal, type TaskDefinition } from '../../../../src/engine/tasks';
import { isProcessAlive } from '../../../../src/runner/process';
import { RUN_ID_ENV, TaskRunner } from '../../../../src/runner/tasks';
import type { RunOwner } from '../../../../src/store/runs';
import { ManualClock } from '../../manualClock';
import { deadPid, sandbox, task, waitFor, type Sandbox } from './helpers';

/** Who owns a run, and what a runner does when it is not (or no longer) the owner. */
describe('task runner: run ownership (claims, heartbeats, real processes)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let defs: Map<string, TaskDefinition>;
  const children: ChildProcess[] = [];
  const log = (word: string) => `echo ${word} >> log.txt`;
  /** Another process that recovers runs too (a pid of this host with another start time). */
  const other: RunOwner = { pid: process.pid, host: hostname(), startTime: 42 };

  const consistent = (runner: TaskRunner, runId: string) => {
    const run = runner.runs.require(runId);
    assert.deepEqual(checkJournal(run, runner.runs.journal(runId)).problems, []);
    return run;
  };

  /** A run of `def` whose owner died with `done` steps done and the next one running. */
  const crashed = (runner: TaskRunner, id: string, def: TaskDefinition, done: number) => {
    runner.runs.start({ id, name: def.name, owner: { pid: deadPid(), host: hostname(), startTime: null }, definition: def, steps: def.steps.map((s) => s.name) });
    for (let i = 0; i < done; i++) {
      runner.runs.transition(id, i, { to: 'running' });
      runner.runs.transition(id, i, { to: 'done' });
    }
    if (done < def.steps.length) runner.runs.transition(id, done, { to: 'running' });
  };

  beforeEach(() => {
    sb = sandbox();
    defs = new Map();
  });

  afterEach(() => {
    for (const c of children.splice(0)) {
      try {
        process.kill(c.pid!, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    sb.dispose();
  });

  it('a recovery that loses the claim to another recovery stops none of its processes (recover and resume)', async () => {
    const def = task('etl', [
      { name: 'extract', command: log('extract') },
      { name: 'load', command: log('load') },
    ]);
    defs.set('etl', def);
    for (const via of ['recover', 'resume'] as const) {
      const id = `crashed-${via}`;
      let step: ChildProcess | undefined;
      // The race, made deterministic: this runner has read the dead run; before it claims it,
      // another recovery claims it and starts the step again (a process carrying the run id).
      const late: TaskRunner = new TaskRunner({
        root: sb.root,
        store: sb.store,
        tasks: () => defs,
        isAlive: () => {
          if (!step && late.runs.get(id)?.owner.startTime === null) {
            assert.ok(late.runs.claim(id, other, late.runs.require(id), { reason: 'recovery' }));
            step = spawn('sleep', ['30'], { env: { ...process.env, [RUN_ID_ENV]: id }, detached: true, stdio: 'ignore' });
            children.push(step);
          }
          return false;
        },
      });
      crashed(late, id, def, 1);
      const attempt = via === 'recover' ? late.recover(id, 'resume') : late.resume(id);
      await assert.rejects(attempt, /was taken over by another process meanwhile/);
      assert.ok(step, 'the other recovery started its step');
      assert.equal(isProcessAlive(step.pid!), true, `${via}: the other recovery's step is still running`);
      const run = consistent(late, id);
      assert.deepEqual([run.state, run.owner.startTime], ['running', 42], 'the run stays with the recovery that claimed it');
    }
    assert.deepEqual(sb.log(), [], 'the losing recovery ran nothing');
  });

  it('a heartbeat that finds the run taken over stops the step and leaves the run to its new owner', async () => {
    const clock = new ManualClock(Date.now());
    const runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs, clock, heartbeatMs: 1000 });
    sb.script('slow.sh', `${log('slow-start')}\nsleep 30 &\necho $! > child.pid\nwait`);
    defs.set('long', task('long', [{ name: 'slow', command: 'sh slow.sh' }, { name: 'after', command: log('after') }], { fallback: 'later' }));
    defs.set('later', task('later', [{ name: 'later', command: log('fallback') }]));
    let runId = '';
    const started = Date.now();
    const done = runner.run('long', { onProgress: (e) => e.kind === 'run-start' && (runId = e.runId) });
    await waitFor(() => existsSync(join(sb.root, 'child.pid')) && readFileSync(join(sb.root, 'child.pid'), 'utf8').trim() !== '');
    const child = Number(readFileSync(join(sb.root, 'child.pid'), 'utf8'));
    await clock.advance(1000);
    assert.equal(runner.runs.require(runId).heartbeat, clock.now(), 'the heartbeat is written while the step runs');
    // Another process takes the run over (it thought this one was gone).
    assert.ok(runner.runs.claim(runId, other, runner.runs.require(runId), { reason: 'recovery' }));
    const journalAtClaim = runner.runs.journal(runId).length;
    await clock.advance(1000);
    const r = await done;
    assert.ok(Date.now() - started < 10_000, 'the step was stopped, not waited for');
    assert.equal(isProcessAlive(child), false, 'the step\'s process tree is gone');
    assert.equal(r.ok, false);
    assert.equal(r.cancelled, false);
    assert.equal(r.state, 'running', 'the run is the new owner\'s');
    assert.equal(r.error!.code, 'RB-RECOVER-001');
    assert.match(r.error!.message, /another process took it over/);
    const run = consistent(runner, runId);
    assert.deepEqual([run.state, run.owner.startTime], ['running', 42]);
    assert.deepEqual(run.steps.map((s) => s.state), ['running', 'pending'], 'no step state was touched');
    assert.equal(runner.runs.journal(runId).length, journalAtClaim, 'nothing journaled after the takeover');
    assert.equal(runner.deadLetters.count(), 0);
    assert.deepEqual(sb.log(), ['slow-start'], 'neither the next step nor the fallback ran');
    assert.equal(sb.store.eventsByTask('long').items.length, 0);
  });

  it('a recovery rollback keeps the heartbeat while its undos run, and stops when the run is taken over', async () => {
    const clock = new ManualClock(Date.now());
    const runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs, clock, heartbeatMs: 1000 });
    /** An undo that logs its start, then waits for the file `go-N-RUNID`. */
    const undo = (n: number) => `${log(`undo-${n}-start`)}; while [ ! -f go-${n}-$${RUN_ID_ENV} ]; do sleep 0.02; done; ${log(`undo-${n}`)}`;
    const def = task('deploy', [
      { name: 'a', command: log('a'), undo: undo(1) },
      { name: 'b', command: log('b'), undo: undo(2) },
      { name: 'c', command: log('c') },
    ]);
    defs.set('deploy', def);

    crashed(runner, 'r1', def, 2);
    const rb = runner.recover('r1', 'rollback');
    await waitFor(() => sb.log().includes('undo-2-start'));
    const before = runner.runs.require('r1').heartbeat;
    await clock.advance(1000);
    assert.equal(runner.runs.require('r1').heartbeat, clock.now(), 'the rollback writes its heartbeat');
    assert.ok(clock.now() > before);
    writeFileSync(join(sb.root, 'go-2-r1'), '');
    writeFileSync(join(sb.root, 'go-1-r1'), '');
    const ok = await rb;
    assert.equal(ok.ok, true, ok.message);
    assert.equal(consistent(runner, 'r1').state, 'rolled-back');

    crashed(runner, 'r2', def, 2);
    const lost = runner.recover('r2', 'rollback');
    await waitFor(() => sb.log().filter((l) => l === 'undo-2-start').length === 2);
    assert.ok(runner.runs.claim('r2', other, runner.runs.require('r2'), { reason: 'recovery' }));
    const journalAtClaim = runner.runs.journal('r2').length;
    await clock.advance(1000);
    const r = await lost;
    assert.equal(r.ok, false);
    assert.match(r.message, /another process took it over/);
    const run = consistent(runner, 'r2');
    assert.deepEqual([run.state, run.owner.startTime], ['running', 42]);
    assert.deepEqual(run.steps.map((s) => s.state), ['done', 'undoing', 'failed'], 'the undo in flight was stopped; its state is the new owner\'s');
    assert.equal(runner.runs.journal('r2').length, journalAtClaim);
    assert.deepEqual(runner.runs.recoveries('r2').map((x) => x.outcome), ['failed']);
    assert.equal(sb.log().filter((l) => l === 'undo-1-start').length, 1, 'no further undo started');
  });
});
