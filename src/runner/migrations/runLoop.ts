import { CancelledError, LockError, MigrationError, RollbackError, isLockError } from '../../engine/errors';
import { currentVersion, joinStatements, type AppliedMigration, type MigrationDefinition, type MigrationPlan, type PlanStep } from '../../engine/migrations';
import { exponentialBackoff } from '../../engine/resilience/backoff';
import { retry, type RetryPolicy } from '../../engine/resilience/retry';
import { loadMigrations } from './files';
import { randomId } from './identity';
import { oneLine, type MigratorCore } from './migratorCore';
import type { RunReport } from './reports';
import type { ApplyOutcome, ApplyRequest, GroupOutcome } from './target';

/** up, down and to: the plan carried out under the lock, in group-committed batches, with busy retries. */

class BusyRetry extends LockError {}

/**
 * Refuses a blocked plan. Before the lock is held (`underLock` false) a `partial` state may be
 * another runner's migration in progress, so only blockers that do not depend on it count.
 */
function throwBlockers(core: MigratorCore, plan: MigrationPlan, command: string, underLock: boolean): void {
  const blockers = underLock ? plan.blockers : plan.blockers.filter((b) => b.code !== 'partial');
  if (blockers.length === 0) return;
  throw new MigrationError(`Nothing was run: \`migrate ${command}\` is blocked.\n- ${blockers.map((b) => b.message).join('\n- ')}`, {
    code: 'RB-MIGRATE-BLOCKED', guidance: 'RB-MIGRATE-001',
    context: { component: 'migrations', file: core.target.location },
  });
}

export async function runMigrations(core: MigratorCore, command: string, makePlan: () => Promise<MigrationPlan>, verify = true): Promise<RunReport> {
  core.pinned = loadMigrations(core.options.migrationsDir);
  try {
    return await runPinned(core, command, makePlan, verify);
  } finally {
    core.pinned = undefined;
  }
}

async function runPinned(core: MigratorCore, command: string, makePlan: () => Promise<MigrationPlan>, verify: boolean): Promise<RunReport> {
  const started = core.clock.now();
  // Refuse early, before waiting for a lock, when the plan is blocked.
  const preview = await makePlan();
  throwBlockers(core, preview, command, false);
  const empty = (plan: MigrationPlan, broken: RunReport['brokenLocks'] = []): RunReport => ({
    command,
    database: core.database,
    direction: 'none',
    from: plan.from,
    to: plan.from,
    steps: [],
    warnings: plan.warnings,
    brokenLocks: broken,
    durationMs: core.clock.now() - started,
  });
  if (preview.steps.length === 0 && !preview.blockers.some((b) => b.code === 'partial')) return empty(preview);
  return core.withLock(command, async (lock) => {
    const brokenLocks = lock.broken.map((b) => ({ holder: b.holder, reason: b.reason }));
    // Someone else may have migrated while we waited: plan again under the lock.
    const plan = await makePlan();
    throwBlockers(core, plan, command, true);
    if (plan.steps.length === 0) return empty(plan, brokenLocks);
    const runId = randomId();
    await core.target.startRun({
      runId,
      command: `migrate ${command}`,
      owner: core.appliedBy(),
      pid: core.identity.pid,
      host: core.identity.host,
      startedAt: core.clock.now(),
      finishedAt: null,
      state: 'running',
      detail: null,
    });
    core.progress.fire({ kind: 'run-start', runId, direction: plan.direction === 'down' ? 'down' : 'up', from: plan.from, to: plan.to, total: plan.steps.length, versions: plan.steps.map((st) => st.version) });
    const report: RunReport = {
      command,
      database: core.database,
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
      if (core.options.snapshots) {
        report.snapshot = await core.options.snapshots.take(core.target, plan.from, command);
        core.progress.fire({ kind: 'snapshot', snapshot: report.snapshot });
      }
      const files = new Map(core.load().definitions.map((f) => [f.version, f]));
      const history = new Map((await core.target.readHistory()).map((h) => [h.version, h]));
      let schema = await core.target.schemaHash();
      const group = core.options.groupCommit === false ? { maxMigrations: 1, maxMs: 0 } : { maxMigrations: 1000, maxMs: 500, ...core.options.groupCommit };
      const total = plan.steps.length;
      let i = 0;
      let announced = 0;
      while (i < total) {
        const step = plan.steps[i];
        if (core.options.signal?.aborted) {
          throw new CancelledError(`Stopped before migration ${step.version}: ${report.steps.length} of ${total} done.`, {
            context: { component: 'migrations', runId },
          });
        }
        await lock.heartbeatIfDue();
        // Consecutive transactional steps go together; a no-transaction step runs alone.
        let j = i + 1;
        if (!step.noTransaction) while (j < total && j - i < group.maxMigrations && !plan.steps[j].noTransaction) j++;
        const batch = plan.steps.slice(i, j);
        for (let k = Math.max(i, announced); k < j; k++) core.progress.fire({ kind: 'step-start', step: plan.steps[k], index: k, total });
        announced = Math.max(announced, j);
        const requests = batch.map((st) => request(core, runId, st, files.get(st.version), history.get(st.version), verify));
        requests[0].schemaBefore = schema;
        const result = await applyWithBusyRetry(core, batch[0], async () =>
          step.noTransaction ? single(await core.target.apply(requests[0])) : core.target.applyGroup(requests, { maxMs: group.maxMs }),
        );
        for (const ok of result.applied) {
          const st = plan.steps[i];
          schema = ok.schemaAfter;
          report.steps.push({ version: st.version, name: st.name, direction: st.direction, durationMs: ok.durationMs, schemaAfter: ok.schemaAfter });
          core.progress.fire({ kind: 'step-done', step: st, index: i, total, durationMs: ok.durationMs });
          i++;
        }
        if (result.failure) {
          const failed = batch[result.failure.index];
          const err = stepError(failed, result.failure.outcome, report, result.failure.groupLost === true);
          core.progress.fire({ kind: 'step-failed', step: failed, error: err.message });
          throw err;
        }
      }
      report.to = currentVersion(await core.target.readHistory());
      report.durationMs = core.clock.now() - started;
      await core.target.finishRun(runId, 'succeeded', `${report.steps.length} migration(s) ${plan.direction}`, core.clock.now());
      return report;
    } catch (err) {
      await core.failRun(runId, err);
      throw err;
    }
  });
}

