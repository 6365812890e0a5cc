import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../engine/clock';
import { CancelledError, LockError, MigrationError, RecoveryError, RollbackError, isLockError } from '../../engine/errors';
import { EventEmitter, type Event } from '../../engine/event';
import {
  computeStatus,
  currentVersion,
  describeStatement,
  inverseStatement,
  isSchemaNeutral,
  joinStatements,
  nonTransactionalReason,
  parseMigrationFileName,
  partialEntries,
  planDown,
  planTo,
  planUp,
  recordedStatements,
  tokenize,
  validateMigrations,
  type AppliedFileInfo,
  type AppliedMigration,
  type DownOptions,
  type JournalEntry,
  type MigrationDefinition,
  type MigrationPlan,
  type MigrationStatus,
  type PlanStep,
  type RunRecord,
  type SchemaObject,
  type UpOptions,
  type ValidationFinding,
} from '../../engine/migrations';
import { exponentialBackoff } from '../../engine/resilience/backoff';
import { retry, type RetryPolicy } from '../../engine/resilience/retry';
import { loadMigrations, type LoadedMigrations } from './files';
import { currentIdentity, describeIdentity, isProcessAlive, randomId, type ProcessIdentity } from './identity';
import { MigrationLock, staleness, type LockOptions } from './lock';
import type { SnapshotInfo, SnapshotStore } from './snapshots';
import type { ApplyOutcome, ApplyRequest, ForeignKeyViolation, GroupOutcome, LockRow, MigrationTarget } from './target';

export interface MigratorOptions {
  target: MigrationTarget;
  /** The folder of NNNN_name.sql files. */
  migrationsDir: string;
  /** The database's name in config (for messages). */
  database?: string;
  /** Where snapshots go; none are taken without it. */
  snapshots?: SnapshotStore;
  lock?: Pick<LockOptions, 'waitMs' | 'expiryMs' | 'heartbeatMs'>;
  /** Retries a migration that hit SQLITE_BUSY before anything of it was committed (default: 4 attempts, exponential from 200 ms). */
  busyRetry?: RetryPolicy;
  allowOutOfOrder?: boolean;
  clock?: Clock;
  random?: RandomSource;
  identity?: ProcessIdentity;
  isProcessAlive?: (pid: number) => boolean;
  /**
   * Group commit: consecutive transactional migrations share one transaction, each in its own
   * savepoint (a failure still undoes only that migration), committed every `maxMigrations` or
   * `maxMs`. `false` commits every migration on its own. Default { maxMigrations: 1000, maxMs: 500 }.
   */
  groupCommit?: { maxMigrations?: number; maxMs?: number } | false;
  /** Folder for test-rollback's scratch copy (default the OS temp folder). */
  scratchDir?: string;
  signal?: AbortSignal;
}

export type MigrationProgress =
  | { kind: 'lock-wait'; holder: LockRow; delayMs: number }
  | { kind: 'lock-broken'; holder: LockRow; reason: 'dead-owner' | 'expired' | 'forced' }
  | { kind: 'snapshot'; snapshot: SnapshotInfo }
  /** A run starts, under the lock, with the plan it carries out (made again once the lock was held). */
  | { kind: 'run-start'; runId: string; direction: 'up' | 'down'; from: number; to: number; total: number; versions: number[] }
  | { kind: 'step-start'; step: PlanStep; index: number; total: number }
  | { kind: 'step-done'; step: PlanStep; index: number; total: number; durationMs: number }
  | { kind: 'step-retry'; step: PlanStep; attempt: number; delayMs: number; error: string }
  | { kind: 'step-failed'; step: PlanStep; error: string }
  | { kind: 'note'; message: string };

export interface StatusReport {
  database: string;
  location: string;
  exists: boolean;
  /** Highest applied version (0 when none). */
  current: number;
  entries: MigrationStatus[];
  lock?: LockRow & { stale?: 'dead-owner' | 'expired' };
  /** Runs recorded as running whose runner holds no lock: interrupted (recover marks them). */
  interruptedRuns: RunRecord[];
  /** `.sql` files whose name is not NNNN_name.sql. */
  ignoredFiles: string[];
  missingFolder: boolean;
  /** The live schema differs from the one recorded after the last migration. */
  drift: boolean;
  schemaHash: string;
}

export interface StepResult {
  version: number;
  name: string;
  direction: 'up' | 'down';
  durationMs: number;
  schemaAfter: string;
}

export interface RunReport {
  command: string;
  database: string;
  runId?: string;
  direction: MigrationPlan['direction'];
  from: number;
  to: number;
  steps: StepResult[];
  snapshot?: SnapshotInfo;
  warnings: string[];
  brokenLocks: Array<{ holder: LockRow; reason: string }>;
  durationMs: number;
}

