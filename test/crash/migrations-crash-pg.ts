import { type CrashRun, recoverActions } from './migrations-crash';
import { defaultCli, runCli, seeded } from './migrationsHarness';
import { checkPgDatabase, createPgWorkspace, referenceHashes, startPgServer } from './migrationsPostgres';

export interface PgCrashRun extends CrashRun {
  validateOk: boolean;
}

export interface PgCrashCampaignOptions {
  runs?: number;
  migrations?: number;
  seed?: number;
  /** Data volume multiplier of the fixture (1: a backfill of 200,000 rows). */
  scale?: number;
  cli?: string;
  /** Pass --break-stale-lock to recover (the dead runner's advisory lock is gone with its session, so it is not needed). */
  breakStale?: boolean;
  report?: (line: string) => void;
}

export interface PgCrashCampaignResult {
  runs: PgCrashRun[];
  passed: number;
  killed: number;
  fullRunMs: number;
  totalMs: number;
}

/**
 * The crash campaign on PostgreSQL: a server of its own (always stopped), a fresh database per
 * run, `rebound migrate up` over the 30 PostgreSQL migrations (a 200,000-row backfill, CREATE
 * INDEX CONCURRENTLY in no-transaction files) killed with SIGKILL at a random moment, then
 * `rebound migrate recover`. After recover: history a prefix matching a reference replay of those
 * migrations' files, no lock row or advisory lock, no invalid index, nothing left 'running'. Then
 * a `migrate up` must finish (schema equal to a fresh replay of all 30 files, the backfill
 * complete) and `migrate validate` must be clean.
 */
