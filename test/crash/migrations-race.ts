import { rmSync } from 'node:fs';
import { sqlite } from '../../src/store/sqlite';
import { checkDatabase, createWorkspace, defaultCli, startCli, type CliResult } from './migrationsHarness';

export interface RaceTrial {
  trial: number;
  processes: number;
  /** Lock wait of the runners: long (all should succeed after waiting) or short (some end in a LockError). */
  waitMs: number;
  exits: Array<number | null>;
  succeeded: number;
  lockErrors: number;
  ok: boolean;
  problems: string[];
}

export interface RaceOptions {
  trials?: number;
  migrations?: number;
  scale?: number;
  cli?: string;
  report?: (line: string) => void;
}

/**
 * The race: 2 to 4 processes run `rebound migrate up` on the same database at once. Every
 * migration must be applied exactly once (one committed journal entry per version), every process
 * must end in success (after waiting for the lock) or in a LockError (exit 3), and the database
 * must be valid, match its history, and hold no lock. Odd trials use a short lock wait so the
 * LockError path is taken too.
 */
export async function runRace(options: RaceOptions = {}): Promise<{ trials: RaceTrial[]; passed: number }> {
  const trials = options.trials ?? 50;
  const count = options.migrations ?? 30;
  const cli = options.cli ?? defaultCli();
  const report = options.report ?? (() => undefined);
  const results: RaceTrial[] = [];
  for (let t = 0; t < trials; t++) {
    const waitMs = t % 2 === 0 ? 60_000 : 50;
    const processes = 2 + (t % 3);
    const ws = createWorkspace({ scale: options.scale ?? 0.5, count, lock: { waitMs }, snapshots: false });
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
      const check = checkDatabase(ws.db);
      problems.push(...check.problems);
      if (check.applied.length !== count) problems.push(`${check.applied.length} of ${count} migrations applied`);
      const Database = sqlite();
      const db = new Database(ws.db, { readonly: true });
      try {
        const counts = db
          .prepare("SELECT version, count(*) AS n FROM rebound_migrations_journal WHERE direction = 'up' AND state = 'committed' GROUP BY version")
          .all() as Array<{ version: number; n: number }>;
        const twice = counts.filter((c) => c.n !== 1);
        if (twice.length > 0) problems.push(`applied more than once: ${twice.map((c) => `${c.version} x${c.n}`).join(', ')}`);
        if (counts.length !== count) problems.push(`${counts.length} versions committed in the journal instead of ${count}`);
      } finally {
        db.close();
      }
      const trial: RaceTrial = { trial: t + 1, processes, waitMs, exits: done.map((d) => d.code), succeeded, lockErrors, ok: problems.length === 0, problems };
      results.push(trial);
      report(
        `trial ${String(t + 1).padStart(2)}: ${processes} runners, wait ${waitMs === 50 ? '50 ms ' : '60 s  '}: ${succeeded} succeeded, ${lockErrors} LockError: ${trial.ok ? 'ok' : `FAILED: ${problems.join(' | ')}`}`,
      );
    } finally {
      ws.dispose();
      rmSync(ws.root, { recursive: true, force: true });
    }
  }
  const passed = results.filter((r) => r.ok).length;
  report(
    `race: ${passed} of ${trials} trials applied every migration exactly once; ` +
      `${results.reduce((a, r) => a + r.succeeded, 0)} runners succeeded, ${results.reduce((a, r) => a + r.lockErrors, 0)} ended in a LockError, none otherwise`,
  );
  return { trials: results, passed };
}

if (require.main === module) {
  const trials = Number(process.argv[2] ?? 50);
  runRace({ trials, report: (l) => console.log(l) }).then(
    (r) => {
      process.exitCode = r.passed === trials ? 0 : 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