export interface ValidationReport {
  ok: boolean;
  findings: ValidationFinding[];
  drift: boolean;
}

export interface RepairOptions {
  /** Versions whose cosmetic change to accept, or 'all' for every cosmetic change. */
  accept?: readonly number[] | 'all';
  /** Remove recorded failures (they left nothing applied), so they read as pending. */
  clearFailed?: boolean;
}

export interface RepairReport {
  accepted: number[];
  clearedFailures: number[];
  /** Changes that could be accepted (cosmetic), when nothing was asked for. */
  candidates: number[];
  refused: Array<{ version: number; reason: string }>;
}

export interface RollbackTestResult {
  version: number;
  name: string;
  ok: boolean;
  problem?: string;
  hashes: { before?: string; afterUp?: string; afterDown?: string; afterReapply?: string };
}

export interface RollbackTestReport {
  ok: boolean;
  /** Tested on a copy of applied history (no pending migration) rather than on pending files. */
  mode: 'pending' | 'latest-applied';
  results: RollbackTestResult[];
}

export interface RecoveryReport {
  ok: boolean;
  brokenLocks: Array<{ holder: LockRow; reason: string }>;
  interruptedRuns: RunRecord[];
  reverted: Array<{ version: number; statementsUndone: number; direction: 'up' | 'down'; action: string }>;
  clearedFailures: number[];
  snapshot?: SnapshotInfo;
  checks: {
    integrity: string[];
    foreignKeys: ForeignKeyViolation[];
    schemaHash: string;
    /** The hash recorded after the last applied migration (undefined when none is applied). */
    recordedHash?: string;
    /** The hash of a fresh database with the recorded migrations replayed (undefined when skipped). */
    replayHash?: string;
    replayNote?: string;
  };
  problems: string[];
}

export interface RestoreReport {
  restored: SnapshotInfo;
  /** The snapshot taken just before restoring (so the restore can be undone). */
  safety?: SnapshotInfo;
  current: number;
}

export interface UnlockReport {
  broken?: LockRow;
  reason?: 'dead-owner' | 'expired' | 'forced';
  message: string;
}

class BusyRetry extends LockError {}

/**
 * Runs the migrations of one target: status, plan, up, down, to, validate, repair, test-rollback,
 * recover, snapshots and restore, with the lock, snapshots, journal and verification.
 */
export class Migrator {
  private readonly target: MigrationTarget;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly identity: ProcessIdentity;
  private readonly alive: (pid: number) => boolean;
  private readonly progress = new EventEmitter<MigrationProgress>();
  /** Progress of runs: lock waits, snapshots, each migration started, done, retried or failed. */
  readonly onDidProgress: Event<MigrationProgress> = this.progress.event;
  readonly database: string;

  constructor(private readonly options: MigratorOptions) {
    this.target = options.target;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.identity = options.identity ?? currentIdentity();
    this.alive = options.isProcessAlive ?? isProcessAlive;
    this.database = options.database ?? options.target.location;
  }

  private load() {
    return this.pinned ?? loadMigrations(this.options.migrationsDir);
  }

  /** The files as read at the start of a run: plans before and under the lock use the same ones. */
  private pinned: LoadedMigrations | undefined;

  private appliedBy(): string {
    return describeIdentity(this.identity);
  }

  private state() {
    const loaded = this.load();
    const history = this.target.readHistory();
    const journal = this.target.readJournal();
    const status = computeStatus(loaded.definitions, history, journal);
    return { loaded, files: loaded.definitions, history, journal, status };
  }

  status(): StatusReport {
    const { loaded, history, status } = this.state();
    const lock = this.target.readLock();
    const runs = this.target.readRuns();
    const schema = this.target.exists() ? this.target.schemaHash() : '';
    const last = latestApplied(history);
    return {
      database: this.database,
      location: this.target.location,
      exists: this.target.exists(),
      current: currentVersion(history),
      entries: status,
      lock: lock ? { ...lock, stale: staleness(lock, this.clock.now(), this.identity.host, this.alive) } : undefined,
      interruptedRuns: runs.filter((r) => r.state === 'running' && (!lock || lock.pid !== r.pid || lock.host !== r.host)),
      ignoredFiles: loaded.ignored,
      missingFolder: loaded.missingFolder,
      drift: last !== undefined && last.schemaAfter !== null && this.target.exists() && schema !== last.schemaAfter,
      schemaHash: schema,
    };
  }

  /** The dry run of up, down or to: what would run, what blocks it. Nothing is written. */
  plan(request: { command: 'up'; options?: UpOptions } | { command: 'down'; options?: DownOptions } | { command: 'to'; version: number }): MigrationPlan {
    const { files, history, status } = this.state();
    const allowOutOfOrder = this.options.allowOutOfOrder;
    if (request.command === 'up') return planUp(status, files, { allowOutOfOrder, ...request.options });
    if (request.command === 'down') return planDown(status, history, request.options);
    return planTo(status, files, history, request.version, { allowOutOfOrder });
  }

