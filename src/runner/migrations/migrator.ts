import type { Clock } from '../../engine/clock';
import { LockError, MigrationError, RecoveryError } from '../../engine/errors';
import type { Event } from '../../engine/event';
import {
  currentVersion,
  joinStatements,
  parseMigrationFileName,
  planDown,
  planTo,
  planUp,
  validateMigrations,
  type AppliedFileInfo,
  type AppliedMigration,
  type DownOptions,
  type MigrationPlan,
  type RunRecord,
  type UpOptions,
} from '../../engine/migrations';
import { describeIdentity, type ProcessIdentity } from './identity';
import { staleness } from './lock';
import { MigratorCore, latestApplied } from './migratorCore';
import { recover } from './recovery';
import type {
  MigrationProgress,
  MigratorOptions,
  RecoveryReport,
  RepairOptions,
  RepairReport,
  RestoreReport,
  RollbackTestReport,
  RunReport,
  StatusReport,
  UnlockReport,
  ValidationReport,
} from './reports';
import { testRollback } from './rollbackTest';
import { runMigrations } from './runLoop';
import type { SnapshotInfo } from './snapshots';
import { runAwaiting, runNow, type Steps } from './steps';
import type { LockRow, LockSession, MigrationTarget } from './target';

export type PlanRequest = { command: 'up'; options?: UpOptions } | { command: 'down'; options?: DownOptions } | { command: 'to'; version: number };

export type {
  MigrationProgress,
  MigratorOptions,
  RecoveryReport,
  RepairOptions,
  RepairReport,
  RestoreReport,
  RollbackTestReport,
  RollbackTestResult,
  RunReport,
  StatusReport,
  StepResult,
  UnlockReport,
  ValidationReport,
} from './reports';

/**
 * Runs the migrations of one target: status, plan, up, down, to, validate, repair, test-rollback,
 * recover, snapshots and restore, with the lock, snapshots, journal and verification. The jobs
 * live by name: runLoop.ts (up, down, to), rollbackTest.ts, recovery.ts; what they share is
 * MigratorCore (migratorCore.ts).
 */
export class Migrator {
  private readonly core: MigratorCore;
  private readonly target: MigrationTarget;
  private readonly clock: Clock;
  private readonly identity: ProcessIdentity;
  private readonly alive: (pid: number) => boolean;
  /** Progress of runs: lock waits, snapshots, each migration started, done, retried or failed. */
  readonly onDidProgress: Event<MigrationProgress>;
  readonly database: string;

  constructor(private readonly options: MigratorOptions) {
    this.core = new MigratorCore(options);
    this.target = this.core.target;
    this.clock = this.core.clock;
    this.identity = this.core.identity;
    this.alive = this.core.alive;
    this.database = this.core.database;
    this.onDidProgress = this.core.progress.event;
  }

  private state() {
    return this.core.state();
  }

  status(): Promise<StatusReport> {
    return runAwaiting(this.statusSteps());
  }

  /** `status()` read at once, for a synchronous target (SQLite) on a thread that must not wait. */
  statusNow(): StatusReport {
    return runNow(this.statusSteps(), `${this.target.engine} status`);
  }

  private *statusSteps(): Steps<StatusReport> {
    const { loaded, history, status } = yield* this.core.stateSteps();
    const lock = (yield this.target.readLock()) as LockRow | undefined;
    const runs = (yield this.target.readRuns()) as RunRecord[];
    const exists = (yield this.target.exists()) as boolean;
    const schema = exists ? ((yield this.target.schemaHash()) as string) : '';
    const last = latestApplied(history);
    const holder = lock && this.target.lockHolderSession ? ((yield this.target.lockHolderSession()) as LockSession | null) : undefined;
    return {
      database: this.database,
      location: this.target.location,
      exists,
      current: currentVersion(history),
      entries: status,
      lock: lock
        ? { ...lock, stale: holder === null ? 'dead-owner' : staleness(lock, this.clock.now(), this.identity.host, this.alive), ...(holder ? { session: holder } : {}) }
        : undefined,
      interruptedRuns: runs.filter((r) => r.state === 'running' && (!lock || lock.pid !== r.pid || lock.host !== r.host)),
      ignoredFiles: loaded.ignored,
      missingFolder: loaded.missingFolder,
      drift: last !== undefined && last.schemaAfter !== null && exists && schema !== last.schemaAfter,
      schemaHash: schema,
    };
  }

