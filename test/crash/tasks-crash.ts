import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkJournal, type StepState } from '../../src/engine/tasks';
import { openDatabase } from '../../src/store/database';
import { RunRepository } from '../../src/store/runs';

/**
 * The task crash campaign, two scenarios.
 *
 * Resume: `rebound run` of a 6-step task is SIGKILLed (the CLI and its process group) at a chosen
 * point: when the log shows step k started (plus a delay, so the kill lands in the middle of the
 * step) or finished. Then `rebound recovery list` must find the run and `rebound recovery execute`
 * must resume it from its first unfinished step: no step that was done is run again, every step
 * ends done (exactly once, but for the one interrupted mid-way), and the journal replays exactly
 * into the stored states, before and after recovery.
 *
 * Rollback: a 3-step task with undo commands whose last step fails permanently, so the runner
 * undoes steps 2 and 1; the CLI is killed during that undo phase (when the log shows undo k
 * started, plus a delay, or finished). Then `rebound recovery execute ID --action rollback` must
 * finish the rollback: every completed step undone exactly once overall (but for the undo
 * interrupted mid-way, which runs once more from its start), no undo of a step that was never
 * done, the run rolled back, and the journal consistent before and after.
 */

export interface KillPoint {
  /** 1-based step whose log line triggers the kill. */
  step: number;
  /** The log line `${phase} ${step}`: a step's start or end, or its undo's start or end. */
  phase: 'start' | 'done' | 'undo-start' | 'undo-done';
  delayMs: number;
}

export interface TaskCrashRun {
  point: KillPoint;
  label: string;
  /** The CLI was killed while the run was still going (false: it finished first). */
  interrupted: boolean;
  /** Step states when the CLI died (from the store). */
  statesAtKill: StepState[];
  /** The step that was running when the CLI died (0-based), if any. */
  interruptedStep: number | null;
  ok: boolean;
  problems: string[];
}

export interface TaskCrashResult {
  scenario: 'resume' | 'rollback';
  runs: TaskCrashRun[];
  recovered: number;
  interrupted: number;
}

export interface TaskCrashOptions {
  steps?: number;
  /** How long each step sleeps between its two log lines (default 60 ms). */
  stepMs?: number;
  points?: KillPoint[];
  cli?: string;
  report?: (line: string) => void;
}

/** The CLI to run: REBOUND_CLI, else the transpiled out/src/cli/main.js built with these tests. */
export function taskCli(): string {
  if (process.env.REBOUND_CLI) return resolve(process.env.REBOUND_CLI);
  return resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
}

/** Kill points of the rollback scenario: each undo's start (steps 2 then 1) plus 0, 10, 25 and 40 ms, and the end of the first undo. */
export function allUndoKillPoints(): KillPoint[] {
  const points: KillPoint[] = [];
  for (const step of [2, 1]) {
    for (const delayMs of [0, 10, 25, 40]) points.push({ step, phase: 'undo-start', delayMs });
    if (step === 2) points.push({ step, phase: 'undo-done', delayMs: 0 });
  }
  return points;
}

/** Every kill point: each step's start plus 0, 10, 25 and 40 ms, and each step's end but the last. */
export function allKillPoints(steps = 6): KillPoint[] {
  const points: KillPoint[] = [];
  for (let step = 1; step <= steps; step++) {
    for (const delayMs of [0, 10, 25, 40]) points.push({ step, phase: 'start', delayMs });
    if (step < steps) points.push({ step, phase: 'done', delayMs: 0 });
  }
  return points;
}