  validate(): ValidationReport {
    const { files, status } = this.state();
    const findings = validateMigrations(status, files);
    const drift = this.status().drift;
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

  private newLock(command: string, breakStale = false): MigrationLock {
    return new MigrationLock(
      this.target,
      { id: randomId(), pid: this.identity.pid, host: this.identity.host, user: this.identity.user, command: `migrate ${command}` },
      {
        ...this.options.lock,
        breakStale,
        clock: this.clock,
        random: this.random,
        host: this.identity.host,
        isProcessAlive: this.alive,
        signal: this.options.signal,
        onWait: (holder, delayMs) => this.progress.fire({ kind: 'lock-wait', holder, delayMs }),
      },
    );
  }

  private async withLock<T>(command: string, fn: (lock: MigrationLock) => Promise<T> | T, breakStale = false): Promise<T> {
    const lock = this.newLock(command, breakStale);
    await lock.acquire();
    for (const b of lock.broken) this.progress.fire({ kind: 'lock-broken', holder: b.holder, reason: b.reason });
    let result: T;
    try {
      result = await fn(lock);
    } catch (err) {
      try {
        lock.release();
      } catch {
        // A database still busy after a failure must not replace that failure: the lock row stays,
        // its heartbeat has stopped, and it expires (or its owner's exit makes it stale).
      }
      throw err;
    }
    lock.release();
    return result;
  }

  /**
   * Refuses a blocked plan. Before the lock is held (`underLock` false) a `partial` state may be
   * another runner's migration in progress, so only blockers that do not depend on it count.
   */
  private throwBlockers(plan: MigrationPlan, command: string, underLock: boolean): void {
    const blockers = underLock ? plan.blockers : plan.blockers.filter((b) => b.code !== 'partial');
    if (blockers.length === 0) return;
    throw new MigrationError(`Nothing was run: \`migrate ${command}\` is blocked.\n- ${blockers.map((b) => b.message).join('\n- ')}`, {
      code: 'RB-MIGRATE-BLOCKED', guidance: 'RB-MIGRATE-001',
      context: { component: 'migrations', file: this.target.location },
    });
  }

  private async run(command: string, makePlan: () => MigrationPlan, verify = true): Promise<RunReport> {
    this.pinned = loadMigrations(this.options.migrationsDir);
    try {
      return await this.runPinned(command, makePlan, verify);
    } finally {
      this.pinned = undefined;
    }
  }

  private async runPinned(command: string, makePlan: () => MigrationPlan, verify: boolean): Promise<RunReport> {
    const started = this.clock.now();
    // Refuse early, before waiting for a lock, when the plan is blocked.
    const preview = makePlan();
    this.throwBlockers(preview, command, false);
    const empty = (plan: MigrationPlan, broken: RunReport['brokenLocks'] = []): RunReport => ({
      command,
      database: this.database,
      direction: 'none',
      from: plan.from,
      to: plan.from,
      steps: [],
      warnings: plan.warnings,
      brokenLocks: broken,
      durationMs: this.clock.now() - started,
    });
    if (preview.steps.length === 0 && !preview.blockers.some((b) => b.code === 'partial')) return empty(preview);
    return this.withLock(command, async (lock) => {
      const brokenLocks = lock.broken.map((b) => ({ holder: b.holder, reason: b.reason }));
      // Someone else may have migrated while we waited: plan again under the lock.
      const plan = makePlan();
      this.throwBlockers(plan, command, true);
      if (plan.steps.length === 0) return empty(plan, brokenLocks);
      const runId = randomId();
      this.target.startRun({
        runId,
        command: `migrate ${command}`,
        owner: this.appliedBy(),
        pid: this.identity.pid,
        host: this.identity.host,
        startedAt: this.clock.now(),
        finishedAt: null,
        state: 'running',
        detail: null,
      });
      this.progress.fire({ kind: 'run-start', runId, direction: plan.direction === 'down' ? 'down' : 'up', from: plan.from, to: plan.to, total: plan.steps.length, versions: plan.steps.map((st) => st.version) });
      const report: RunReport = {
        command,
        database: this.database,
        runId,
        direction: plan.direction,
        from: plan.from,
        to: plan.from,
        steps: [],
        warnings: plan.warnings,
        brokenLocks,
        durationMs: 0,
      };
      try {
        if (this.options.snapshots) {
          report.snapshot = this.options.snapshots.take(this.target, plan.from, command);
          this.progress.fire({ kind: 'snapshot', snapshot: report.snapshot });
        }
        const files = new Map(this.load().definitions.map((f) => [f.version, f]));
        const history = new Map(this.target.readHistory().map((h) => [h.version, h]));
        let schema = this.target.schemaHash();
        const group = this.options.groupCommit === false ? { maxMigrations: 1, maxMs: 0 } : { maxMigrations: 1000, maxMs: 500, ...this.options.groupCommit };
        const total = plan.steps.length;
        let i = 0;
        let announced = 0;
        while (i < total) {
          const step = plan.steps[i];
          if (this.options.signal?.aborted) {
            throw new CancelledError(`Stopped before migration ${step.version}: ${report.steps.length} of ${total} done.`, {
              context: { component: 'migrations', runId },
            });
          }
          lock.heartbeatIfDue();
          // Consecutive transactional steps go together; a no-transaction step runs alone.
          let j = i + 1;
          if (!step.noTransaction) while (j < total && j - i < group.maxMigrations && !plan.steps[j].noTransaction) j++;
          const batch = plan.steps.slice(i, j);
          for (let k = Math.max(i, announced); k < j; k++) this.progress.fire({ kind: 'step-start', step: plan.steps[k], index: k, total });
          announced = Math.max(announced, j);
          const requests = batch.map((st) => this.request(runId, st, files.get(st.version), history.get(st.version), verify));
          requests[0].schemaBefore = schema;
          const result = await this.applyWithBusyRetry(batch[0], () =>
            step.noTransaction ? single(this.target.apply(requests[0])) : this.target.applyGroup(requests, { maxMs: group.maxMs }),
          );
          for (const ok of result.applied) {
            const st = plan.steps[i];
            schema = ok.schemaAfter;
            report.steps.push({ version: st.version, name: st.name, direction: st.direction, durationMs: ok.durationMs, schemaAfter: ok.schemaAfter });
            this.progress.fire({ kind: 'step-done', step: st, index: i, total, durationMs: ok.durationMs });
            i++;
          }
          if (result.failure) {
            const failed = batch[result.failure.index];
            const err = this.stepError(failed, result.failure.outcome, report, result.failure.groupLost === true);
            this.progress.fire({ kind: 'step-failed', step: failed, error: err.message });
            throw err;
          }
        }
        report.to = currentVersion(this.target.readHistory());
        report.durationMs = this.clock.now() - started;
        this.target.finishRun(runId, 'succeeded', `${report.steps.length} migration(s) ${plan.direction}`, this.clock.now());
        return report;
      } catch (err) {
        try {
          this.target.finishRun(runId, 'failed', (err as Error)?.message ?? String(err), this.clock.now());
        } catch {
          // The run row stays 'running'; recover reports it as interrupted.
        }
        throw err;
      }
    });
  }

  private busyPolicy(): RetryPolicy {
    return (
      this.options.busyRetry ??
      retry({
        maxAttempts: 4,
        backoff: exponentialBackoff({ baseMs: 200, maxMs: 2000, jitter: 'full' }),
        retryOn: { when: (e) => e instanceof BusyRetry },
        clock: this.clock,
        random: this.random,
      })
    );
  }

  private request(runId: string, step: PlanStep, file: MigrationDefinition | undefined, applied: AppliedMigration | undefined, verify: boolean): ApplyRequest {
    const now = () => this.clock.now();
    if (step.direction === 'down') {
      return {
        runId,
        version: step.version,
        direction: 'down',
        statements: step.statements,
        noTransaction: step.noTransaction,
        expectSchemaAfter: verify ? applied?.schemaBefore : undefined,
        now,
      };
    }
    return {
      runId,
      version: step.version,
      direction: 'up',
      statements: step.statements,
      noTransaction: step.noTransaction,
      now,
      history: {
        version: step.version,
        name: step.name,
        fileName: file!.fileName,
        checksum: file!.checksum,
        upChecksum: file!.upChecksum,
        source: file!.source,
        upSql: joinStatements(file!.up),
        downSql: file!.down ? joinStatements(file!.down) : null,
        noTransaction: file!.noTransaction,
        appliedBy: this.appliedBy(),
      },
    };
  }

  /** SQLITE_BUSY is retried, through the busy retry policy, only while nothing of the migration was committed. */
  private async applyWithBusyRetry(step: PlanStep, attempt: () => GroupOutcome): Promise<GroupOutcome> {
    let last: GroupOutcome | undefined;
    const policy = this.busyPolicy();
    const sub = policy.onRetry((e) =>
      this.progress.fire({ kind: 'step-retry', step, attempt: e.attempt, delayMs: e.delayMs, error: (e.error as Error)?.message ?? String(e.error) }),
    );
    try {
      return await policy.execute(() => {
        last = attempt();
        const f = last.failure;
        if (last.applied.length === 0 && f && f.index === 0 && f.outcome.busy && !f.outcome.committed) {
          throw new BusyRetry(`Database busy: ${(f.outcome.error as Error)?.message ?? String(f.outcome.error)}`, { code: 'RB-LOCK-SQLITE-BUSY', guidance: 'RB-LOCK-001', context: { component: 'migrations' } });
        }
        return last;
      }, this.options.signal);
    } catch (err) {
      if (err instanceof BusyRetry && last) return last;
      throw err;
    } finally {
      sub.dispose();
    }
  }

  private stepError(step: PlanStep, outcome: Extract<ApplyOutcome, { ok: false }>, report: RunReport, groupLost = false): Error {
    const n = step.statements.length;
    const where =
      outcome.failedStatement !== undefined
        ? `at statement ${outcome.failedStatement + 1} of ${n} (${oneLine(step.statements[outcome.failedStatement] ?? '')})`
        : `after its ${n} statement(s)`;
    const cause = (outcome.error as Error)?.message ?? String(outcome.error);
    const stayed = outcome.committed
      ? `${outcome.statementsDone} statement(s) stayed committed (no-transaction file): run \`rebound migrate recover\`.`
      : groupLost
        ? 'Nothing of it was committed, and SQLite also rolled back the migrations run with it since the last commit.'
        : 'Nothing of it was committed.';
    const before = report.steps.length > 0 ? ` Done before it in this run: ${report.steps.map((s) => s.version).join(', ')}.` : '';
    const verb = step.direction === 'up' ? 'Migration' : 'Rollback of migration';
    const message = `${verb} ${step.version} (${step.fileName ?? step.name}) failed ${where}: ${cause}. ${stayed}${before}`;
    const context = { component: 'migrations', migration: step.fileName ?? step.name, runId: report.runId, durationMs: outcome.durationMs };
    if (isLockError(outcome.error) || outcome.busy) return new LockError(message, { code: 'RB-LOCK-SQLITE-BUSY', guidance: 'RB-LOCK-001', retryable: !outcome.committed, context, cause: outcome.error });
    const inner = (outcome.error as { code?: string })?.code;
    if (step.direction === 'down') {
      return new RollbackError(message, { code: inner === 'RB-ROLLBACK-VERIFY' ? inner : undefined, guidance: 'RB-ROLLBACK-001', context, cause: outcome.error });
    }
    return new MigrationError(message, { code: inner === 'RB-MIGRATE-FK' ? inner : undefined, guidance: 'RB-MIGRATE-001', context, cause: outcome.error });
  }

  /** Accepts cosmetic changes of applied files (explicitly, by version or 'all') and clears recorded failures. */
  async repair(options: RepairOptions = {}): Promise<RepairReport> {
    const { files, status } = this.state();
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
    return this.withLock('repair', () => {
      const byVersion = new Map(files.map((f) => [f.version, f]));
      for (const v of wanted) {
        const f = byVersion.get(v)!;
        this.target.acceptChange(v, {
          checksum: f.checksum,
          upChecksum: f.upChecksum,
          source: f.source,
          downSql: f.down ? joinStatements(f.down) : null,
          fileName: f.fileName,
        });
        report.accepted.push(v);
      }
      if (options.clearFailed) report.clearedFailures = this.target.clearFailures();
      return report;
    });
  }

  /**
   * Up, down, up on a scratch copy of the database, comparing schema hashes: after down the schema
   * must be the one before up, and after the second up the one after the first. Tests every
   * pending migration in order, or (none pending) the latest applied one with its recorded SQL.
   */
  async testRollback(options: { versions?: readonly number[] } = {}): Promise<RollbackTestReport> {
    const { files, history, status } = this.state();
    const scratchFile = join(this.options.scratchDir ?? tmpdir(), `rebound-test-rollback-${randomId()}.db`);
    const scratch = this.target.cloneTo(scratchFile);
    const results: RollbackTestResult[] = [];
    const runId = `test-rollback-${randomId()}`;
    const now = () => this.clock.now();
    try {
      let pending = status.filter((s) => s.state === 'pending' || s.state === 'failed').map((s) => files.find((f) => f.version === s.version)!).filter(Boolean);
      if (options.versions) pending = pending.filter((f) => options.versions!.includes(f.version));
      if (pending.length > 0) {
        for (const f of pending) {
          const r: RollbackTestResult = { version: f.version, name: f.name, ok: false, hashes: {} };
          results.push(r);
          const before = scratch.schemaHash();
          r.hashes.before = before;
          const history = {
            version: f.version,
            name: f.name,
            fileName: f.fileName,
            checksum: f.checksum,
            upChecksum: f.upChecksum,
            source: f.source,
            upSql: joinStatements(f.up),
            downSql: f.down ? joinStatements(f.down) : null,
            noTransaction: f.noTransaction,
            appliedBy: this.appliedBy(),
          };
          const up = scratch.apply({ runId, version: f.version, direction: 'up', statements: f.up, noTransaction: f.noTransaction, history, now });
          if (!up.ok) {
            r.problem = `up failed: ${(up.error as Error)?.message ?? String(up.error)}`;
            break;
          }
          r.hashes.afterUp = up.schemaAfter;
          if (!f.down) {
            r.problem = 'no down section: it cannot be rolled back';
            continue;
          }
          const down = scratch.apply({ runId, version: f.version, direction: 'down', statements: f.down, noTransaction: f.noTransaction, now });
          if (!down.ok) {
            r.problem = `down failed: ${(down.error as Error)?.message ?? String(down.error)}`;
            if (down.committed) break;
            continue;
          }
          r.hashes.afterDown = down.schemaAfter;
          if (down.schemaAfter !== before) {
            r.problem = 'after down the schema differs from the one before up: the down section does not undo the up section exactly';
            break;
          }
          const again = scratch.apply({ runId, version: f.version, direction: 'up', statements: f.up, noTransaction: f.noTransaction, history, now });
          if (!again.ok) {
            r.problem = `second up failed: ${(again.error as Error)?.message ?? String(again.error)}`;
            break;
          }
          r.hashes.afterReapply = again.schemaAfter;
          if (again.schemaAfter !== up.schemaAfter) {
            r.problem = 'after the second up the schema differs from the one after the first up';
            break;
          }
          r.ok = true;
        }
        return { ok: results.length > 0 && results.every((r) => r.ok), mode: 'pending', results };
      }
      const last = latestApplied(history);
      if (!last) return { ok: true, mode: 'pending', results };
      const r: RollbackTestResult = { version: last.version, name: last.name, ok: false, hashes: { before: last.schemaBefore, afterUp: last.schemaAfter ?? undefined } };
      results.push(r);
      if (last.downSql === null) {
        r.problem = 'no down section: it cannot be rolled back';
        return { ok: false, mode: 'latest-applied', results };
      }
      const down = scratch.apply({
        runId,
        version: last.version,
        direction: 'down',
        statements: recordedStatements(last.downSql),
        noTransaction: last.noTransaction,
        now,
      });
      if (!down.ok) r.problem = `down failed: ${(down.error as Error)?.message ?? String(down.error)}`;
      else if (down.schemaAfter !== last.schemaBefore) {
        r.hashes.afterDown = down.schemaAfter;
        r.problem = 'after down the schema differs from the one recorded before the migration was applied';
      } else {
        r.hashes.afterDown = down.schemaAfter;
        const again = scratch.apply({
          runId,
          version: last.version,
          direction: 'up',
          statements: recordedStatements(last.upSql),
          noTransaction: last.noTransaction,
          history: { ...last },
          now,
        });
        if (!again.ok) r.problem = `second up failed: ${(again.error as Error)?.message ?? String(again.error)}`;
        else {
          r.hashes.afterReapply = again.schemaAfter;
          if (again.schemaAfter !== last.schemaAfter) r.problem = 'after applying it again the schema differs from the one recorded after it was applied';
          else r.ok = true;
        }
      }
      return { ok: r.ok, mode: 'latest-applied', results };
    } finally {
      scratch.close();
      for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(scratchFile + suffix, { force: true });
    }
  }

  /**
   * Puts the database back in a known state after a crash or a failure: breaks the lock of a dead
   * runner (or an expired one with `breakStale`), marks interrupted runs, reverts what a
   * no-transaction migration left half-applied (working out from the journal and the live schema
   * how far it really got), completes a half-done rollback, clears recorded failures, then checks
   * integrity_check, foreign_key_check and the schema hash (against the history and a fresh replay).
   */
  async recover(options: { breakStale?: boolean } = {}): Promise<RecoveryReport> {
    return this.withLock(
      'recover',
      (lock) => {
        const runId = randomId();
        const report: RecoveryReport = {
          ok: false,
          brokenLocks: lock.broken.map((b) => ({ holder: b.holder, reason: b.reason })),
          interruptedRuns: this.target.markInterruptedRuns(runId, this.clock.now()),
          reverted: [],
          clearedFailures: [],
          checks: { integrity: [], foreignKeys: [], schemaHash: '' },
          problems: [],
        };
        this.target.startRun({
          runId,
          command: 'migrate recover',
          owner: this.appliedBy(),
          pid: this.identity.pid,
          host: this.identity.host,
          startedAt: this.clock.now(),
          finishedAt: null,
          state: 'running',
          detail: null,
        });
        try {
          const partial = partialEntries(this.target.readJournal()).sort((a, b) => b.id - a.id);
          if (partial.length > 0 && this.options.snapshots) {
            report.snapshot = this.options.snapshots.take(this.target, currentVersion(this.target.readHistory()), 'recover');
            this.progress.fire({ kind: 'snapshot', snapshot: report.snapshot });
          }
          for (const entry of partial) {
            lock.heartbeatIfDue();
            report.reverted.push(this.recoverEntry(runId, entry));
            this.progress.fire({ kind: 'note', message: report.reverted[report.reverted.length - 1].action });
          }
          report.clearedFailures = this.target.clearFailures();
          this.verify(report);
          report.ok = report.problems.length === 0;
          this.target.finishRun(runId, report.ok ? 'succeeded' : 'failed', report.problems.join('; ') || null, this.clock.now());
          return report;
        } catch (err) {
          try {
            this.target.finishRun(runId, 'failed', (err as Error)?.message ?? String(err), this.clock.now());
          } catch {
            // best effort
          }
          throw err;
        }
      },
      options.breakStale ?? false,
    );
  }

  private recoverEntry(runId: string, entry: JournalEntry): RecoveryReport['reverted'][number] {
    const statements = recordedStatements(entry.sql);
    const objects = entry.schemaObjectsBefore ? (JSON.parse(entry.schemaObjectsBefore) as SchemaObject[]) : null;
    const live = this.target.schemaHash();
    let actual: number | undefined = entry.statementsDone;
    if (objects) {
      actual = undefined;
      const order = [entry.statementsDone, entry.statementsDone + 1, ...statements.map((_, i) => i), statements.length];
      const tried = new Set<number>();
      for (const j of order) {
        if (j < 0 || j > statements.length || tried.has(j)) continue;
        tried.add(j);
        let hash: string;
        try {
          hash = this.target.replayHash(objects, statements.slice(0, j));
        } catch {
          continue;
        }
        if (hash === live) {
          actual = j;
          break;
        }
      }
    }
    const snapshotHint = this.options.snapshots ? ' Restore the snapshot taken before that run (`rebound migrate snapshots`, then `rebound migrate restore ID`).' : '';
    if (actual === undefined) {
      throw new RecoveryError(
        `Migration ${entry.version} was interrupted after ${entry.statementsDone} of ${entry.statementCount} statement(s), but the live schema matches no point of it, so Rebound cannot tell what to undo.${snapshotHint}`,
        { context: { component: 'migrations', runId: entry.runId } },
      );
    }
    const done = statements.slice(0, actual);
    if (entry.direction === 'up') {
      const undo: string[] = [];
      for (let j = done.length - 1; j >= 0; j--) {
        const info = describeStatement(tokens(done[j]));
        if (isSchemaNeutral(info)) continue;
        const inverse = inverseStatement(info);
        if (inverse) {
          undo.push(inverse);
          continue;
        }
        // Data written into a table this migration created goes away with that table.
        const table = info.name?.id;
        const createdHere =
          (info.kind === 'insert' || info.kind === 'update' || info.kind === 'delete') &&
          table !== undefined &&
          done.slice(0, j).some((s) => {
            const d = describeStatement(tokens(s));
            return d.kind === 'create-table' && d.name?.id === table;
          });
        if (createdHere) continue;
        throw new RecoveryError(
          `Migration ${entry.version} was interrupted after ${actual} of ${statements.length} statement(s); statement ${j + 1} (${oneLine(done[j])}) cannot be undone automatically.${snapshotHint}`,
          { context: { component: 'migrations', runId: entry.runId } },
        );
      }
      this.target.repairPartial({
        runId,
        entryId: entry.id,
        version: entry.version,
        statements: undo,
        entryState: 'reverted',
        deleteHistory: false,
        expectSchemaAfter: entry.schemaBefore,
        now: () => this.clock.now(),
      });
      return {
        version: entry.version,
        direction: 'up',
        statementsUndone: undo.length,
        action: `Reverted the ${actual} applied statement(s) of migration ${entry.version} (${undo.length} undo statement(s)); it is pending again.`,
      };
    }
    // A half-done rollback is completed: the migration was being removed.
    const remaining = statements.slice(actual).filter((s) => nonTransactionalReason(describeStatement(tokens(s))) === undefined);
    const h = this.target.readHistory().find((x) => x.version === entry.version);
    this.target.repairPartial({
      runId,
      entryId: entry.id,
      version: entry.version,
      statements: remaining,
      entryState: 'committed',
      deleteHistory: true,
      expectSchemaAfter: h?.schemaBefore ?? entry.schemaBefore,
      now: () => this.clock.now(),
    });
    return {
      version: entry.version,
      direction: 'down',
      statementsUndone: remaining.length,
      action: `Completed the interrupted rollback of migration ${entry.version} (${remaining.length} remaining statement(s)); it is pending again.`,
    };
  }

  private verify(report: RecoveryReport): void {
    const t = this.target;
    report.checks.integrity = t.integrityCheck();
    if (report.checks.integrity.length > 0) report.problems.push(`integrity_check: ${report.checks.integrity.slice(0, 5).join('; ')}`);
    report.checks.foreignKeys = t.foreignKeyCheck();
    if (report.checks.foreignKeys.length > 0) report.problems.push(`foreign_key_check: ${report.checks.foreignKeys.length} row(s) reference missing parents`);
    const live = t.schemaHash();
    report.checks.schemaHash = live;
    const applied = appliedInOrder(t.readHistory());
    const empty = t.replayHash(null, []);
    if (applied.length === 0) {
      report.checks.recordedHash = undefined;
      return;
    }
    const last = applied[applied.length - 1];
    report.checks.recordedHash = last.schemaAfter ?? undefined;
    if (last.schemaAfter !== live) report.problems.push(`the schema (hash ${live.slice(0, 12)}) differs from the one recorded after migration ${last.version} (${(last.schemaAfter ?? '').slice(0, 12)})`);
    if (applied[0].schemaBefore !== empty) {
      report.checks.replayNote = 'replay skipped: the database had tables before its first migration';
      return;
    }
    try {
      report.checks.replayHash = t.replayHash(
        null,
        applied.flatMap((h) => recordedStatements(h.upSql)),
      );
      if (report.checks.replayHash !== live) report.problems.push(`the schema differs from a fresh replay of the ${applied.length} recorded migration(s)`);
    } catch (err) {
      report.checks.replayNote = `replay failed: ${(err as Error)?.message ?? String(err)}`;
      report.problems.push(report.checks.replayNote);
    }
  }

  /**
   * What the history says about an applied migration file (by its `NNNN_name.sql` name): the input
   * `analyzeMigrationFile` needs to flag an applied file that changed and restore its text.
   * Undefined when that version is not applied (or the database does not exist).
   */
  appliedInfo(fileName: string): (AppliedFileInfo & { version: number; appliedAt: number; fileName: string }) | undefined {
    const parsed = parseMigrationFileName(fileName.split(/[\\/]/).pop() ?? fileName);
    if (!parsed || !this.target.exists()) return undefined;
    const h = this.target.readHistory().find((x) => x.version === parsed.version && x.success);
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
    return this.withLock('restore', async (lock) => {
      const safety = this.target.exists() ? store.take(this.target, currentVersion(this.target.readHistory()), 'restore') : undefined;
      const row = this.target.readLock();
      await this.target.restoreFrom(snap.file, row && row.id === lock.owner.id ? row : undefined);
      const problems = this.target.integrityCheck();
      if (problems.length > 0) throw new RecoveryError(`The restored database fails integrity_check: ${problems.slice(0, 3).join('; ')}`);
      return { restored: snap, safety, current: currentVersion(this.target.readHistory()) };
    });
  }

  /** Breaks the lock when its owner is dead or its heartbeat expired; a live lock only with `force`. */
  unlock(options: { force?: boolean } = {}): UnlockReport {
    const row = this.target.readLock();
    if (!row) return { message: `${this.database} is not locked.` };
    const stale = staleness(row, this.clock.now(), this.identity.host, this.alive);
    if (!stale && !options.force) {
      throw new LockError(
        `The migration lock on ${this.database} is held by a live runner: ${describeIdentity(row)}, "${row.command}", heartbeat ${new Date(row.heartbeatAt).toISOString()}. It was left alone; pass --force to break it anyway.`,
        { code: 'RB-LOCK-MIGRATE', guidance: 'RB-LOCK-001', context: { component: 'migrations' } },
      );
    }
    const reason = stale ?? 'forced';
    if (!this.target.breakLock(row)) return { message: 'The lock changed meanwhile; nothing was broken. Try again.' };
    this.progress.fire({ kind: 'lock-broken', holder: row, reason });
    return { broken: row, reason, message: `Broke the lock of ${describeIdentity(row)} (${reason === 'dead-owner' ? 'its process is gone' : reason === 'expired' ? 'its heartbeat expired' : 'forced'}).` };
  }

  dispose(): void {
    this.progress.dispose();
  }
}

function single(outcome: ApplyOutcome): GroupOutcome {
  return outcome.ok ? { applied: [outcome] } : { applied: [], failure: { index: 0, outcome } };
}

function tokens(sql: string) {
  return tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 60 ? s.slice(0, 59) + '…' : s;
}

/** Applied migrations in the order they were applied. */
function appliedInOrder(history: readonly AppliedMigration[]): AppliedMigration[] {
  return history.filter((h) => h.success).sort((a, b) => a.appliedAt - b.appliedAt || a.version - b.version);
}

function latestApplied(history: readonly AppliedMigration[]): AppliedMigration | undefined {
  const a = appliedInOrder(history);
  return a[a.length - 1];
}
