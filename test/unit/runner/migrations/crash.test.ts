import * as assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { runCrashCampaign } from '../../../crash/migrations-crash';
import { runRace } from '../../../crash/migrations-race';

const CLI = resolve(__dirname, '..', '..', '..', '..', 'src', 'cli', 'main.js');

/**
 * Small versions of the crash campaign and the race (the full ones are scripts:
 * `node out/test/crash/migrations-crash.js` and `node out/test/crash/migrations-race.js`).
 */
describe('migrations: crash and race (real processes, SIGKILL)', function () {
  this.timeout(120_000);

  it('5 runs of `migrate up` killed at random moments all recover to a valid database matching its history', async () => {
    const r = await runCrashCampaign({ runs: 5, scale: 1, cli: CLI, seed: 7 });
    const failed = r.runs.filter((x) => !x.ok);
    assert.deepEqual(failed.map((x) => `run ${x.run}: ${x.problems.join('; ')}`), []);
    assert.ok(r.killed >= 1, 'at least one run was killed mid-way');
  });

  it('3 races of 2-4 runners apply every migration exactly once; the others wait or get a LockError', async () => {
    const r = await runRace({ trials: 3, scale: 0.3, cli: CLI });
    assert.deepEqual(r.trials.filter((t) => !t.ok).map((t) => `trial ${t.trial}: ${t.problems.join('; ')}`), []);
  });
});
