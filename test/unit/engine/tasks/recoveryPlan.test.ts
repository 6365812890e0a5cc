import assert from 'node:assert/strict';
import { firstUnfinishedStep, planRecovery, type PlanInputStep, type StepState } from '../../../../src/engine/tasks';

const run = (states: StepState[], withUndo: boolean[] = states.map(() => true)) => ({
  id: 'r1',
  name: 'deploy',
  steps: states.map(
    (state, index): PlanInputStep => ({ index, name: `s${index}`, state, command: `./do${index}.sh`, undo: withUndo[index] ? `./undo${index}.sh` : undefined }),
  ),
});

describe('recovery planner', () => {
  it('finds the first unfinished step', () => {
    assert.equal(firstUnfinishedStep(['done', 'done', 'running', 'pending']), 2);
    assert.equal(firstUnfinishedStep(['done', 'undone', 'done']), 1);
    assert.equal(firstUnfinishedStep(['done', 'done']), null);
    assert.equal(firstUnfinishedStep(['pending']), 0);
  });

  it('resume keeps finished steps and runs every other one from the first unfinished, the interrupted one again', () => {
    const p = planRecovery(run(['done', 'done', 'running', 'pending']), 'resume');
    assert.equal(p.resumeFrom, 2);
    assert.equal(p.completedSteps, 2);
    assert.equal(p.totalSteps, 4);
    assert.deepEqual(p.steps.map((s) => s.ops), [['keep'], ['keep'], ['mark-failed', 'run'], ['run']]);
    assert.equal(p.steps[2].command, './do2.sh');
    assert.match(p.summary, /from step 3 of 4 \(s2\): 2 step\(s\) to run, 2 done step\(s\) kept/);
    assert.match(p.warnings.join(' '), /interrupted while running/);
  });

  it('resume after a partial rollback re-runs undone steps but keeps done steps without undo', () => {
    const p = planRecovery(run(['undone', 'done', 'failed'], [true, false, true]), 'resume');
    assert.equal(p.resumeFrom, 0);
    assert.deepEqual(p.steps.map((s) => s.ops), [['run'], ['keep'], ['run']]);
  });

  it('resume with every step done only records the end', () => {
    const p = planRecovery(run(['done', 'done']), 'resume');
    assert.equal(p.resumeFrom, null);
    assert.match(p.summary, /All 2 steps/);
  });

  it('rollback undoes finished steps in reverse order, only those with an undo command', () => {
    const p = planRecovery(run(['done', 'done', 'done', 'running', 'pending'], [true, false, true, true, true]), 'rollback');
    assert.deepEqual(
      p.steps.map((s) => [s.index, s.ops]),
      [
        [4, ['leave']],
        [3, ['mark-failed']],
        [2, ['undo']],
        [1, ['no-undo']],
        [0, ['undo']],
      ],
    );
    assert.equal(p.steps[2].command, './undo2.sh');
    assert.match(p.warnings.join('\n'), /Step 2 \(s1\) has no undo command/);
    assert.match(p.warnings.join('\n'), /Step 4 \(s3\) was interrupted/);
    assert.match(p.summary, /undo 2 finished step\(s\) in reverse order; steps without an undo command stay in place/);
  });

  it('rollback finishes an interrupted or failed undo', () => {
    const p = planRecovery(run(['done', 'undoing', 'undo-failed', 'failed']), 'rollback');
    assert.deepEqual(p.steps.map((s) => [s.index, s.ops]), [[3, ['leave']], [2, ['undo']], [1, ['mark-failed', 'undo']], [0, ['undo']]]);
  });

  it('abandon runs nothing: interrupted marked failed, unfinished skipped, done left', () => {
    const p = planRecovery(run(['done', 'running', 'pending']), 'abandon');
    assert.deepEqual(p.steps.map((s) => s.ops), [['leave'], ['mark-failed', 'skip'], ['skip']]);
    assert.ok(p.steps.every((s) => !s.ops.includes('run') && !s.ops.includes('undo')));
    assert.match(p.summary, /nothing runs; 1 of 3 step\(s\) stay done/);
  });
});
