import { isAbsolute, relative } from 'node:path';
import { isConfigurationError, isLockError, isReboundError } from '../../engine/errors';
import type { MigrationPlan, MigrationStatus } from '../../engine/migrations';
import type { NewDeadLetter } from '../../engine/resilience';
import { DeadLetterRepository } from '../../store/deadLetters';
import { ErrorStore } from '../../store/errorStore';
import { workspacePaths } from '../../store/location';
import { storeIsPersistent } from '../../store/sqlite';
import {
  describeHolder,
  openMigrator,
  readDatabasesSection,
  resolveDatabase,
  runMigrationCommand,
  type MigrationCommand,
  type MigrationProgress,
  type Migrator,
  type ResolvedDatabase,
} from '../../runner/migrations';
import { EXIT, UsageError, intFlag, stringFlag, table, type CliCommand, type CliContext } from '../command';

const SUBCOMMANDS = ['status', 'plan', 'up', 'down', 'to', 'validate', 'repair', 'test-rollback', 'recover', 'snapshots', 'restore', 'unlock'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

/** Untrusted text (file names, SQL, messages) printed to a terminal: no control characters but newline and tab. */
function safe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

function when(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function pickDatabase(ctx: CliContext): ResolvedDatabase {
  const databases = readDatabasesSection(ctx.cwd);
  const names = Object.keys(databases);
  const wanted = stringFlag(ctx, 'db');
  if (wanted !== undefined) {
    if (!databases[wanted]) {
      throw new UsageError(
        names.length === 0
          ? `no database "${wanted}": .rebound/config.json has no "databases" entries`
          : `no database "${wanted}" in .rebound/config.json (configured: ${names.join(', ')})`,
      );
    }
    return resolveDatabase(ctx.cwd, wanted, databases[wanted]);
  }
  if (names.length === 0) {
    throw new UsageError('no databases configured: add one to .rebound/config.json, e.g. "databases": { "app": { "path": "data/app.db", "migrations": "migrations" } }');
  }
  if (names.length > 1) throw new UsageError(`several databases are configured; choose one with --db NAME (${names.join(', ')})`);
  return resolveDatabase(ctx.cwd, names[0], databases[names[0]]);
}

function versionArg(raw: string | undefined, what: string): number {
  if (raw === undefined) throw new UsageError(`${what} expects a version`);
  if (!/^\d{1,15}$/.test(raw)) throw new UsageError(`a version is a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function versionList(ctx: CliContext, name: string): number[] | undefined {
  const v = stringFlag(ctx, name);
  if (v === undefined) return undefined;
  return v.split(',').map((x) => versionArg(x.trim(), `--${name}`));
}

function rel(ctx: CliContext, p: string): string {
  const r = relative(ctx.cwd, p);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
}

function progressPrinter(ctx: CliContext) {
  return (e: MigrationProgress) => {
    switch (e.kind) {
      case 'lock-wait':
        ctx.out.line(`Waiting for the migration lock held by ${safe(describeHolder(e.holder))}...`);
        break;
      case 'lock-broken':
        ctx.out.line(`Broke a stale lock of pid ${e.holder.pid} on ${safe(e.holder.host)} (${e.reason === 'dead-owner' ? 'its process is gone' : e.reason}).`);
        break;
      case 'snapshot':
        ctx.out.line(`Snapshot ${e.snapshot.id} taken.`);
        break;
      case 'run-start':
      case 'step-start':
        break;
      case 'step-done':
        ctx.out.line(
          `[${e.index + 1}/${e.total}] ${e.step.direction === 'up' ? 'applied   ' : 'rolled back'} ${String(e.step.version).padStart(4, '0')} ${safe(e.step.fileName ?? e.step.name)} (${e.durationMs} ms)`,
        );
        break;
      case 'step-retry':
        ctx.out.line(`Database busy during ${e.step.version}; retry ${e.attempt} in ${e.delayMs} ms.`);
        break;
      case 'step-failed':
        break;
      case 'note':
        ctx.out.line(safe(e.message));
        break;
    }
  };
}

function printPlan(ctx: CliContext, plan: MigrationPlan): void {
  if (plan.steps.length === 0) ctx.out.line(`Nothing to do: at version ${plan.from}.`);
  else {
    ctx.out.line(`Plan (${plan.direction}, version ${plan.from} -> ${plan.to}):`);
    for (const s of plan.steps) {
      ctx.out.line(`  ${s.direction === 'up' ? 'up  ' : 'down'} ${String(s.version).padStart(4, '0')} ${safe(s.fileName ?? s.name)} (${s.statements.length} statement(s)${s.noTransaction ? ', no transaction' : ''})`);
    }
  }
  for (const w of plan.warnings) ctx.out.line(`warning: ${safe(w)}`);
  for (const b of plan.blockers) ctx.out.line(`blocked: ${safe(b.message)}`);
}

function stateLabel(s: MigrationStatus): string {
  if (s.state === 'modified') return `modified (${s.change})`;
  if (s.state === 'partial') return `partial ${s.statementsDone ?? 0}/${s.statementCount ?? '?'}`;
  return s.outOfOrder ? `${s.state}, out of order` : s.state;
}

/** Records the failure as an error event and parks `deadLetter` (when a migration failed); returns the dead letter's id. */
async function recordFailure(ctx: CliContext, db: ResolvedDatabase | undefined, err: unknown, deadLetter: NewDeadLetter | undefined): Promise<number | undefined> {
  try {
    const store = ErrorStore.open(workspacePaths(ctx.cwd).db, { workspaceRoot: ctx.cwd });
    try {
      const context = isReboundError(err) ? err.context : {};
      store.record({ error: err, context: { component: 'migrations', ...context, command: `rebound migrate ${ctx.args[0] ?? ''}`.trim(), file: context.file ?? db?.file } });
      return deadLetter ? new DeadLetterRepository(store.db).add(deadLetter).id : undefined;
    } finally {
      store.close();
    }
  } catch {
    // Recording is best effort: the failure itself is still reported and sets the exit code.
    return undefined;
  }
}

async function runSub(ctx: CliContext, sub: Sub, db: ResolvedDatabase, migrator: Migrator, park: (entry: NewDeadLetter) => void): Promise<number> {
  const { out } = ctx;
  switch (sub) {
    case 'status': {
      const s = await migrator.status();
      const counts = new Map<string, number>();
      for (const e of s.entries) counts.set(e.state, (counts.get(e.state) ?? 0) + 1);
      out.json({ ok: true, command: 'status', ...s });
      out.line(`Database ${safe(db.name)} (${safe(db.url !== undefined ? db.file : rel(ctx, db.file))}${s.exists ? '' : db.url !== undefined ? ', not reachable' : ', not created yet'}): version ${s.current}; ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'no migrations'}.`);
      if (s.missingFolder) out.line(`The migrations folder ${safe(rel(ctx, db.migrationsDir))} does not exist.`);
      if (s.entries.length > 0) {
        out.line(table(['Version', 'File', 'State', 'Applied at', 'By', 'Note'], s.entries.map((e) => [
          e.version,
          safe(e.fileName ?? e.name),
          stateLabel(e),
          when(e.appliedAt),
          safe(e.appliedBy ?? ''),
          safe(e.error ?? (e.hasDown ? '' : 'no down section')),
        ])));
      }
      if (s.lock) out.line(`Locked by ${safe(describeHolder(s.lock))}${s.lock.stale ? ` - stale (${s.lock.stale === 'dead-owner' ? 'its process is gone' : 'heartbeat expired'})` : ''}.`);
      if (s.lock?.session) {
        const x = s.lock.session;
        out.line(`Lock session: backend pid ${x.backendPid}, user ${safe(x.user ?? '?')}, client ${safe(x.clientAddr ?? 'local socket')}, application "${safe(x.applicationName ?? '')}", state ${safe(x.state ?? '?')} (pg_stat_activity).`);
      }
      for (const r of s.interruptedRuns) out.line(`Run ${r.runId} (${safe(r.command)} by ${safe(r.owner)}) was interrupted: run \`rebound migrate recover\`.`);
      if (s.drift) out.line('The live schema differs from the one recorded after the last migration (changed outside migrations?).');
      for (const f of s.ignoredFiles) out.line(`Ignored ${safe(f)}: not named NNNN_name.sql.`);
      return EXIT.ok;
    }
    case 'plan': {
      const what = ctx.args[1] ?? 'up';
      let plan: MigrationPlan;
      if (what === 'up') plan = await migrator.plan({ command: 'up', options: { to: optVersion(ctx, 'to'), steps: intFlag(ctx, 'steps') } });
      else if (what === 'down') plan = await migrator.plan({ command: 'down', options: downOptions(ctx) });
      else if (what === 'to') plan = await migrator.plan({ command: 'to', version: versionArg(ctx.args[2], 'plan to') });
      else throw new UsageError(`plan expects up, down or to V, got ${JSON.stringify(what)}`);
      out.json({ ok: plan.blockers.length === 0, command: 'plan', database: db.name, plan });
      printPlan(ctx, plan);
      return plan.blockers.length === 0 ? EXIT.ok : EXIT.failed;
    }
    case 'up':
    case 'down':
    case 'to': {
      const verify = !ctx.flags.has('no-verify');
      const sub2 = ctx.flags.get('allow-out-of-order') === true;
      const cmd: MigrationCommand =
        sub === 'up'
          ? { command: 'up', options: { to: optVersion(ctx, 'to'), steps: intFlag(ctx, 'steps'), allowOutOfOrder: sub2 || undefined } }
          : sub === 'down'
            ? { command: 'down', options: { ...downOptions(ctx), verify } }
            : { command: 'to', version: versionArg(ctx.args[1], 'to'), options: { verify } };
      const report = await runMigrationCommand(migrator, db, cmd, park);
      out.json({ ok: true, ...report });
      for (const w of report.warnings) out.line(`warning: ${safe(w)}`);
      if (report.steps.length === 0) out.line(`Nothing to do: ${safe(db.name)} is at version ${report.from}.`);
      else {
        const verb = report.direction === 'up' ? 'Applied' : 'Rolled back';
        out.line(`${verb} ${report.steps.length} migration(s): ${safe(db.name)} is at version ${report.to} (${report.durationMs} ms).`);
      }
      return EXIT.ok;
    }
    case 'validate': {
      const v = await migrator.validate();
      out.json({ command: 'validate', database: db.name, ...v });
      for (const f of v.findings) out.line(`${f.severity}: ${safe(f.message)}`);
      if (v.drift) out.line('error: the live schema differs from the one recorded after the last migration.');
      out.line(v.ok ? `Valid: ${v.findings.length === 0 ? 'no findings' : `${v.findings.length} warning(s)`}.` : 'Not valid.');
      return v.ok ? EXIT.ok : EXIT.failed;
    }
    case 'repair': {
      const acceptRaw = stringFlag(ctx, 'accept');
      const accept = acceptRaw === undefined ? undefined : acceptRaw === 'all' ? ('all' as const) : versionList(ctx, 'accept');
      const r = await migrator.repair({ accept, clearFailed: ctx.flags.has('clear-failed') });
      const ok = r.refused.length === 0;
      out.json({ ok, command: 'repair', database: db.name, ...r });
      for (const x of r.refused) out.line(`refused ${x.version}: ${safe(x.reason)}`);
      if (r.accepted.length > 0) out.line(`Accepted the cosmetic change of ${r.accepted.join(', ')}.`);
      if (r.clearedFailures.length > 0) out.line(`Cleared the recorded failures of ${r.clearedFailures.join(', ')}.`);
      if (accept === undefined && !ctx.flags.has('clear-failed')) {
        out.line(
          r.candidates.length > 0
            ? `Cosmetic changes that can be accepted: ${r.candidates.join(', ')}. Nothing was changed: pass --accept ${r.candidates.join(',')} (or --accept all).`
            : 'Nothing to repair.',
        );
      }
      return ok ? EXIT.ok : EXIT.failed;
    }
    case 'test-rollback': {
      const r = await migrator.testRollback({ versions: versionList(ctx, 'version') });
      out.json({ command: 'test-rollback', database: db.name, ...r });
      if (r.results.length === 0) out.line('Nothing to test: no pending or applied migration.');
      for (const x of r.results) out.line(`${x.ok ? 'ok    ' : 'FAILED'} ${String(x.version).padStart(4, '0')} ${safe(x.name)}${x.problem ? `: ${safe(x.problem)}` : ''}`);
      if (r.results.length > 0) out.line(r.ok ? `Up, down, up gave the same schemas (${r.mode === 'pending' ? 'pending migrations' : 'latest applied migration'}, on a scratch copy).` : 'Rollback test failed.');
      return r.ok ? EXIT.ok : EXIT.failed;
    }
    case 'recover': {
      const r = await migrator.recover({ breakStale: ctx.flags.has('break-stale-lock') });
      out.json({ command: 'recover', database: db.name, ...r });
      for (const b of r.brokenLocks) out.line(`Broke the lock of ${safe(describeHolder(b.holder))} (${b.reason}).`);
      for (const run of r.interruptedRuns) out.line(`Run ${run.runId} (${safe(run.command)} by ${safe(run.owner)}) had been interrupted; what it had not committed was rolled back by SQLite.`);
      if (r.clearedFailures.length > 0) out.line(`Cleared recorded failures of ${r.clearedFailures.join(', ')} (they left nothing applied).`);
      out.line(`integrity_check: ${r.checks.integrity.length === 0 ? 'ok' : safe(r.checks.integrity.join('; '))}`);
      out.line(`foreign_key_check: ${r.checks.foreignKeys.length === 0 ? 'ok' : `${r.checks.foreignKeys.length} violation(s)`}`);
      out.line(
        `schema: ${r.checks.schemaHash.slice(0, 12)}${r.checks.recordedHash ? ` (recorded ${r.checks.recordedHash.slice(0, 12)})` : ''}${r.checks.replayHash ? ` (replay ${r.checks.replayHash.slice(0, 12)})` : ''}${r.checks.replayNote ? `; ${safe(r.checks.replayNote)}` : ''}`,
      );
      for (const p of r.problems) out.error(`problem: ${safe(p)}`);
      out.line(r.ok ? 'Recovered: the database is valid and matches its history.' : 'Recovery finished with problems.');
      return r.ok ? EXIT.ok : EXIT.failed;
    }
    case 'snapshots': {
      const list = migrator.listSnapshots();
      out.json({ ok: true, command: 'snapshots', database: db.name, snapshots: list });
      if (!db.snapshotsDir) out.line(`Snapshots are disabled for ${safe(db.name)}.`);
      else if (list.length === 0) out.line('No snapshots yet.');
      else out.line(table(['Id', 'Taken', 'Version', 'Before', 'Size'], list.map((s) => [s.id, when(s.createdAt), s.version, s.reason, `${Math.ceil(s.sizeBytes / 1024)} KiB`])));
      return EXIT.ok;
    }
    case 'restore': {
      const id = ctx.args[1];
      if (!id) throw new UsageError('restore expects a snapshot id (see `rebound migrate snapshots`), or "latest"');
      const r = await migrator.restore(id);
      out.json({ ok: true, command: 'restore', database: db.name, ...r });
      out.line(`Restored ${safe(db.name)} from snapshot ${r.restored.id}: now at version ${r.current}.${r.safety ? ` The previous state was saved as ${r.safety.id}.` : ''}`);
      return EXIT.ok;
    }
    case 'unlock': {
      const r = await migrator.unlock({ force: ctx.flags.has('force') });
      out.json({ ok: true, command: 'unlock', database: db.name, ...r });
      out.line(safe(r.message));
      return EXIT.ok;
    }
  }
}