export async function runPgCrashCampaign(options: PgCrashCampaignOptions = {}): Promise<PgCrashCampaignResult> {
  const runs = options.runs ?? 100;
  const count = options.migrations ?? 30;
  const scale = options.scale ?? 1;
  const cli = options.cli ?? defaultCli();
  const report = options.report ?? (() => undefined);
  const random = seeded(options.seed ?? 20240611);
  const started = Date.now();
  const server = await startPgServer();
  const ws = createPgWorkspace(server, { scale, count, snapshots: false });
  const results: PgCrashRun[] = [];
  try {
    const reference = await referenceHashes(server, ws.migrations);
    const bigRows = Math.max(10, Math.round(200_000 * scale));
    report(`server ${server.url.replace(/\/[^/]*$/, '')}; reference replay of ${count} migrations done (${bigRows} rows backfilled)`);
    // Calibrate: uninterrupted runs (start-up included) set the kill window.
    const durations: number[] = [];
    for (let k = 0; k < 3; k++) {
      const name = await server.createDatabase('rebound_calibrate');
      ws.useDatabase(name);
      const full = await runCli(cli, ws.root, ['migrate', 'up', '--json']);
      if (full.code !== 0) throw new Error(`calibration run failed (${full.code}): ${full.stderr}`);
      const check = await checkPgDatabase(server, name, reference);
      await server.dropDatabase(name);
      if (!check.ok || check.applied.length !== count) throw new Error(`calibration run left an invalid database: ${check.problems.join('; ')}`);
      durations.push(full.ms);
    }
    const fullRunMs = durations.sort((a, b) => a - b)[1];
    const probe = await server.createDatabase('rebound_calibrate');
    ws.useDatabase(probe);
    const startup = (await runCli(cli, ws.root, ['migrate', 'status', '--json'])).ms;
    await server.dropDatabase(probe);
    const from = Math.min(Math.round(startup * 0.9), Math.round(fullRunMs * 0.9));
    report(`calibration: a full run of ${count} migrations takes ${fullRunMs} ms, start-up ${startup} ms; kills fall in [${from}, ${Math.round(fullRunMs * 1.05)}] ms`);
    for (let i = 0; i < runs; i++) {
      const name = await server.createDatabase('rebound_crash');
      ws.useDatabase(name);
      const problems: string[] = [];
      const killAfterMs = from + Math.round(random() * (fullRunMs * 1.05 - from));
      let run: PgCrashRun;
      try {
        const up = await runCli(cli, ws.root, ['migrate', 'up', '--json'], killAfterMs);
        const killed = up.signal === 'SIGKILL';
        if (!killed && up.code !== 0) problems.push(`up ended with ${up.code} without being killed: ${up.stderr.trim()}`);
        const recover = await runCli(cli, ws.root, ['migrate', 'recover', '--json', ...(options.breakStale ? ['--break-stale-lock'] : [])]);
        if (recover.code !== 0) problems.push(`recover exited ${recover.code}: ${(recover.stderr.trim() || recover.stdout.trim()).slice(0, 600)}`);
        const check = await checkPgDatabase(server, name, reference);
        problems.push(...check.problems.map((p) => `after recover: ${p}`));
        const actions = recoverActions(recover.stdout);
        const finish = await runCli(cli, ws.root, ['migrate', 'up', '--json']);
        const after = await checkPgDatabase(server, name, reference);
        const data = after.applied.length === count
          ? (await server.exec<{ n: number; missing: number }>('SELECT count(*)::int AS n, count(*) FILTER (WHERE day IS NULL)::int AS missing FROM events', [], name))[0]
          : { n: -1, missing: -1 };
        const completed = finish.code === 0 && after.ok && after.applied.length === count && after.liveHash === reference[count] && data.n === bigRows && data.missing === 0;
        if (!completed) problems.push(`the next up did not complete (${finish.code}): ${finish.stderr.trim().slice(0, 400)} ${after.problems.join('; ')} events ${data.n}, ${data.missing} not backfilled`);
        const validate = await runCli(cli, ws.root, ['migrate', 'validate', '--json']);
        let validateOk = validate.code === 0;
        try {
          const v = JSON.parse(validate.stdout) as { ok: boolean; findings: Array<{ severity: string; message: string }> };
          validateOk = validateOk && v.ok && v.findings.length === 0;
          if (!validateOk) problems.push(`validate: ${v.ok ? 'ok' : 'not valid'}; ${v.findings.map((f) => `${f.severity}: ${f.message}`).join('; ')}`);
        } catch {
          validateOk = false;
          problems.push(`validate exited ${validate.code}: ${validate.stderr.trim().slice(0, 400)}`);
        }
        run = {
          run: i + 1,
          killAfterMs,
          killed,
          appliedAfterRecover: check.applied.length,
          recoverExit: recover.code,
          actions,
          completed,
          validateOk,
          ok: problems.length === 0,
          problems,
        };
      } finally {
        await server.dropDatabase(name);
      }
      results.push(run);
      report(
        `run ${String(i + 1).padStart(3)}: ${run.killed ? `killed at ${String(killAfterMs).padStart(5)} ms` : `finished (kill at ${killAfterMs} ms came late)`}, ` +
          `${String(run.appliedAfterRecover).padStart(2)} applied after recover` +
          `${run.actions.brokenLocks ? ', dead lock row replaced' : ''}${run.actions.reverted ? `, ${run.actions.reverted} partial migration reverted` : ''}: ${run.ok ? 'ok' : `FAILED: ${problems.join(' | ')}`}`,
      );
    }
    const passed = results.filter((r) => r.ok).length;
    const killedCount = results.filter((r) => r.killed).length;
    const reverted = results.filter((r) => r.actions.reverted > 0).length;
    const locks = results.filter((r) => r.actions.brokenLocks > 0).length;
    const midway = results.filter((r) => r.killed && r.appliedAfterRecover > 0 && r.appliedAfterRecover < count).length;
    const totalMs = Date.now() - started;
    report(
      `crash campaign (postgres): ${passed} of ${runs} runs recovered to a valid database matching its history, then completed with validate clean ` +
        `(${killedCount} killed mid-run, ${midway} of them between the first and the last migration; ${locks} left a dead runner's lock row; ` +
        `${reverted} left a partial no-transaction migration that recover reverted) in ${(totalMs / 1000).toFixed(0)} s`,
    );
    return { runs: results, passed, killed: killedCount, fullRunMs, totalMs };
  } finally {
    ws.dispose();
    server.stop();
  }
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 100);
  const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const scale = process.env.REBOUND_CRASH_SCALE === undefined ? undefined : Number(process.env.REBOUND_CRASH_SCALE);
  runPgCrashCampaign({ runs, seed, scale, breakStale: process.env.REBOUND_CRASH_BREAK_STALE === '1', report: (l) => console.log(l) }).then(
    (r) => {
      process.exitCode = r.passed === runs ? 0 : 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