  /** The applied history, read at once on a synchronous target (SQLite); empty when the database does not exist. */
  historyNow(): AppliedMigration[] {
    return runNow(this.historySteps(), `${this.target.engine} history`);
  }

  private *historySteps(): Steps<AppliedMigration[]> {
    if (!((yield this.target.exists()) as boolean)) return [];
    return (yield this.target.readHistory()) as AppliedMigration[];
  }

  /** The dry run of up, down or to: what would run, what blocks it. Nothing is written. */
  plan(request: PlanRequest): Promise<MigrationPlan> {
    return runAwaiting(this.planSteps(request));
  }

  /** `plan()` read at once, for a synchronous target (SQLite) on a thread that must not wait. */
  planNow(request: PlanRequest): MigrationPlan {
    return runNow(this.planSteps(request), `${this.target.engine} plan`);
  }

  private *planSteps(request: PlanRequest): Steps<MigrationPlan> {
    const { files, history, status } = yield* this.core.stateSteps();
    const allowOutOfOrder = this.options.allowOutOfOrder;
    if (request.command === 'up') return planUp(status, files, { allowOutOfOrder, ...request.options });
    if (request.command === 'down') return planDown(status, history, request.options);
    return planTo(status, files, history, request.version, { allowOutOfOrder });
  }

  async validate(): Promise<ValidationReport> {
    const { files, status } = await this.state();
    const findings = validateMigrations(status, files);
    const drift = (await this.status()).drift;
    return { ok: !findings.some((f) => f.severity === 'error') && !drift, findings, drift };
  }

  async up(options: UpOptions = {}): Promise<RunReport> {
    return this.run('up', () => this.plan({ command: 'up', options }));
  }

  async down(options: DownOptions & { verify?: boolean } = {}): Promise<RunReport> {
    return this.run('down', () => this.plan({ command: 'down', options }), options.verify ?? true);
  }

  async to(version: number, options: { verify?: boolean } = {}): Promise<RunReport> {
    return this.run('to', () => this.plan({ command: 'to', version }), options.verify ?? true);
  }

  private run(command: string, makePlan: () => Promise<MigrationPlan>, verify = true): Promise<RunReport> {
    return runMigrations(this.core, command, makePlan, verify);
  }

  /** Accepts cosmetic changes of applied files (explicitly, by version or 'all') and clears recorded failures. */
  async repair(options: RepairOptions = {}): Promise<RepairReport> {
    const { files, status } = await this.state();
    const cosmetic = status.filter((s) => s.state === 'modified' && s.change === 'cosmetic').map((s) => s.version);
    const report: RepairReport = { accepted: [], clearedFailures: [], candidates: cosmetic, refused: [] };
    const wanted = options.accept === 'all' ? cosmetic : [...(options.accept ?? [])];
    for (const v of wanted) {
      const s = status.find((x) => x.version === v);
      if (!s) report.refused.push({ version: v, reason: `there is no migration ${v}` });
      else if (s.state !== 'modified') report.refused.push({ version: v, reason: `migration ${v} is ${s.state}, not modified` });
      else if (s.change !== 'cosmetic') {
        report.refused.push({
          version: v,
          reason: `migration ${v} changed what its up section does; that is not cosmetic. Restore the applied text, or roll it back and apply it again.`,
        });
      }
    }
    if (report.refused.length > 0 || (wanted.length === 0 && !options.clearFailed)) return report;
    return this.core.withLock('repair', async () => {
      const byVersion = new Map(files.map((f) => [f.version, f]));
      for (const v of wanted) {
        const f = byVersion.get(v)!;
        await this.target.acceptChange(v, {
          checksum: f.checksum,
          upChecksum: f.upChecksum,
          source: f.source,
          downSql: f.down ? joinStatements(f.down) : null,
          fileName: f.fileName,
        });
        report.accepted.push(v);
      }
      if (options.clearFailed) report.clearedFailures = await this.target.clearFailures();
      return report;
    });
  }