function optVersion(ctx: CliContext, name: string): number | undefined {
  const v = stringFlag(ctx, name);
  return v === undefined ? undefined : versionArg(v, `--${name}`);
}

function downOptions(ctx: CliContext): { to?: number; steps?: number } {
  const to = optVersion(ctx, 'to');
  const steps = intFlag(ctx, 'steps');
  if (to !== undefined && steps !== undefined) throw new UsageError('down takes --to V or --steps N, not both');
  return to !== undefined ? { to } : { steps: steps ?? 1 };
}

const ARITY: Record<Sub, [number, number]> = {
  status: [0, 0],
  plan: [0, 2],
  up: [0, 0],
  down: [0, 0],
  to: [1, 1],
  validate: [0, 0],
  repair: [0, 0],
  'test-rollback': [0, 0],
  recover: [0, 0],
  snapshots: [0, 0],
  restore: [1, 1],
  unlock: [0, 0],
};

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Apply, roll back, verify and recover SQL migrations (SQLite, PostgreSQL)',
  usage: [
    'rebound migrate status [--db NAME]',
    'rebound migrate plan [up [--to V] [--steps N] | down [--to V | --steps N] | to V]',
    'rebound migrate up [--to V] [--steps N] [--allow-out-of-order]',
    'rebound migrate down [--steps N | --to V] [--no-verify]',
    'rebound migrate to V [--no-verify]',
    'rebound migrate validate',
    'rebound migrate repair [--accept V,..|all] [--clear-failed]',
    'rebound migrate test-rollback [--version V,..]',
    'rebound migrate recover [--break-stale-lock]',
    'rebound migrate snapshots',
    'rebound migrate restore SNAPSHOT|latest',
    'rebound migrate unlock [--force]',
    'Every subcommand takes --db NAME (needed when several databases are configured) and --json.',
  ],
  valueFlags: ['db', 'to', 'steps', 'accept', 'version'],
  subcommands: {
    status: { flags: ['db'] },
    plan: { flags: ['db', 'to', 'steps'], args: [0, 2] },
    up: { flags: ['db', 'to', 'steps', 'allow-out-of-order'] },
    down: { flags: ['db', 'to', 'steps', 'no-verify'] },
    to: { flags: ['db', 'no-verify'], args: [1, 1] },
    validate: { flags: ['db'] },
    repair: { flags: ['db', 'accept', 'clear-failed'] },
    'test-rollback': { flags: ['db', 'version'] },
    recover: { flags: ['db', 'break-stale-lock'] },
    snapshots: { flags: ['db'] },
    restore: { flags: ['db'], args: [1, 1] },
    unlock: { flags: ['db', 'force'] },
  },
  async run(ctx) {
    const sub = ctx.args[0] as Sub | undefined;
    if (!sub) throw new UsageError(`migrate expects a subcommand: ${SUBCOMMANDS.join(', ')}`);
    if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown migrate subcommand "${sub}" (expected ${SUBCOMMANDS.join(', ')})`);
    const [min, max] = ARITY[sub];
    const extra = ctx.args.length - 1;
    if (extra < min || extra > max) throw new UsageError(`migrate ${sub} takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${extra}`);
    const known = new Set(['db', 'to', 'steps', 'accept', 'version', 'no-verify', 'allow-out-of-order', 'clear-failed', 'break-stale-lock', 'force']);
    for (const f of ctx.flags.keys()) if (!known.has(f)) throw new UsageError(`unknown option --${f}`);

    let db: ResolvedDatabase | undefined;
    let deadLetter: NewDeadLetter | undefined;
    try {
      db = pickDatabase(ctx);
      const { migrator, target } = openMigrator(db, { signal: ctx.signal });
      const sub2 = migrator.onDidProgress(progressPrinter(ctx));
      try {
        return await runSub(ctx, sub, db, migrator, (entry) => (deadLetter = entry));
      } finally {
        sub2.dispose();
        await target.close();
      }
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const e = err as { code?: string; message?: string };
      if (isConfigurationError(err)) {
        ctx.out.error(`rebound: ${e.message}`);
        ctx.out.json({ ok: false, error: { code: e.code, message: e.message } });
        return EXIT.usage;
      }
      const parked = await recordFailure(ctx, db, err, deadLetter);
      ctx.out.error(`rebound: ${e?.code ? `[${e.code}] ` : ''}${safe(e?.message ?? String(err))}`);
      const kept = storeIsPersistent();
      if (parked !== undefined && kept) ctx.out.error(`rebound: parked as dead letter #${parked} (once fixed: rebound dlq retry ${parked})`);
      if (parked !== undefined && !kept) ctx.out.error('rebound: not recorded: no SQLite driver that saves to disk is in use (see the warning above)');
      ctx.out.json({ ok: false, error: { code: e?.code ?? 'ERROR', message: e?.message ?? String(err) }, ...(parked !== undefined && kept ? { deadLetterId: parked } : {}), recorded: kept });
      return isLockError(err) ? EXIT.locked : EXIT.failed;
    }
  },
};