function busyPolicy(core: MigratorCore): RetryPolicy {
  return (
    core.options.busyRetry ??
    retry({
      maxAttempts: 4,
      backoff: exponentialBackoff({ baseMs: 200, maxMs: 2000, jitter: 'full' }),
      retryOn: { when: (e) => e instanceof BusyRetry },
      clock: core.clock,
      random: core.random,
    })
  );
}

function request(core: MigratorCore, runId: string, step: PlanStep, file: MigrationDefinition | undefined, applied: AppliedMigration | undefined, verify: boolean): ApplyRequest {
  const now = () => core.clock.now();
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
      appliedBy: core.appliedBy(),
    },
  };
}

/** SQLITE_BUSY is retried, through the busy retry policy, only while nothing of the migration was committed. */
async function applyWithBusyRetry(core: MigratorCore, step: PlanStep, attempt: () => Promise<GroupOutcome>): Promise<GroupOutcome> {
  let last: GroupOutcome | undefined;
  const policy = busyPolicy(core);
  const sub = policy.onRetry((e) =>
    core.progress.fire({ kind: 'step-retry', step, attempt: e.attempt, delayMs: e.delayMs, error: (e.error as Error)?.message ?? String(e.error) }),
  );
  try {
    return await policy.execute(async () => {
      last = await attempt();
      const f = last.failure;
      if (last.applied.length === 0 && f && f.index === 0 && f.outcome.busy && !f.outcome.committed) {
        throw new BusyRetry(`Database busy: ${(f.outcome.error as Error)?.message ?? String(f.outcome.error)}`, { code: 'RB-LOCK-SQLITE-BUSY', guidance: 'RB-LOCK-001', context: { component: 'migrations' } });
      }
      return last;
    }, core.options.signal);
  } catch (err) {
    if (err instanceof BusyRetry && last) return last;
    throw err;
  } finally {
    sub.dispose();
  }
}

function stepError(step: PlanStep, outcome: Extract<ApplyOutcome, { ok: false }>, report: RunReport, groupLost = false): Error {
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

function single(outcome: ApplyOutcome): GroupOutcome {
  return outcome.ok ? { applied: [outcome] } : { applied: [], failure: { index: 0, outcome } };
}
