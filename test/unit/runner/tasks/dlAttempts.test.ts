import assert from 'node:assert/strict';
import type { TaskDefinition } from '../../../../src/engine/tasks';
import { TaskRunner } from '../../../../src/runner/tasks';
import { DeadLetterRepository } from '../../../../src/store/deadLetters';
import { sandbox, task, type Sandbox } from './helpers';

/** A dead letter counts the attempts that really ran: one for a run that was not retried. */
describe('task dead letters: attempt counts (real processes)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let defs: Map<string, TaskDefinition>;
  let runner: TaskRunner;
  beforeEach(() => {
    sb = sandbox();
    defs = new Map();
    runner = new TaskRunner({ root: sb.root, store: sb.store, tasks: () => defs });
  });
  afterEach(() => sb.dispose());

  it('a permanent failure that ran once parks a letter with one attempt; three failed attempts park three; a third step failing once parks one', async () => {
    // A type error with problems is parked only when the task asks (deadLetter: true); a task keeps one pending letter.
    defs.set('build', task('build', [{ name: 'build', command: 'echo "src/a.ts(1,1): error TS2322: nope"; exit 2' }], { retry: 'none', deadLetter: true }));
    defs.set('fetch', task('fetch', [{ name: 'fetch', command: 'echo "read ECONNRESET" >&2; exit 1' }]));
    defs.set('deploy', task('deploy', [
      { name: 'upload', command: 'echo up', undo: 'echo down' },
      { name: 'migrate', command: 'echo mig', undo: 'echo unmig' },
      { name: 'switch', command: 'echo "permission denied (EACCES)" >&2; exit 1' },
    ], { retry: 'none' }));
    const repo = new DeadLetterRepository(sb.store.db);
    const b1 = await runner.run('build');
    const b2 = await runner.run('build');
    const f = await runner.run('fetch');
    assert.equal(b2.deadLetterId, b1.deadLetterId, 'the second failure updates the pending letter');
    assert.equal(repo.get(b2.deadLetterId!)!.attempts.length, 1, 'the attempts of the latest run');
    assert.equal(repo.get(b2.deadLetterId!)!.context.failures, 2);
    assert.equal(repo.get(f.deadLetterId!)!.attempts.length, 3);
    // Three steps ran once each; the parked work is the failed step, which ran once.
    const d = await runner.run('deploy');
    const letter = repo.get(d.deadLetterId!)!;
    assert.equal(letter.attempts.length, 1, JSON.stringify(letter.attempts));
    assert.equal(letter.attempts[0].outcome, 'failure');
  });
});
