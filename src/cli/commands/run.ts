import { isConfigurationError } from '../../engine/errors';
import { retryHandlers } from '../../engine/resilience';
import { registerMigrationRetryHandler } from '../../runner/migrations';
import { openTaskRunner, outcomeVerdict, registerTaskRetryHandler, type OpenedTaskRunner, type TaskProgress, type TaskRunOutcome } from '../../runner/tasks';
import { storeIsPersistent } from '../../store/sqlite';
import { writeOrWait } from '../stdio';
import { EXIT, UsageError, type CliCommand, type CliContext } from '../command';

/** Untrusted text (task output excepted) printed to a terminal: no control characters but newline and tab. */
export function safe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

/**
 * Opens the workspace's task runner; a bad or unreadable config.json (or an unknown task later)
 * is a ConfigurationError, which the commands turn into exit 2.
 */
export function openRunner(ctx: CliContext, task?: string): OpenedTaskRunner {
  const opened = openTaskRunner(ctx.cwd, { task });
  // A rebound process killed while a step ran left that step's processes running on their own:
  // they stop here, at the next start, and the user is told which run they belonged to.
  for (const s of opened.runner.stopLeftovers()) {
    ctx.out.error(
      safe(
        `rebound: stopped ${s.pids.length} process(es) (pid ${s.pids.join(', ')}) still running for interrupted run ${s.runId} of "${s.task}"` +
          `${s.step ? ` (step "${s.step}")` : ''}, whose rebound process died. See it with \`rebound recovery details ${s.runId}\`; resume, roll back or abandon it with \`rebound recovery execute ${s.runId}\`.`,
      ),
    );
  }
  return opened;
}

/** Prints a ConfigurationError and returns exit 2, or rethrows anything else. */
export function configFailure(ctx: CliContext, err: unknown): number {
  if (!isConfigurationError(err)) throw err;
  ctx.out.error(`rebound: ${err.message}`);
  ctx.out.json({ ok: false, error: { code: err.code, message: err.message } });
  return EXIT.usage;
}

/** Makes `rebound dlq retry` able to re-run dead letters of kinds `task` and `migration` (once per process). */
export function ensureRetryHandlers(): void {
  if (!retryHandlers.get('task')) {
    registerTaskRetryHandler((root) => {
      const opened = openTaskRunner(root);
      return { runner: opened.runner, dispose: opened.dispose };
    });
  }
  if (!retryHandlers.get('migration')) registerMigrationRetryHandler();
}