  /**
   * Up, down, up on a scratch copy of the database, comparing schema hashes: after down the schema
   * must be the one before up, and after the second up the one after the first. Tests every
   * pending migration in order, or (none pending) the latest applied one with its recorded SQL.
   */
  testRollback(options: { versions?: readonly number[] } = {}): Promise<RollbackTestReport> {
    return testRollback(this.core, options);
  }

  /**
   * Puts the database back in a known state after a crash or a failure: breaks the lock of a dead
   * runner (or an expired one with `breakStale`), marks interrupted runs, reverts what a
   * no-transaction migration left half-applied (working out from the journal and the live schema
   * how far it really got), completes a half-done rollback, clears recorded failures, then checks
   * integrity_check, foreign_key_check and the schema hash (against the history and a fresh replay).
   */
  recover(options: { breakStale?: boolean } = {}): Promise<RecoveryReport> {
    return recover(this.core, options);
  }

  /**
   * What the history says about an applied migration file (by its `NNNN_name.sql` name): the input
   * `analyzeMigrationFile` needs to flag an applied file that changed and restore its text.
   * Undefined when that version is not applied (or the database does not exist).
   */
  async appliedInfo(fileName: string): Promise<(AppliedFileInfo & { version: number; appliedAt: number; fileName: string }) | undefined> {
    const parsed = parseMigrationFileName(fileName.split(/[\\/]/).pop() ?? fileName);
    if (!parsed || !(await this.target.exists())) return undefined;
    const h = (await this.target.readHistory()).find((x) => x.version === parsed.version && x.success);
    return h ? { version: h.version, fileName: h.fileName, appliedAt: h.appliedAt, checksum: h.checksum, upChecksum: h.upChecksum, source: h.source } : undefined;
  }

  listSnapshots(): SnapshotInfo[] {
    return this.options.snapshots?.list() ?? [];
  }

  /** Replaces the database with a snapshot (taking a safety snapshot first), under the lock. */
  async restore(id: string): Promise<RestoreReport> {
    const store = this.options.snapshots;
    if (!store) throw new MigrationError(`Snapshots are disabled for ${this.database}.`, { code: 'RB-MIGRATE-SNAPSHOT', guidance: 'RB-MIGRATE-001' });
    const snap = store.find(id);
    return this.core.withLock('restore', async (lock) => {
      const safety = (await this.target.exists()) ? await store.take(this.target, currentVersion(await this.target.readHistory()), 'restore') : undefined;
      const row = await this.target.readLock();
      await this.target.restoreFrom(snap.file, row && row.id === lock.owner.id ? row : undefined);
      const problems = await this.target.integrityCheck();
      if (problems.length > 0) throw new RecoveryError(`The restored database fails integrity_check: ${problems.slice(0, 3).join('; ')}`);
      return { restored: snap, safety, current: currentVersion(await this.target.readHistory()) };
    });
  }

  /** Breaks the lock when its owner is dead or its heartbeat expired; a live lock only with `force`. */
  async unlock(options: { force?: boolean } = {}): Promise<UnlockReport> {
    const row = await this.target.readLock();
    if (!row) return { message: `${this.database} is not locked.` };
    const stale = staleness(row, this.clock.now(), this.identity.host, this.alive);
    if (!stale && !options.force) {
      throw new LockError(
        `The migration lock on ${this.database} is held by a live runner: ${describeIdentity(row)}, "${row.command}", heartbeat ${new Date(row.heartbeatAt).toISOString()}. It was left alone; pass --force to break it anyway.`,
        { code: 'RB-LOCK-MIGRATE', guidance: 'RB-LOCK-001', context: { component: 'migrations' } },
      );
    }
    const reason = stale ?? 'forced';
    if (!(await this.target.breakLock(row))) return { message: 'The lock changed meanwhile; nothing was broken. Try again.' };
    this.core.progress.fire({ kind: 'lock-broken', holder: row, reason });
    return { broken: row, reason, message: `Broke the lock of ${describeIdentity(row)} (${reason === 'dead-owner' ? 'its process is gone' : reason === 'expired' ? 'its heartbeat expired' : 'forced'}).` };
  }

  dispose(): void {
    this.core.progress.dispose();
  }
}
