import * as assert from 'node:assert/strict';
import { configSchema, resolveTasks } from '../../../../src/engine/config';

describe('config: tasks resolved for the runner', () => {
  const config = configSchema.parse({
    tasks: {
      build: { command: 'make', breaker: 'reg', fallback: 'offline', timeoutMs: 5000, env: { CI: '1' }, problems: ['tsc', { regexp: '(.+):(\\d+) (.*)', file: 1, line: 2, message: 3 }] },
      offline: { command: 'make offline', cwd: 'sub', retry: 'none', description: 'the cached build' },
      deploy: { steps: [{ name: 'up', command: 'u', undo: 'd' }, { name: 'go', command: 'g' }], retry: { maxAttempts: 2 } },
    },
    breakers: { reg: { kind: 'consecutive', threshold: 2 } },
    rules: [{ match: { output: 'locked' }, category: 'transient', code: 'X-LOCKED' }],
  });
  const tasks = resolveTasks(config);

  it('a single command is one step named after the task, with the defaults', () => {
    assert.deepEqual(tasks.get('offline'), {
      name: 'offline',
      steps: [{ name: 'offline', command: 'make offline' }],
      cwd: 'sub',
      env: {},
      retry: 'none',
      problems: [],
      rules: config.rules,
    });
    const build = tasks.get('build')!;
    assert.equal(build.cwd, '.');
    assert.equal(build.retry, 'standard');
    assert.equal(build.timeoutMs, 5000);
    assert.deepEqual(build.env, { CI: '1' });
    assert.equal(build.fallback, 'offline');
    assert.equal(build.problems.length, 2);
  });

  it('resolves the breaker key to its config and gives every task the workspace rules', () => {
    assert.deepEqual(tasks.get('build')!.breaker, { name: 'reg', config: { kind: 'consecutive', threshold: 2 } });
    assert.equal(tasks.get('deploy')!.breaker, undefined);
    for (const t of tasks.values()) assert.equal(t.rules[0].code, 'X-LOCKED');
  });

  it('keeps steps in order with their undo commands, and the inline retry policy', () => {
    const deploy = tasks.get('deploy')!;
    assert.deepEqual(deploy.steps, [{ name: 'up', command: 'u', undo: 'd' }, { name: 'go', command: 'g' }]);
    assert.deepEqual(deploy.retry, { maxAttempts: 2 });
    assert.ok(!('timeoutMs' in deploy) && !('fallback' in deploy));
  });
});