/** Progress lines on stderr: the task's own output keeps stdout (or stdout holds the JSON document). */
export function progressPrinter(ctx: CliContext): (e: TaskProgress) => void {
  return (e) => {
    const say = (text: string) => ctx.out.error(`rebound: ${safe(text)}`);
    switch (e.kind) {
      case 'run-start':
        say(e.from > 0 ? `run ${e.runId} of "${e.task}": resuming at step ${e.from + 1} of ${e.steps}` : `run ${e.runId} of "${e.task}" (${e.steps} step${e.steps === 1 ? '' : 's'})`);
        break;
      case 'step-start':
        say(`step ${e.index + 1} "${e.step}"${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
        break;
      case 'step-skipped':
        say(`step ${e.index + 1} "${e.step}" already done`);
        break;
      case 'attempt-failed':
        say(`step ${e.index + 1} "${e.step}" failed [${e.code}, ${e.category}]`);
        break;
      case 'retry-wait':
        say(`retrying in ${Math.round(e.delayMs)} ms`);
        break;
      case 'undo':
        say(`undo of step ${e.index + 1} "${e.step}" ${e.ok ? 'done' : 'FAILED'}`);
        break;
      case 'fallback':
        say(`running the fallback task "${e.fallback}"`);
        break;
      case 'rerun':
        say(
          `step ${e.index + 1} "${e.step}" ${e.was === 'running' ? 'was interrupted mid-way' : 'failed before'}: it runs again from its start${e.ask ? ' (it declares "rerun": "ask")' : ''}`,
        );
        break;
      case 'stopped-leftovers':
        say(`stopped ${e.pids.length} process(es) left over from run ${e.runId}: ${e.pids.join(', ')}`);
        break;
      case 'step-done':
        break;
    }
  };
}

/** A run's result for --json and for the last lines of the terminal. */
export function reportOutcome(ctx: CliContext, r: TaskRunOutcome): void {
  const v = outcomeVerdict(r);
  if (v.ok) {
    ctx.out.error(
      v.kind === 'degraded'
        ? `rebound: "${r.task}" ${v.phrase} (the task itself failed: [${r.error?.code}]) (run ${r.runId})`
        : `rebound: "${r.task}" succeeded${r.attempts > 1 ? ` (${r.attempts} attempts)` : ''} (run ${r.runId})`,
    );
    return;
  }
  if (v.kind === 'cancelled') {
    ctx.out.error(
      storeIsPersistent()
        ? `rebound: "${r.task}" was ${v.phrase} (run ${r.runId}); resume it with \`rebound recovery execute ${r.runId}\``
        : `rebound: "${r.task}" was ${v.phrase} (run ${r.runId}); not recorded, so it cannot be resumed later`,
    );
    return;
  }
  const e = r.error;
  ctx.out.error(`rebound: "${r.task}" failed${r.failedStep ? ` at step ${r.failedStep.index + 1} "${safe(r.failedStep.name)}"` : ''}${e ? `: [${e.code}] ${safe(e.message)}` : ''}`);
  if (r.evidence) ctx.out.error(`rebound:   evidence: ${safe(r.evidence)}`);
  if (r.undone.length) ctx.out.error(`rebound:   undone: ${r.undone.map((u) => `${safe(u.name)}${u.ok ? '' : ' (FAILED)'}`).join(', ')}`);
  if (r.problems.length) {
    for (const p of r.problems.slice(0, 20)) ctx.out.error(`rebound:   ${safe(p.file)}:${p.line}${p.column ? `:${p.column}` : ''} ${p.severity} ${safe(p.message)}`);
    if (r.problems.length > 20) ctx.out.error(`rebound:   … and ${r.problems.length - 20} more problems`);
  }
  if (!storeIsPersistent()) {
    // The memory-only driver (see the warning printed first): nothing of this outlives the command.
    if (r.issueId !== undefined || r.deadLetterId !== undefined) ctx.out.error('rebound:   not recorded: no SQLite driver that saves to disk is in use (see the warning above)');
    return;
  }
  if (r.issueId !== undefined) ctx.out.error(`rebound:   issue #${r.issueId} (rebound errors show ${r.issueId})`);
  if (r.spooled !== undefined) ctx.out.error(`rebound:   the database could not take the failure; it was kept in ${safe(r.spooled)} and is added when Rebound next opens the database`);
  if (r.deadLetterId !== undefined) ctx.out.error(`rebound:   parked as dead letter #${r.deadLetterId} (rebound dlq retry ${r.deadLetterId})`);
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run a task of .rebound/config.json with retries, undo, fallback and checkpoints',
  usage: [
    'rebound run TASK [--undo-on-cancel]',
    '',
    "The task's output goes to stdout (to stderr with --json, whose document is on stdout); Rebound's",
    'progress goes to stderr. Exit 0 when the task (or its fallback) succeeded, 1 when it failed or was',
    'cancelled (Ctrl+C; resumable with `rebound recovery execute RUN`), 2 for an unknown task or a bad config,',
    '3 when the task is already running in another process (the editor or another terminal).',
  ],
  flags: ['undo-on-cancel'],
  args: [1, 1],
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError(ctx.args.length === 0 ? 'run expects the name of a task' : `run takes one task, got: ${ctx.args.join(' ')}`);
    const name = ctx.args[0];
    let opened: OpenedTaskRunner;
    try {
      opened = openRunner(ctx, name);
    } catch (err) {
      return configFailure(ctx, err);
    }
    try {
      const write = ctx.json ? (t: string) => writeOrWait(process.stderr, t) : (t: string) => writeOrWait(process.stdout, t);
      const r = await opened.runner.run(name, {
        signal: ctx.signal,
        onOutput: write,
        onProgress: progressPrinter(ctx),
        undoOnCancel: ctx.flags.has('undo-on-cancel'),
      });
      const verdict = outcomeVerdict(r);
      ctx.out.json({ ...r, verdict: { kind: verdict.kind, ok: verdict.ok, code: verdict.code ?? null, phrase: verdict.phrase }, recorded: storeIsPersistent() });
      reportOutcome(ctx, r);
      return verdict.exitCode === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      opened.dispose();
    }
  },
};
