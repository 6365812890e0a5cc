import assert from 'node:assert/strict';
import { canStepTransition, checkJournal, replayJournal, type JournalRecord } from '../../../../src/engine/tasks';

const started: JournalRecord = { entry: 'run-started', stepIndex: null, data: { steps: ['a', 'b'] } };
const step = (i: number, from: string, to: string): JournalRecord => ({ entry: 'step', stepIndex: i, data: { from, to } });

describe('journal consistency checker', () => {
  it('replays a full run with a retry, an undo, a crash and a resume', () => {
    const entries: JournalRecord[] = [
      started,
      step(0, 'pending', 'running'),
      { entry: 'attempt', stepIndex: 0, data: { attempt: 1 } },
      step(0, 'running', 'done'),
      step(1, 'pending', 'running'),
      { entry: 'run-resumed', stepIndex: null, data: { from: 'running' } },
      step(1, 'running', 'failed'),
      step(1, 'failed', 'running'),
      step(1, 'running', 'done'),
      { entry: 'run-ended', stepIndex: null, data: { state: 'recovered' } },
    ];
    const r = replayJournal(entries);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.replayed, { state: 'recovered', steps: ['done', 'done'] });
    const ok = checkJournal({ state: 'recovered', steps: [{ index: 0, state: 'done' }, { index: 1, state: 'done' }] }, entries);
    assert.equal(ok.ok, true);
  });

  it('reports tables that disagree with the journal', () => {
    const entries = [started, step(0, 'pending', 'running')];
    const c = checkJournal({ state: 'failed', steps: [{ index: 0, state: 'done' }, { index: 1, state: 'pending' }] }, entries);
    assert.equal(c.ok, false);
    assert.deepEqual(c.problems, ['the run is failed, the journal says running', 'step 0 is done, the journal says running']);
  });

  it('reports impossible transitions, wrong from-states, unknown steps and changes after the end', () => {
    const c = replayJournal([
      started,
      step(0, 'pending', 'done'),
      step(1, 'running', 'failed'),
      step(7, 'pending', 'running'),
      { entry: 'run-ended', stepIndex: null, data: { state: 'failed' } },
      step(1, 'failed', 'running'),
    ]);
    assert.equal(c.problems.length, 5, c.problems.join('\n'));
    assert.match(c.problems[0], /pending -> done is not a valid transition/);
    assert.match(c.problems[1], /says the step was running, the journal says pending/);
    assert.match(c.problems[3], /no such step/);
    assert.match(c.problems[4], /while the run was failed/);
  });

  it('knows the step state machine', () => {
    assert.ok(canStepTransition('pending', 'running'));
    assert.ok(canStepTransition('done', 'undoing'));
    assert.ok(canStepTransition('undone', 'running'));
    assert.ok(!canStepTransition('done', 'running'));
    assert.ok(!canStepTransition('skipped', 'running'));
  });
});
