import { rmSync } from 'node:fs';
import { checkDatabase, createWorkspace, defaultCli, runCli, seeded } from './migrationsHarness';

export interface CrashRun {
  run: number;
  killAfterMs: number;
  /** The up process was killed (false: it finished before the kill). */
  killed: boolean;
  /** Migrations applied after recover. */
  appliedAfterRecover: number;
  recoverExit: number | null;
  /** What recover did: locks broken, interrupted runs marked, partial migrations reverted. */
  actions: { brokenLocks: number; interruptedRuns: number; reverted: number };
  /** A second, uninterrupted `migrate up` then completed the 30 migrations with a valid database. */
  completed: boolean;
  ok: boolean;
  problems: string[];
}

export interface CrashCampaignOptions {
  runs?: number;
  migrations?: number;
  seed?: number;
  /** Data volume multiplier of the fixture. */
  scale?: number;
  cli?: string;
  report?: (line: string) => void;
}

export interface CrashCampaignResult {
  runs: CrashRun[];
  passed: number;
  killed: number;
  fullRunMs: number;
}

/**
 * The crash campaign: `rebound migrate up` over 30 migrations, killed with SIGKILL at a random
 * moment of a full run, then `rebound migrate recover`; the database must then pass
 * integrity_check and foreign_key_check, its schema must equal a fresh replay of the recorded
 * migrations, and no lock may be held. A final `migrate up` must then finish the job.
 */
export async function runCrashCampaign(options: CrashCampaignOptions = {}): Promise<CrashCampaignResult> {
  const runs = options.runs ?? 100;
  const count = options.migrations ?? 30;
  const cli = options.cli ?? defaultCli();
  const report = options.report ?? (() => undefined);
  const random = seeded(options.seed ?? 20240611);
  const ws = createWorkspace({ scale: options.scale ?? 2, count, snapshots: true });
  const results: CrashRun[] = [];
  try {
    // Calibrate: how long an uninterrupted run takes, start-up included.
    const full = await runCli(cli, ws.root, ['migrate', 'up', '--json']);
    if (full.code !== 0) throw new Error(`calibration run failed (${full.code}): ${full.stderr}`);
    const fullCheck = checkDatabase(ws.db);
    if (!fullCheck.ok || fullCheck.applied.length !== count) throw new Error(`calibration run left an invalid database: ${fullCheck.problems.join('; ')}`);
    // A few more uninterrupted runs: the typical (median) duration sets the kill window.
    const durations = [full.ms];
    for (let k = 0; k < 2; k++) {
      rmSync(ws.db, { force: true });
      for (const s of ['-wal', '-shm', '-journal']) rmSync(ws.db + s, { force: true });
      durations.push((await runCli(cli, ws.root, ['migrate', 'up', '--json'])).ms);
    }
    const fullRunMs = durations.sort((a, b) => a - b)[1];
    // Start-up: what a run does before its first migration (load the config, open the database,
    // read and checksum the files), measured through `migrate status`. Kills start there, so most
    // land while migrations are being applied rather than before the first one.
    const startup = (await runCli(cli, ws.root, ['migrate', 'status', '--json'])).ms;
    const from = Math.min(Math.round(startup * 0.9), Math.round(fullRunMs * 0.9));
    report(`calibration: a full run of ${count} migrations takes ${fullRunMs} ms, start-up ${startup} ms; kills fall in [${from}, ${Math.round(fullRunMs * 1.05)}] ms`);
    for (let i = 0; i < runs; i++) {
      rmSync(ws.db, { force: true });
      for (const s of ['-wal', '-shm', '-journal']) rmSync(ws.db + s, { force: true });
      const killAfterMs = from + Math.round(random() * (fullRunMs * 1.05 - from));
      const up = await runCli(cli, ws.root, ['migrate', 'up', '--json'], killAfterMs);
      const killed = up.signal === 'SIGKILL';
      const problems: string[] = [];
      if (!killed && up.code !== 0) problems.push(`up ended with ${up.code} without being killed: ${up.stderr.trim()}`);
      const recover = await runCli(cli, ws.root, ['migrate', 'recover', '--json']);
      if (recover.code !== 0) problems.push(`recover exited ${recover.code}: ${recover.stderr.trim()}`);
      const check = checkDatabase(ws.db);
      problems.push(...check.problems);
      const actions = recoverActions(recover.stdout);
      const finish = await runCli(cli, ws.root, ['migrate', 'up', '--json']);
      const after = checkDatabase(ws.db);
      const completed = finish.code === 0 && after.ok && after.applied.length === count;
      if (!completed) problems.push(`the next up did not complete (${finish.code}): ${finish.stderr.trim()} ${after.problems.join('; ')}`);
      const run: CrashRun = {
        run: i + 1,
        killAfterMs,
        killed,
        appliedAfterRecover: check.applied.length,
        recoverExit: recover.code,
        actions,
        completed,
        ok: problems.length === 0,
        problems,
      };
      results.push(run);
      report(
        `run ${String(i + 1).padStart(3)}: ${killed ? `killed at ${String(killAfterMs).padStart(4)} ms` : `finished (kill at ${killAfterMs} ms came late)`}, ` +
          `${String(check.applied.length).padStart(2)} applied after recover` +
          `${actions.brokenLocks ? ', dead lock broken' : ''}${actions.reverted ? `, ${actions.reverted} partial migration reverted` : ''}: ${run.ok ? 'ok' : `FAILED: ${problems.join(' | ')}`}`,
      );
    }
    const passed = results.filter((r) => r.ok).length;
    const killedCount = results.filter((r) => r.killed).length;
    const reverted = results.filter((r) => r.actions.reverted > 0).length;
    const locks = results.filter((r) => r.actions.brokenLocks > 0).length;
    const midway = results.filter((r) => r.killed && r.appliedAfterRecover > 0 && r.appliedAfterRecover < count).length;
    report(
      `crash campaign: ${passed} of ${runs} runs recovered to a valid database matching its history ` +
        `(${killedCount} killed mid-run, ${midway} of them between the first and the last migration; ${locks} left a dead lock; ${reverted} left a partial no-transaction migration that recover reverted)`,
    );
    return { runs: results, passed, killed: killedCount, fullRunMs };
  } finally {
    ws.dispose();
  }
}

export function recoverActions(stdout: string): CrashRun['actions'] {
  try {
    const r = JSON.parse(stdout) as { brokenLocks?: unknown[]; interruptedRuns?: unknown[]; reverted?: unknown[] };
    return { brokenLocks: r.brokenLocks?.length ?? 0, interruptedRuns: r.interruptedRuns?.length ?? 0, reverted: r.reverted?.length ?? 0 };
  } catch {
    return { brokenLocks: 0, interruptedRuns: 0, reverted: 0 };
  }
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 100);
  const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  runCrashCampaign({ runs, seed, report: (l) => console.log(l) }).then(
    (r) => {
      process.exitCode = r.passed === runs ? 0 : 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
