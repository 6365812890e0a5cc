import { existsSync } from 'node:fs';
import { isConfigurationError } from '../../engine/errors';
import { formatDuration, parseDuration } from '../../engine/resilience';
import { RECOVERY_ACTIONS, RECOVERY_STRATEGIES, type RecoveryAction, type RecoveryStrategy } from '../../engine/tasks';
import { loadConfig } from '../../runner/config';
import { TaskRunner } from '../../runner/tasks';
import { ErrorStore } from '../../store/errorStore';
import { workspacePaths } from '../../store/location';
import { writeOrWait } from '../stdio';
import { EXIT, UsageError, stringFlag, table, type CliCommand, type CliContext } from '../command';
import { configFailure, openRunner, progressPrinter, reportOutcome, safe } from './run';

const DAY = 86_400_000;

function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function runIdArg(ctx: CliContext, sub: string): string {
  const id = ctx.args[1];
  if (id === undefined) throw new UsageError(`recovery ${sub} expects the id of a run (see rebound recovery list)`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError(`a run id is letters and digits, got ${JSON.stringify(id)}`);
  if (ctx.args.length > 2) throw new UsageError(`recovery ${sub} takes one run id, got: ${ctx.args.slice(1).join(' ')}`);
  return id;
}

function choice<T extends string>(ctx: CliContext, flag: string, allowed: readonly T[], fallback: T): T {
  const v = stringFlag(ctx, flag);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${flag} expects one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/**
 * A runner for reading runs: the config's tasks when it loads, else none (stored definitions
 * suffice to list and explain runs, so a broken config does not hide them). Undefined when the
 * workspace has no database yet.
 */
function readOnlyRunner(ctx: CliContext): { runner: TaskRunner; dispose(): void } | undefined {
  if (!existsSync(workspacePaths(ctx.cwd).db)) return undefined;
  try {
    const opened = openRunner(ctx);
    return { runner: opened.runner, dispose: opened.dispose };
  } catch (err) {
    if (!isConfigurationError(err)) throw err;
    const store = ErrorStore.open(workspacePaths(ctx.cwd).db, { workspaceRoot: ctx.cwd });
    return { runner: new TaskRunner({ root: ctx.cwd, store, tasks: () => new Map() }), dispose: () => store.close() };
  }
}

async function run(ctx: CliContext): Promise<number> {
  const sub = ctx.args[0];
  switch (sub) {
    case 'list': {
      if (ctx.args.length > 1) throw new UsageError(`recovery list takes no arguments, got: ${ctx.args.slice(1).join(' ')}`);
      const opened = readOnlyRunner(ctx);
      const runs = opened ? (() => {
        try {
          return opened.runner.interrupted();
        } finally {
          opened.dispose();
        }
      })() : [];
      ctx.out.json({ ok: true, runs });
      if (runs.length === 0) {
        ctx.out.line('No interrupted runs.');
        return EXIT.ok;
      }
      const now = Date.now();
      ctx.out.line(
        table(
          ['ID', 'TASK', 'STARTED', 'STEPS DONE', 'WHY', 'OWNER', 'LAST HEARTBEAT'],
          runs.map((r) => [r.id, safe(r.name), when(r.startedAt), `${r.completedSteps}/${r.totalSteps}`, r.reason, `pid ${r.owner.pid} on ${safe(r.owner.host)}`, `${formatDuration(Math.max(0, now - r.heartbeat))} ago`]),
        ),
      );
      ctx.out.line('');
      ctx.out.line('Recover one with: rebound recovery execute ID [--action resume|rollback|abandon]');
      return EXIT.ok;
    }
    case 'details': {
      const id = runIdArg(ctx, 'details');
      const opened = readOnlyRunner(ctx);
      if (!opened) throw new UsageError(`Run ${id} does not exist (the workspace has no Rebound database yet)`);
      try {
        const d = opened.runner.details(id);
        ctx.out.json({ ok: true, ...d });
        const r = d.run;
        ctx.out.line(`Run        ${r.id}`);
        ctx.out.line(`Task       ${safe(r.name)}`);
        ctx.out.line(`State      ${r.state}${d.interrupted ? ' (interrupted: its process is gone)' : ''}`);
        ctx.out.line(`Owner      pid ${r.owner.pid} on ${safe(r.owner.host)}`);
        ctx.out.line(`Started    ${when(r.startedAt)}`);
        if (r.endedAt) ctx.out.line(`Ended      ${when(r.endedAt)}`);
        ctx.out.line(`Heartbeat  ${when(r.heartbeat)}`);
        if (r.errorCode) ctx.out.line(`Error      ${safe(r.errorCode)}`);
        if (r.resumedFrom) ctx.out.line(`Fallback of ${r.resumedFrom}`);
        ctx.out.line(`Journal    ${d.consistency.ok ? `consistent (${d.journal.length} entries)` : `INCONSISTENT: ${d.consistency.problems.map(safe).join('; ')}`}`);
        ctx.out.line('');
        ctx.out.line(table(['#', 'STEP', 'STATE', 'EXIT', 'STARTED', 'ENDED'], r.steps.map((s) => [s.index + 1, safe(s.name), s.state, s.exitCode, when(s.startedAt), when(s.endedAt)])));
        ctx.out.line('');
        ctx.out.line('Plans:');
        for (const action of RECOVERY_ACTIONS) {
          const p = d.plans[action];
          ctx.out.line(`  ${action.padEnd(8)} ${safe(p.summary)}`);
          for (const w of p.warnings) ctx.out.line(`           ! ${safe(w)}`);
        }
        if (d.recoveries.length) {
          ctx.out.line('');
          ctx.out.line(
            table(
              ['RECOVERY', 'WHEN', 'STRATEGY', 'ACTION', 'OUTCOME', 'DETAIL'],
              d.recoveries.map((x) => [x.id, when(x.createdAt), x.strategy, x.action, x.outcome ?? '(in progress or interrupted)', safe(x.detail ?? '')]),
            ),
          );
        }
        return EXIT.ok;
      } finally {
        opened.dispose();
      }
    }
    case 'execute': {
      const id = runIdArg(ctx, 'execute');
      const action = choice<RecoveryAction>(ctx, 'action', RECOVERY_ACTIONS, 'resume');
      const strategy = choice<RecoveryStrategy>(ctx, 'strategy', RECOVERY_STRATEGIES, 'guided');
      if (!existsSync(workspacePaths(ctx.cwd).db)) throw new UsageError(`Run ${id} does not exist (the workspace has no Rebound database yet)`);
      let opened;
      try {
        opened = openRunner(ctx);
      } catch (err) {
        return configFailure(ctx, err);
      }
      try {
        const write = ctx.json ? (t: string) => writeOrWait(process.stderr, t) : (t: string) => writeOrWait(process.stdout, t);
        const r = await opened.runner.recover(id, action, { signal: ctx.signal, onOutput: write, onProgress: progressPrinter(ctx), confirmRerun: () => ctx.flags.has('rerun') }, strategy);
        ctx.out.json({ ok: r.ok, message: r.message, runId: r.runId, action: r.action, strategy: r.strategy, plan: r.plan, recovery: r.recovery, result: r.result, stoppedProcesses: r.stoppedProcesses });
        if (r.result) reportOutcome(ctx, r.result);
        ctx.out.line(safe(r.message));
        return r.ok ? EXIT.ok : EXIT.failed;
      } catch (err) {
        if (isConfigurationError(err)) return configFailure(ctx, err);
        throw err;
      } finally {
        opened.dispose();
      }
    }
    case 'cleanup': {
      if (ctx.args.length > 1) throw new UsageError(`recovery cleanup takes no arguments, got: ${ctx.args.slice(1).join(' ')}`);
      const raw = stringFlag(ctx, 'older-than');
      let olderThan: number | undefined;
      if (raw !== undefined) {
        olderThan = parseDuration(raw);
        if (olderThan === undefined) throw new UsageError(`--older-than expects a duration such as 12h or 30d, got ${JSON.stringify(raw)}`);
      }
      const opened = readOnlyRunner(ctx);
      if (!opened) {
        ctx.out.json({ ok: true, deleted: 0 });
        ctx.out.line('Nothing to clean up.');
        return EXIT.ok;
      }
      try {
        let days = 30;
        try {
          days = loadConfig(ctx.cwd).config.retention?.days ?? 30;
        } catch {
          // A broken config: the default retention.
        }
        const ms = olderThan ?? days * DAY;
        const deleted = opened.runner.runs.purgeEndedBefore(Date.now() - ms);
        ctx.out.json({ ok: true, deleted, olderThanMs: ms });
        ctx.out.line(`Deleted ${deleted} ended run(s) older than ${formatDuration(ms)} (the latest run of each task is kept; interrupted runs are never deleted).`);
        return EXIT.ok;
      } finally {
        opened.dispose();
      }
    }
    case undefined:
      throw new UsageError('recovery expects a subcommand: list, details, execute or cleanup');
    default:
      throw new UsageError(`unknown recovery subcommand "${sub}"`);
  }
}

export const recoveryCommand: CliCommand = {
  name: 'recovery',
  summary: 'Find task runs interrupted by a crash and resume, roll back or abandon them',
  usage: [
    'rebound recovery list',
    'rebound recovery details RUN',
    'rebound recovery execute RUN [--action resume|rollback|abandon] [--strategy automatic|guided|manual|skip] [--rerun]',
    'rebound recovery cleanup [--older-than 30d]',
    '',
    'list: runs whose process died (pid gone or reused on this host, or no heartbeat for 60 s), with',
    '  the steps they completed. details: steps, journal check and the plan of each action.',
    'execute (default --action resume --strategy guided): stops processes left over from the run, then',
    '  resume runs from the first unfinished step (done steps are not run again); rollback runs the undo',
    '  commands of the finished steps in reverse order; abandon runs nothing. --strategy manual records',
    '  the plan for you to carry out by hand and closes the run; skip records the decision and leaves the',
    '  run interrupted. Failed and cancelled runs can be executed too. The plan and outcome are recorded.',
    '  Resume says which step runs again; a step declaring "rerun": "ask" runs again only with --rerun.',
    'cleanup: deletes ended runs (with their steps, journal and recoveries) that ended longer ago than',
    '  --older-than (default: retention.days of config.json, 30), keeping the latest run of each task;',
    '  running and interrupted runs are never deleted.',
  ],
  valueFlags: ['action', 'strategy', 'older-than'],
  subcommands: {
    list: {},
    details: { args: [1, 1] },
    execute: { flags: ['action', 'strategy', 'rerun'], args: [1, 1] },
    cleanup: { flags: ['older-than'] },
  },
  run,
};