interface Cli {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCli(cli: string, root: string, args: string[]): Promise<Cli> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [cli, '-C', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
}

/**
 * Starts `rebound run` in its own process group and SIGKILLs the group (the CLI and whatever
 * shares its group) once `log.txt` holds the trigger line and the delay has passed.
 */
function runAndKill(cli: string, root: string, task: string, point: KillPoint): Promise<Cli & { killed: boolean }> {
  // The trigger is the log line `${phase} ${step}`.
  const logFile = join(root, 'log.txt');
  const trigger = `${point.phase} ${point.step}`;
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [cli, '-C', root, 'run', task], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let closed = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const kill = () => {
      if (closed) return;
      killed = true;
      for (const target of [-child.pid!, child.pid!]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    };
    const poll = () => {
      if (closed) return;
      let text = '';
      try {
        text = readFileSync(logFile, 'utf8');
      } catch {
        // Not written yet.
      }
      if (text.split('\n').includes(trigger)) {
        if (point.delayMs === 0) kill();
        else setTimeout(kill, point.delayMs);
        return;
      }
      setTimeout(poll, 1);
    };
    poll();
    child.on('close', (code, signal) => {
      closed = true;
      resolveRun({ code, signal, stdout, stderr, killed: killed && signal === 'SIGKILL' });
    });
  });
}

function createWorkspace(steps: number, stepMs: number): { root: string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'rebound-task-crash-'));
  mkdirSync(join(root, '.rebound'));
  writeFileSync(join(root, 'step.sh'), `#!/bin/sh\necho "start $1" >> log.txt\nsleep ${(stepMs / 1000).toFixed(3)}\necho "done $1" >> log.txt\n`);
  const config = {
    tasks: {
      pipeline: {
        steps: Array.from({ length: steps }, (_, i) => ({ name: `step-${i + 1}`, command: `sh step.sh ${i + 1}` })),
        retry: 'none',
      },
    },
  };
  writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify(config, null, 2));
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

function readRun(root: string, runId?: string, name = 'pipeline') {
  const { db } = openDatabase(join(root, '.rebound', 'rebound.db'));
  try {
    const repo = new RunRepository(db);
    const run = runId ? repo.get(runId) : repo.list({ name, limit: 1 })[0];
    if (!run) return undefined;
    return { run, check: checkJournal(run, repo.journal(run.id)) };
  } finally {
    db.close();
  }
}

function count(lines: string[], line: string): number {
  return lines.filter((l) => l === line).length;
}

/**
 * Runs `task` through the CLI and SIGKILLs it at `point`; then records in `result` whether the run
 * was left interrupted, its step states, the step that was `busy` (running or undoing) and whether
 * the journal agrees with them. Undefined when the kill did not leave an interrupted run.
 */
async function killMidRun(cli: string, root: string, task: string, point: KillPoint, busy: string, result: TaskCrashRun) {
  const killed = await runAndKill(cli, root, task, point);
  const atKill = existsSync(join(root, '.rebound', 'rebound.db')) ? readRun(root, undefined, task) : undefined;
  if (!killed.killed || !atKill || atKill.run.state !== 'running') {
    result.problems.push(`not interrupted: the CLI ${killed.killed ? 'was killed' : `ended (${killed.code})`}, the run is ${atKill?.run.state ?? 'missing'}`);
    return undefined;
  }
  result.interrupted = true;
  result.statesAtKill = atKill.run.steps.map((s) => s.state);
  result.interruptedStep = atKill.run.steps.find((s) => s.state === busy)?.index ?? null;
  if (!atKill.check.ok) result.problems.push(`journal inconsistent after the kill: ${atKill.check.problems.join('; ')}`);
  return atKill;
}

