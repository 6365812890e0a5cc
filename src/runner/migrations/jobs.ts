import { hostname } from 'node:os';
import { currentVersion, partialEntries, type JournalEntry } from '../../engine/migrations';
import type { NewDeadLetter } from '../../engine/resilience';
import type { ResolvedDatabase } from './databases';
import { runMigrationCommand, type MigrationCommand } from './deadLetters';
import type { Migrator } from './migrator';
import type { RecoveryReport, RepairOptions, RepairReport, RollbackTestReport, RunReport, ValidationReport } from './reports';
import type { MigrationTarget } from './target';

/** A piece of migration work, as plain JSON: what the migration worker process is asked to do. */
export type MigrationJob =
  | { kind: 'move'; cmd: MigrationCommand }
  | { kind: 'recover'; breakStale?: boolean }
  | { kind: 'validate' }
  | { kind: 'repair'; options: RepairOptions }
  | { kind: 'test-rollback'; versions?: number[] }
  /** After the runner of `runId` (process `pid` on this host) was killed mid-statement: settle its lock and run. */
  | { kind: 'after-kill'; pid: number; runId?: string };

/** What the runner of a killed run left: the lock broken, its run closed, what stays journaled. */
export interface AfterKillReport {
  brokeLock: boolean;
  /** The version the database is at now. */
  current: number;
  /** Journal entries of the run left partial (no-transaction migrations): `recover` reverts them. */
  partial: JournalEntry[];
}

export interface JobResults {
  move: RunReport;
  recover: RecoveryReport;
  validate: ValidationReport;
  repair: RepairReport;
  'test-rollback': RollbackTestReport;
  'after-kill': AfterKillReport;
}

export type JobResult<J extends MigrationJob> = JobResults[J['kind']];

/**
 * Runs a job on `migrator` (and its target). `park` gets the dead letter of a migration that
 * failed (see runMigrationCommand).
 */
export async function runJob<J extends MigrationJob>(
  migrator: Migrator,
  target: MigrationTarget,
  db: ResolvedDatabase,
  job: J,
  park: (entry: NewDeadLetter) => void,
  now: () => number = Date.now,
): Promise<JobResult<J>> {
  const j: MigrationJob = job;
  switch (j.kind) {
    case 'move':
      return (await runMigrationCommand(migrator, db, j.cmd, park)) as JobResult<J>;
    case 'recover':
      return (await migrator.recover({ breakStale: j.breakStale })) as JobResult<J>;
    case 'validate':
      return (await migrator.validate()) as JobResult<J>;
    case 'repair':
      return (await migrator.repair(j.options)) as JobResult<J>;
    case 'test-rollback':
      return (await migrator.testRollback({ versions: j.versions })) as JobResult<J>;
    case 'after-kill':
      return (await afterKill(target, j.pid, j.runId, now)) as JobResult<J>;
  }
}

/**
 * The runner was killed mid-statement: SQLite rolled back its open transaction (on this open),
 * so only its lock row and its run record are left to settle. A no-transaction migration's
 * journal entry stays partial, for `recover`.
 */
async function afterKill(target: MigrationTarget, pid: number, runId: string | undefined, now: () => number): Promise<AfterKillReport> {
  if (!(await target.exists())) return { brokeLock: false, current: 0, partial: [] };
  const lock = await target.readLock();
  const brokeLock = lock !== undefined && lock.pid === pid && lock.host === hostname() ? await target.breakLock(lock) : false;
  if (runId && (await target.readRuns()).some((r) => r.runId === runId && r.state === 'running')) {
    await target.finishRun(runId, 'interrupted', 'Cancelled: the runner was stopped in the middle of a statement', now());
  }
  const partial = partialEntries(await target.readJournal()).filter((e) => runId === undefined || e.runId === runId);
  return { brokeLock, current: currentVersion(await target.readHistory()), partial };
}
