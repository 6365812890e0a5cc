import { type RaceTrial } from './migrations-race';
import { defaultCli, startCli, type CliResult } from './migrationsHarness';
import { checkPgDatabase, createPgWorkspace, referenceHashes, startPgServer } from './migrationsPostgres';

export interface PgRaceOptions {
  trials?: number;
  /** Runners per race (3). */
  processes?: number;
  migrations?: number;
  scale?: number;
  cli?: string;
  report?: (line: string) => void;
}

/**
 * The race on PostgreSQL: three processes run `rebound migrate up` on the same, fresh database at
 * once (a server of its own, always stopped). Every migration must be applied exactly once (one
 * committed 'up' journal entry per version, the history a prefix 1..30 of successes), every
 * process must end in success (after waiting for the advisory lock) or in a LockError (exit 3),
 * the schema must equal a fresh replay of the files, and no lock row or advisory lock may be left.
 * Odd trials use a short lock wait so the LockError path is taken too.
 */
export async function runPgRace(options: PgRaceOptions = {}): Promise<{ trials: RaceTrial[]; passed: number; totalMs: number }> {
  const trials = options.trials ?? 50;
  const processes = options.processes ?? 3;
  const count = options.migrations ?? 30;
  const cli = options.cli ?? defaultCli();
  const report = options.report ?? (() => undefined);
  const started = Date.now();
  const results: RaceTrial[] = [];
  const server = await startPgServer();
  try {
    const workspaces = [60_000, 50].map((waitMs) => createPgWorkspace(server, { scale: options.scale ?? 0.1, count, lock: { waitMs }, snapshots: false }));
    try {
      const reference = await referenceHashes(server, workspaces[0].migrations);
      for (let t = 0; t < trials; t++) {
        const ws = workspaces[t % 2];
        const waitMs = t % 2 === 0 ? 60_000 : 50;
        const name = await server.createDatabase('rebound_race');
        ws.useDatabase(name);
        try {
          const runs = Array.from({ length: processes }, () => startCli(cli, ws.root, ['migrate', 'up', '--json']));
          const done: CliResult[] = await Promise.all(runs.map((r) => r.done));
          const problems: string[] = [];
          let succeeded = 0;
          let lockErrors = 0;
          for (const d of done) {
            if (d.code === 0) succeeded++;
            else if (d.code === 3 && /RB-LOCK/.test(d.stderr)) lockErrors++;
            else problems.push(`a runner exited ${d.code ?? d.signal}: ${d.stderr.trim().split('\n')[0]}`);
          }
          if (succeeded === 0) problems.push('no runner succeeded');
          const check = await checkPgDatabase(server, name, reference);
          problems.push(...check.problems);
          if (check.applied.length !== count) problems.push(`${check.applied.length} of ${count} migrations applied`);
          else if (check.liveHash !== reference[count]) problems.push('the schema differs from a fresh replay of the files');
          const trial: RaceTrial = { trial: t + 1, processes, waitMs, exits: done.map((d) => d.code), succeeded, lockErrors, ok: problems.length === 0, problems };
          results.push(trial);
          report(
            `trial ${String(t + 1).padStart(2)}: ${processes} runners, wait ${waitMs === 50 ? '50 ms ' : '60 s  '}: ${succeeded} succeeded, ${lockErrors} LockError: ${trial.ok ? 'ok' : `FAILED: ${problems.join(' | ')}`}`,
          );
        } finally {
          await server.dropDatabase(name);
        }
      }
    } finally {
      for (const ws of workspaces) ws.dispose();
    }
  } finally {
    server.stop();
  }
  const passed = results.filter((r) => r.ok).length;
  const totalMs = Date.now() - started;
  report(
    `race (postgres): ${passed} of ${trials} trials of ${processes} runners applied every migration exactly once; ` +
      `${results.reduce((a, r) => a + r.succeeded, 0)} runners succeeded, ${results.reduce((a, r) => a + r.lockErrors, 0)} ended in a LockError, none otherwise; ${(totalMs / 1000).toFixed(0)} s`,
  );
  return { trials: results, passed, totalMs };
}

if (require.main === module) {
  const trials = Number(process.argv[2] ?? 50);
  const scale = process.env.REBOUND_RACE_SCALE === undefined ? undefined : Number(process.env.REBOUND_RACE_SCALE);
  runPgRace({ trials, scale, report: (l) => console.log(l) }).then(
    (r) => {
      process.exitCode = r.passed === trials ? 0 : 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