/** One kill point in a fresh workspace. */
async function crashOnce(cli: string, point: KillPoint, steps: number, stepMs: number): Promise<TaskCrashRun> {
  const label = `${point.phase} of step ${point.step}${point.delayMs ? ` + ${point.delayMs} ms` : ''}`;
  const ws = createWorkspace(steps, stepMs);
  const problems: string[] = [];
  const result: TaskCrashRun = { point, label, interrupted: false, statesAtKill: [], interruptedStep: null, ok: false, problems };
  try {
    const atKill = await killMidRun(cli, ws.root, 'pipeline', point, 'running', result);
    if (!atKill) return result;
    const runId = atKill.run.id;

    const list = await runCli(cli, ws.root, ['recovery', 'list', '--json']);
    let listed: Array<{ id: string; completedSteps: number; totalSteps: number }> = [];
    try {
      listed = (JSON.parse(list.stdout) as { runs: typeof listed }).runs;
    } catch {
      problems.push(`recovery list printed no JSON (${list.code}): ${list.stderr.trim()}`);
    }
    if (list.code !== 0) problems.push(`recovery list exited ${list.code}`);
    const entry = listed.find((r) => r.id === runId);
    if (!entry) problems.push(`recovery list does not list run ${runId} (listed: ${listed.map((r) => r.id).join(', ') || 'none'})`);
    else if (entry.completedSteps !== result.statesAtKill.filter((s) => s === 'done').length || entry.totalSteps !== steps) {
      problems.push(`recovery list says ${entry.completedSteps}/${entry.totalSteps} steps done`);
    }

    const doneBefore = result.statesAtKill.map((s, i) => (s === 'done' ? i : -1)).filter((i) => i >= 0);
    const exec = await runCli(cli, ws.root, ['recovery', 'execute', runId, '--json']);
    if (exec.code !== 0) problems.push(`recovery execute exited ${exec.code}: ${exec.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const after = readRun(ws.root, runId);
    if (!after) problems.push('the run is gone after recovery');
    else {
      if (after.run.state !== 'recovered') problems.push(`the run is ${after.run.state} after recovery, not recovered`);
      if (after.run.steps.some((s) => s.state !== 'done')) problems.push(`steps after recovery: ${after.run.steps.map((s) => s.state).join(', ')}`);
      if (!after.check.ok) problems.push(`journal inconsistent after recovery: ${after.check.problems.join('; ')}`);
    }
    const lines = readFileSync(join(ws.root, 'log.txt'), 'utf8').split('\n').filter(Boolean);
    for (let i = 0; i < steps; i++) {
      const n = i + 1;
      const starts = count(lines, `start ${n}`);
      const dones = count(lines, `done ${n}`);
      if (doneBefore.includes(i)) {
        // A checkpointed step is never run again.
        if (starts !== 1 || dones !== 1) problems.push(`step ${n} was done before the kill but ran again (started ${starts}x, done ${dones}x)`);
      } else if (i === result.interruptedStep) {
        // Interrupted mid-way: its first run may or may not have started or reached its end; the
        // resume runs it once more, from its start, and nothing of the first run follows that.
        if (starts < 1 || starts > 2 || dones < 1 || dones > starts) problems.push(`interrupted step ${n} started ${starts}x, done ${dones}x`);
        const lastStart = lines.lastIndexOf(`start ${n}`);
        if (count(lines.slice(lastStart), `done ${n}`) !== 1) problems.push(`interrupted step ${n}: its first run was still writing after the resume started it again`);
      } else if (starts !== 1 || dones !== 1) {
        problems.push(`step ${n} (not begun at the kill) started ${starts}x, done ${dones}x`);
      }
    }
    const order = lines.filter((l, idx) => lines.indexOf(l) === idx && l.startsWith('done ')).map((l) => Number(l.split(' ')[1]));
    if (order.join(',') !== Array.from({ length: steps }, (_, i) => i + 1).join(',')) problems.push(`steps did not finish in order: ${order.join(', ')}`);
    result.ok = problems.length === 0;
    return result;
  } finally {
    ws.dispose();
  }
}

function createUndoWorkspace(stepMs: number): { root: string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'rebound-undo-crash-'));
  mkdirSync(join(root, '.rebound'));
  const sleep = `sleep ${(stepMs / 1000).toFixed(3)}`;
  writeFileSync(join(root, 'step.sh'), `#!/bin/sh\necho "start $1" >> log.txt\n${sleep}\necho "done $1" >> log.txt\n`);
  writeFileSync(join(root, 'fail.sh'), `#!/bin/sh\necho "start $1" >> log.txt\necho "rollout-$1: command not found" >&2\nexit 127\n`);
  writeFileSync(join(root, 'undo.sh'), `#!/bin/sh\necho "undo-start $1" >> log.txt\n${sleep}\necho "undo-done $1" >> log.txt\n`);
  const config = {
    tasks: {
      rollout: {
        steps: [1, 2, 3].map((n) => ({ name: `step-${n}`, command: n === 3 ? `sh fail.sh ${n}` : `sh step.sh ${n}`, undo: `sh undo.sh ${n}` })),
        retry: 'none',
      },
    },
  };
  writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify(config, null, 2));
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

const STATE_CHARS: Record<string, string> = { done: 'D', running: 'R', pending: '.', failed: 'F', undoing: 'U', undone: 'u', 'undo-failed': 'X', skipped: 's' };

/** One kill point of the rollback scenario in a fresh workspace. */
async function crashUndoOnce(cli: string, point: KillPoint, stepMs: number): Promise<TaskCrashRun> {
  const label = `${point.phase} of step ${point.step}${point.delayMs ? ` + ${point.delayMs} ms` : ''}`;
  const ws = createUndoWorkspace(stepMs);
  const problems: string[] = [];
  const result: TaskCrashRun = { point, label, interrupted: false, statesAtKill: [], interruptedStep: null, ok: false, problems };
  try {
    const atKill = await killMidRun(cli, ws.root, 'rollout', point, 'undoing', result);
    if (!atKill) return result;
    const runId = atKill.run.id;
    if (result.statesAtKill[2] !== 'failed') problems.push(`step 3 is ${result.statesAtKill[2]} at the kill, not failed`);
    const linesAtKill = readFileSync(join(ws.root, 'log.txt'), 'utf8').split('\n').filter(Boolean);

    const list = await runCli(cli, ws.root, ['recovery', 'list', '--json']);
    let listed: Array<{ id: string }> = [];
    try {
      listed = (JSON.parse(list.stdout) as { runs: typeof listed }).runs;
    } catch {
      problems.push(`recovery list printed no JSON (${list.code}): ${list.stderr.trim()}`);
    }
    if (!listed.some((r) => r.id === runId)) problems.push(`recovery list does not list run ${runId}`);

    const exec = await runCli(cli, ws.root, ['recovery', 'execute', runId, '--action', 'rollback', '--json']);
    if (exec.code !== 0) problems.push(`recovery execute --action rollback exited ${exec.code}: ${exec.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const after = readRun(ws.root, runId);
    if (!after) problems.push('the run is gone after recovery');
    else {
      if (after.run.state !== 'rolled-back') problems.push(`the run is ${after.run.state} after recovery, not rolled-back`);
      const states = after.run.steps.map((s) => s.state).join(',');
      if (states !== 'undone,undone,failed') problems.push(`steps after recovery: ${states}`);
      if (!after.check.ok) problems.push(`journal inconsistent after recovery: ${after.check.problems.join('; ')}`);
    }
    const lines = readFileSync(join(ws.root, 'log.txt'), 'utf8').split('\n').filter(Boolean);
    // The steps ran once each, before the kill; the rollback runs none of them.
    for (const n of [1, 2, 3]) {
      if (count(lines, `start ${n}`) !== 1) problems.push(`step ${n} started ${count(lines, `start ${n}`)}x`);
    }
    // Step 3 never finished: it is never undone.
    if (lines.some((l) => l.startsWith('undo-') && l.endsWith(' 3'))) problems.push('step 3 (never done) was undone');
    for (const i of [0, 1]) {
      const n = i + 1;
      const starts = count(lines, `undo-start ${n}`);
      const dones = count(lines, `undo-done ${n}`);
      if (result.statesAtKill[i] === 'undone') {
        // A recorded undo is never run again.
        if (starts !== 1 || dones !== 1 || count(linesAtKill, `undo-done ${n}`) !== 1) problems.push(`step ${n} was undone before the kill but its undo ran again (started ${starts}x, done ${dones}x)`);
      } else if (i === result.interruptedStep) {
        // Interrupted mid-way: its first run may or may not have reached its end; the rollback runs it
        // once more, from its start, and nothing of the first run follows that.
        if (starts < 1 || starts > 2 || dones < 1 || dones > starts) problems.push(`interrupted undo of step ${n} started ${starts}x, done ${dones}x`);
        const lastStart = lines.lastIndexOf(`undo-start ${n}`);
        if (count(lines.slice(lastStart), `undo-done ${n}`) !== 1) problems.push(`interrupted undo of step ${n}: its first run was still writing after the rollback started it again`);
      } else if (starts !== 1 || dones !== 1) {
        problems.push(`undo of step ${n} (not begun at the kill) started ${starts}x, done ${dones}x`);
      }
    }
    // Reverse order: step 2's undo is over before step 1's (last run) begins.
    if (lines.lastIndexOf('undo-start 1') < lines.lastIndexOf('undo-done 2')) problems.push('step 1 was undone before step 2 was');
    result.ok = problems.length === 0;
    return result;
  } finally {
    ws.dispose();
  }
}

/** The rollback scenario: every kill point (in order), reporting "N of N kill points recovered". */
export async function runUndoCrashCampaign(options: Omit<TaskCrashOptions, 'steps'> = {}): Promise<TaskCrashResult> {
  const stepMs = options.stepMs ?? 60;
  const points = options.points ?? allUndoKillPoints();
  const cli = options.cli ?? taskCli();
  const report = options.report ?? (() => undefined);
  const runs: TaskCrashRun[] = [];
  for (const point of points) {
    const r = await crashUndoOnce(cli, point, stepMs);
    runs.push(r);
    report(
      `kill at ${r.label.padEnd(30)}: ${r.interrupted ? `steps ${r.statesAtKill.map((s) => STATE_CHARS[s] ?? '?').join('')}` : 'not interrupted'} -> ${r.ok ? 'rolled back' : `FAILED: ${r.problems.join(' | ')}`}`,
    );
  }
  const recovered = runs.filter((r) => r.ok).length;
  const interrupted = runs.filter((r) => r.interrupted).length;
  report(`rollback: ${recovered} of ${runs.length} kill points recovered (${interrupted} interrupted in the undo phase; ${runs.filter((r) => r.interruptedStep !== null).length} in the middle of an undo)`);
  return { scenario: 'rollback', runs, recovered, interrupted };
}

/** Runs every kill point (in order) and reports "N of N kill points recovered". */
export async function runTaskCrashCampaign(options: TaskCrashOptions = {}): Promise<TaskCrashResult> {
  const steps = options.steps ?? 6;
  const stepMs = options.stepMs ?? 60;
  const points = options.points ?? allKillPoints(steps);
  const cli = options.cli ?? taskCli();
  const report = options.report ?? (() => undefined);
  const runs: TaskCrashRun[] = [];
  for (const point of points) {
    const r = await crashOnce(cli, point, steps, stepMs);
    runs.push(r);
    report(
      `kill at ${r.label.padEnd(26)}: ${r.interrupted ? `steps ${r.statesAtKill.map((s) => (s === 'done' ? 'D' : s === 'running' ? 'R' : s === 'pending' ? '.' : '?')).join('')}` : 'not interrupted'} -> ${r.ok ? 'recovered' : `FAILED: ${r.problems.join(' | ')}`}`,
    );
  }
  const recovered = runs.filter((r) => r.ok).length;
  const interrupted = runs.filter((r) => r.interrupted).length;
  report(`resume: ${recovered} of ${runs.length} kill points recovered (${interrupted} interrupted mid-run; ${runs.filter((r) => r.interruptedStep !== null).length} in the middle of a step)`);
  return { scenario: 'resume', runs, recovered, interrupted };
}

if (require.main === module) {
  const started = Date.now();
  (async () => {
    const report = (l: string) => console.log(l);
    console.log('Scenario 1: resume after a kill during the steps');
    const resume = await runTaskCrashCampaign({ report });
    console.log('Scenario 2: rollback after a kill during the undo phase');
    const rollback = await runUndoCrashCampaign({ report });
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s in all`);
    return [resume, rollback];
  })().then(
    ([resume, rollback]) => {
      const all = (r: TaskCrashResult, min: number) => r.recovered === r.runs.length && r.runs.length >= min;
      process.exitCode = all(resume, 20) && all(rollback, 9) ? 0 : 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
