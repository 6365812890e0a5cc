import { RecoveryError } from '../../engine/errors';
import {
  currentVersion,
  describeStatement,
  inverseStatement,
  isSchemaNeutral,
  nonTransactionalReason,
  partialEntries,
  recordedStatements,
  type JournalEntry,
  type SchemaObject,
} from '../../engine/migrations';
import { randomId } from './identity';
import { appliedInOrder, oneLine, tokens, type MigratorCore } from './migratorCore';
import type { RecoveryReport } from './reports';

/**
 * Puts the database back in a known state after a crash or a failure: breaks the lock of a dead
 * runner (or an expired one with `breakStale`), marks interrupted runs, reverts what a
 * no-transaction migration left half-applied (working out from the journal and the live schema
 * how far it really got), completes a half-done rollback, clears recorded failures, then checks
 * integrity_check, foreign_key_check and the schema hash (against the history and a fresh replay).
 */
export async function recover(core: MigratorCore, options: { breakStale?: boolean } = {}): Promise<RecoveryReport> {
  return core.withLock(
    'recover',
    async (lock) => {
      const runId = randomId();
      const report: RecoveryReport = {
        ok: false,
        brokenLocks: lock.broken.map((b) => ({ holder: b.holder, reason: b.reason })),
        interruptedRuns: await core.target.markInterruptedRuns(runId, core.clock.now()),
        reverted: [],
        clearedFailures: [],
        checks: { integrity: [], foreignKeys: [], schemaHash: '' },
        problems: [],
      };
      await core.target.startRun({
        runId,
        command: 'migrate recover',
        owner: core.appliedBy(),
        pid: core.identity.pid,
        host: core.identity.host,
        startedAt: core.clock.now(),
        finishedAt: null,
        state: 'running',
        detail: null,
      });
      try {
        const partial = partialEntries(await core.target.readJournal()).sort((a, b) => b.id - a.id);
        if (partial.length > 0 && core.options.snapshots) {
          report.snapshot = await core.options.snapshots.take(core.target, currentVersion(await core.target.readHistory()), 'recover');
          core.progress.fire({ kind: 'snapshot', snapshot: report.snapshot });
        }
        for (const entry of partial) {
          await lock.heartbeatIfDue();
          report.reverted.push(await recoverEntry(core, runId, entry));
          core.progress.fire({ kind: 'note', message: report.reverted[report.reverted.length - 1].action });
        }
        report.clearedFailures = await core.target.clearFailures();
        await verify(core, report);
        report.ok = report.problems.length === 0;
        await core.target.finishRun(runId, report.ok ? 'succeeded' : 'failed', report.problems.join('; ') || null, core.clock.now());
        return report;
      } catch (err) {
        await core.failRun(runId, err);
        throw err;
      }
    },
    options.breakStale ?? false,
  );
}

async function recoverEntry(core: MigratorCore, runId: string, entry: JournalEntry): Promise<RecoveryReport['reverted'][number]> {
  const statements = recordedStatements(entry.sql);
  const objects = entry.schemaObjectsBefore ? (JSON.parse(entry.schemaObjectsBefore) as SchemaObject[]) : null;
  const live = await core.target.schemaHash();
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
        hash = await core.target.replayHash(objects, statements.slice(0, j));
      } catch {
        continue;
      }
      if (hash === live) {
        actual = j;
        break;
      }
    }
  }
  const snapshotHint = core.options.snapshots ? ' Restore the snapshot taken before that run (`rebound migrate snapshots`, then `rebound migrate restore ID`).' : '';
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
    await core.target.repairPartial({
      runId,
      entryId: entry.id,
      version: entry.version,
      statements: undo,
      entryState: 'reverted',
      deleteHistory: false,
      expectSchemaAfter: entry.schemaBefore,
      now: () => core.clock.now(),
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
  const h = (await core.target.readHistory()).find((x) => x.version === entry.version);
  await core.target.repairPartial({
    runId,
    entryId: entry.id,
    version: entry.version,
    statements: remaining,
    entryState: 'committed',
    deleteHistory: true,
    expectSchemaAfter: h?.schemaBefore ?? entry.schemaBefore,
    now: () => core.clock.now(),
  });
  return {
    version: entry.version,
    direction: 'down',
    statementsUndone: remaining.length,
    action: `Completed the interrupted rollback of migration ${entry.version} (${remaining.length} remaining statement(s)); it is pending again.`,
  };
}

async function verify(core: MigratorCore, report: RecoveryReport): Promise<void> {
  const t = core.target;
  report.checks.integrity = await t.integrityCheck();
  if (report.checks.integrity.length > 0) report.problems.push(`integrity_check: ${report.checks.integrity.slice(0, 5).join('; ')}`);
  report.checks.foreignKeys = await t.foreignKeyCheck();
  if (report.checks.foreignKeys.length > 0) report.problems.push(`foreign_key_check: ${report.checks.foreignKeys.length} row(s) reference missing parents`);
  const live = await t.schemaHash();
  report.checks.schemaHash = live;
  const applied = appliedInOrder(await t.readHistory());
  const empty = await t.replayHash(null, []);
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
    report.checks.replayHash = await t.replayHash(
      null,
      applied.flatMap((h) => recordedStatements(h.upSql)),
    );
    if (report.checks.replayHash !== live) report.problems.push(`the schema differs from a fresh replay of the ${applied.length} recorded migration(s)`);
  } catch (err) {
    report.checks.replayNote = `replay failed: ${(err as Error)?.message ?? String(err)}`;
    report.problems.push(report.checks.replayNote);
  }
}

