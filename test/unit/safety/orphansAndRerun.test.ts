import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TaskRunner } from '../../../src/runner/tasks';
import { currentRunOwner } from '../../../src/runner/tasks/owner';
import { ErrorStore } from '../../../src/store';
import { workspacePaths } from '../../../src/store/location';
import { sqlite } from '../../../src/store/sqlite';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

async function until(check: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Issue 15, case 8: orphans of a killed CLI, an unannounced re-run, and the wall clock. */
describe('safety: a killed CLI\'s children, re-runs and clocks (issue 15.8)', function () {
  this.timeout(90_000);
  let root: string;
  const cli = (env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, [CLI, '-C', root, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-safety-orphans-'));
    mkdirSync(join(root, '.rebound'));
    writeFileSync(join(root, 'slow'), '');
    writeFileSync(
      join(root, '.rebound', 'config.json'),
      JSON.stringify({
        tasks: {
          deploy: {
            retry: 'none',
            steps: [
              { name: 'upload', command: 'echo $$ > upload.pid; echo uploaded >> log.txt; if [ -f slow ]; then exec sleep 60; fi' },
              { name: 'switch', command: 'echo switched >> log.txt' },
            ],
          },
          charge: {
            retry: 'none',
            steps: [{ name: 'charge-card', command: 'echo charged >> log.txt; echo $$ > upload.pid; if [ -f slow ]; then exec sleep 60; fi', rerun: 'ask' }],
          },
        },
      }),
    );
  });
  afterEach(() => {
    const f = join(root, 'upload.pid');
    if (existsSync(f)) {
      try {
        process.kill(Number(readFileSync(f, 'utf8')), 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  /** Starts `rebound run TASK`, waits for its step to be running, SIGKILLs the CLI; returns the step's pid. */
  async function killMidStep(task: string, env: Record<string, string>): Promise<number> {
    const child = spawn(process.execPath, [CLI, '-C', root, 'run', task], { stdio: 'ignore', env: { ...process.env, ...env } });
    const pidFile = join(root, 'upload.pid');
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the step to start');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(alive(pid), 'the step outlived the CLI (its own process group)');
    rmSync(join(root, 'slow')); // a re-run finishes at once
    return pid;
  }

  for (const [label, env] of [
    ['/proc', {}],
    ['ps, /proc hidden', { REBOUND_PROCESS_PROBE: 'ps' }],
  ] as const) {
    it(`the next start stops a killed CLI's children and says so; resume names the step that runs again (${label})`, async () => {
      const pid = await killMidStep('deploy', env);
      const list = cli(env, 'recovery', 'list', '--json');
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stderr, new RegExp(`stopped 1 process\\(es\\) \\(pid ${pid}\\) still running for interrupted run (\\w+) of "deploy" \\(step "upload"\\)`));
      await until(() => !alive(pid), 'the leftover to die');
      const runId = (JSON.parse(list.stdout) as { runs: Array<{ id: string }> }).runs[0].id;
      const resume = cli(env, 'recovery', 'execute', runId);
      assert.equal(resume.status, 0, resume.stderr);
      assert.match(resume.stderr, /step 1 "upload" was interrupted mid-way: it runs again from its start/);
      assert.deepEqual(readFileSync(join(root, 'log.txt'), 'utf8').trim().split('\n'), ['uploaded', 'uploaded', 'switched']);
    });
  }

  it('a step declaring "rerun": "ask" is not run again without --rerun; with it, it is', async () => {
    await killMidStep('charge', {});
    const list = JSON.parse(cli({}, 'recovery', 'list', '--json').stdout) as { runs: Array<{ id: string }> };
    const runId = list.runs[0].id;
    rmSync(join(root, 'upload.pid'));
    const refused = cli({}, 'recovery', 'execute', runId);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /declares "rerun": "ask" and was interrupted mid-way/);
    assert.match(refused.stderr, /Nothing was run/);
    assert.deepEqual(readFileSync(join(root, 'log.txt'), 'utf8').trim().split('\n'), ['charged'], 'charged once, not twice');
    assert.ok(!existsSync(join(root, 'upload.pid')));
    // Still interrupted and offered again; --rerun is the person's yes.
    const yes = cli({}, 'recovery', 'execute', runId, '--rerun');
    assert.equal(yes.status, 0, yes.stderr);
    assert.match(yes.stderr, /it runs again from its start \(it declares "rerun": "ask"\)/);
    assert.deepEqual(readFileSync(join(root, 'log.txt'), 'utf8').trim().split('\n'), ['charged', 'charged']);
  });

  it('a live run is not declared interrupted when the wall clock jumps ahead (heartbeat hours old)', () => {
    const store = ErrorStore.open(workspacePaths(root).db, { workspaceRoot: root });
    try {
      const runner = new TaskRunner({ root, store, tasks: () => new Map() });
      const owner = currentRunOwner();
      assert.notEqual(owner.startTime, null);
      runner.runs.start({ id: 'live', name: 'deploy', owner, definition: {}, steps: ['upload'] });
      runner.runs.transition('live', 0, { to: 'running' });
      // The clock was set 3 hours ahead since the last heartbeat: seen from now, it is 3 hours old.
      const db = new (sqlite())(workspacePaths(root).db);
      db.prepare('UPDATE runs SET heartbeat = heartbeat - ? WHERE id = ?').run(3 * 3_600_000, 'live');
      db.close();
      assert.deepEqual(runner.interrupted(), [], 'its owner (this process) is alive and the same process: not interrupted');
      assert.deepEqual(runner.stopLeftovers(), []);
      // The same run owned by a process that is gone is interrupted at once.
      runner.runs.start({ id: 'dead', name: 'other', owner: { ...owner, pid: 2 ** 22 + 11 }, definition: {}, steps: ['x'] });
      assert.deepEqual(runner.interrupted().map((r) => [r.id, r.reason]), [['dead', 'owner-gone']]);
    } finally {
      store.close();
    }
  });
});
