import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allKillPoints, allUndoKillPoints, runTaskCrashCampaign, runUndoCrashCampaign } from '../../crash/tasks-crash';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '-C', cwd, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('rebound run / rebound recovery (CLI, real processes)', function () {
  this.timeout(60_000);
  let root: string;

  const config = (value: unknown) => writeFileSync(join(root, '.rebound', 'config.json'), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  const log = () => (existsSync(join(root, 'log.txt')) ? readFileSync(join(root, 'log.txt'), 'utf8').split('\n').filter(Boolean) : []);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-run-cli-'));
    mkdirSync(join(root, '.rebound'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('exit 0 on success with the output on stdout, 1 on failure with a dead letter, --json on stdout', () => {
    config({
      tasks: {
        hello: { steps: [{ name: 'a', command: 'echo A >> log.txt' }, { name: 'b', command: 'echo hello from b' }] },
        broken: { command: 'echo "fatal: permission denied" >&2; exit 1', retry: 'none' },
      },
    });
    const ok = cli(root, 'run', 'hello');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'hello from b\n');
    assert.match(ok.stderr, /"hello" succeeded/);
    const failed = cli(root, 'run', 'broken', '--json');
    assert.equal(failed.code, 1);
    const doc = JSON.parse(failed.stdout) as { ok: boolean; deadLetterId: number; error: { code: string } };
    assert.equal(doc.ok, false);
    assert.equal(doc.error.code, 'RB-FS-EACCES');
    assert.match(failed.stderr, /fatal: permission denied/, 'with --json the task output goes to stderr');
    const dlq = JSON.parse(cli(root, 'dlq', 'list', '--json').stdout) as { entries: Array<{ id: number; kind: string; operation: string }> };
    assert.deepEqual(dlq.entries.map((e) => [e.id, e.kind, e.operation]), [[doc.deadLetterId, 'task', 'broken']]);
    // The CLI registers the task retry handler: `dlq retry` re-runs the task (still failing).
    const retry = cli(root, 'dlq', 'retry', String(doc.deadLetterId));
    assert.equal(retry.code, 1, retry.stderr);
    assert.match(retry.stdout, /ran again and failed \[RB-FS-EACCES\]/);
  });

  it('exit 2 for an unknown task (naming the tasks), a missing argument, and a bad config (nothing runs)', () => {
    config({ tasks: { build: { command: 'echo built >> log.txt' }, test: { command: 'true' } } });
    const unknown = cli(root, 'run', 'deploy');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown task "deploy" \(configured: build, test\)/);
    assert.equal(cli(root, 'run').code, 2);
    config('{ "tasks": { "build": { "command": "echo built >> log.txt", "retyr": "none" } } }');
    const bad = cli(root, 'run', 'build', '--json');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /config\.json:1:\d+: tasks\.build\.retyr: unknown key "retyr"/);
    assert.equal(JSON.parse(bad.stdout).error.code, 'RB-CONFIG-001');
    config({ tasks: { a: { command: 'true', fallback: 'b' }, b: { command: 'true', fallback: 'a' } } });
    const cycle = cli(root, 'run', 'a');
    assert.equal(cycle.code, 2, cycle.stderr);
    assert.deepEqual(log(), [], 'nothing ran');
    assert.equal(existsSync(join(root, '.rebound', 'rebound.db')), false, 'bad usage creates no database');
  });

  it('exit 3 when the task is already running in another process; nothing of it runs twice', async () => {
    writeFileSync(join(root, 'hold.sh'), 'echo "start $$" >> log.txt\nwhile [ ! -f release ]; do sleep 0.05; done\necho "done $$" >> log.txt\n');
    config({ tasks: { hold: { command: 'sh hold.sh', retry: 'none' }, other: { command: 'echo other >> log.txt' } } });
    const first = spawn(process.execPath, [CLI, '-C', root, 'run', 'hold'], { stdio: 'ignore' });
    const closed = new Promise<number | null>((r) => first.on('close', r));
    const until = Date.now() + 20_000;
    while (log().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(log().length, 1, 'the first run started its step');

    const second = cli(root, 'run', 'hold', '--json');
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, new RegExp(`Task "hold" is already running: run \\w+, pid ${first.pid} on `));
    assert.equal(JSON.parse(second.stdout).error.code, 'RB-LOCK-001');
    // Another task runs meanwhile.
    assert.equal(cli(root, 'run', 'other').code, 0);

    writeFileSync(join(root, 'release'), '');
    assert.equal(await closed, 0);
    assert.deepEqual(log().map((l) => l.split(' ')[0]), ['start', 'other', 'done'], 'hold ran once');
    // Its run over, the task runs again.
    assert.equal(cli(root, 'run', 'hold').code, 0);
  });

  it('recovery list / details / execute / cleanup on a run killed with SIGKILL', async () => {
    writeFileSync(join(root, 'step.sh'), 'echo "start $1" >> log.txt\n[ "$1" = 2 ] && [ ! -f resumed ] && sleep 30\necho "done $1" >> log.txt\n');
    config({ tasks: { job: { steps: [1, 2, 3].map((n) => ({ name: `s${n}`, command: `sh step.sh ${n}`, undo: `echo "undo ${n}" >> log.txt` })), retry: 'none' } } });
    const child = spawn(process.execPath, [CLI, '-C', root, 'run', 'job'], { stdio: 'ignore', detached: true });
    const until = Date.now() + 20_000;
    while (!log().includes('start 2') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const closed = new Promise((r) => child.on('close', r));
    process.kill(-child.pid!, 'SIGKILL');
    await closed;

    const list = cli(root, 'recovery', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    const runs = (JSON.parse(list.stdout) as { runs: Array<{ id: string; completedSteps: number; totalSteps: number; reason: string }> }).runs;
    assert.equal(runs.length, 1);
    assert.deepEqual([runs[0].completedSteps, runs[0].totalSteps, runs[0].reason], [1, 3, 'owner-gone']);
    const id = runs[0].id;
    // The orphaned step 2 (sleep 30) is stopped at this first start, and the user is told.
    assert.match(list.stderr, new RegExp(`stopped \\d+ process\\(es\\) \\(pid [\\d, ]+\\) still running for interrupted run ${id} of "job" \\(step "s2"\\)`), JSON.stringify(list.stderr));
    assert.match(cli(root, 'recovery', 'list').stdout, new RegExp(`${id}\\s+job\\s+.*1/3`));

    const details = cli(root, 'recovery', 'details', id);
    assert.equal(details.code, 0, details.stderr);
    assert.match(details.stdout, /interrupted: its process is gone/);
    assert.match(details.stdout, /Journal\s+consistent/);
    assert.match(details.stdout, /resume\s+Resume "job" from step 2 of 3/);
    assert.match(details.stdout, /rollback\s+Roll back "job": undo 1 finished step/);

    // Nothing is left for the resume to stop.
    writeFileSync(join(root, 'resumed'), '');
    const exec = cli(root, 'recovery', 'execute', id, '--strategy', 'guided', '--json');
    assert.equal(exec.code, 0, exec.stderr);
    const doc = JSON.parse(exec.stdout) as { ok: boolean; stoppedProcesses: number[]; plan: { resumeFrom: number } };
    assert.equal(doc.ok, true);
    assert.equal(doc.plan.resumeFrom, 1);
    assert.deepEqual(doc.stoppedProcesses, [], 'the leftover step was stopped already, by the first start');
    assert.match(exec.stderr, /step 2 "s2" was interrupted mid-way: it runs again from its start/);
    assert.deepEqual(log(), ['start 1', 'done 1', 'start 2', 'start 2', 'done 2', 'start 3', 'done 3']);
    assert.equal(JSON.parse(cli(root, 'recovery', 'list', '--json').stdout).runs.length, 0);
    const again = cli(root, 'recovery', 'execute', id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is recovered; there is nothing to recover/);
    assert.equal(cli(root, 'recovery', 'execute', id, '--action', 'explode').code, 2);

    const cleanup = cli(root, 'recovery', 'cleanup', '--older-than', '1s', '--json');
    assert.equal(cleanup.code, 0, cleanup.stderr);
    assert.equal(JSON.parse(cleanup.stdout).deleted, 0, 'the latest run of a task is kept');
  });

  it('5 kill points of the crash campaign all recover (the full one: node out/test/crash/tasks-crash.js)', async () => {
    const points = allKillPoints(6).filter((_, i) => i % 6 === 2);
    assert.equal(points.length, 5);
    const r = await runTaskCrashCampaign({ points, cli: CLI, stepMs: 40 });
    assert.deepEqual(r.runs.filter((x) => !x.ok).map((x) => `${x.label}: ${x.problems.join('; ')}`), []);
    assert.equal(r.interrupted, 5);
  });

  it('2 kill points of the rollback crash scenario (killed while undoing) are rolled back by `recovery execute --action rollback`', async () => {
    const points = allUndoKillPoints().filter((p) => p.delayMs === 10);
    assert.deepEqual(points.map((p) => p.step), [2, 1]);
    const r = await runUndoCrashCampaign({ points, cli: CLI, stepMs: 40 });
    assert.deepEqual(r.runs.filter((x) => !x.ok).map((x) => `${x.label}: ${x.problems.join('; ')}`), []);
    assert.equal(r.interrupted, 2);
  });
});
