import type { Classification } from '../../engine/classify';
import { codeOf } from '../../engine/errors/codes';
import { CancelledError, ExecutionError, isCancelledError, isCircuitOpenError } from '../../engine/errors';
import { failureInfo, retryPolicyFromConfig, type AttemptRecord } from '../../engine/resilience';
import type { TaskDefinition } from '../../engine/tasks';
import type { StoredRun } from '../../store/runs';
import { isUnavailable } from '../../store/storeFailure';
import { runShell, type ShellRunResult } from '../process';
import type { RunLease } from './lease';
import { RUN_ID_ENV } from './owner';
import type { TaskRunnerCore } from './runnerCore';
import type { StepFailure, TaskProgress, TaskRunIo } from './types';

/**
 * One step of a run, attempt after attempt: each through the user's shell behind the task's
 * retry policy and circuit breaker, each failure classified and recorded (or spooled, when the
 * database cannot take it: `spooled` is told the file), the step's state journaled.
 */
export async function runStep(
  core: TaskRunnerCore,
  run: StoredRun,
  def: TaskDefinition,
  index: number,
  cwd: string,
  io: TaskRunIo,
  lease: RunLease,
  output: (text: string) => void,
  progress: (e: TaskProgress) => void,
  spooled: (file: string) => void = () => undefined,
): Promise<{ ok: true; attempts: AttemptRecord[] } | { ok: false; attempts: AttemptRecord[]; failure: StepFailure } | 'lost'> {
  const runId = run.id;
  const task = def.name;
  const step = def.steps[index];
  const classifier = core.classifierFor(def);
  const policy = retryPolicyFromConfig(def.retry, { clock: core.clock, random: core.random, component: task });
  const owner = { operation: task, runId, component: 'tasks' };
  const subscriptions = [
    policy.onAttempt((a) => {
      try {
        core.attempts.record(owner, a);
      } catch (err) {
        // Attempt statistics are not kept while the database is unavailable (the events are spooled).
        if (!isUnavailable(err)) throw err;
      }
    }),
    policy.onRetry((e) => progress({ kind: 'retry-wait', task, runId, index, step: step.name, attempt: e.attempt, delayMs: e.delayMs })),
  ];
  /** Failures already recorded as events (each failed attempt), so the give-up does not record them twice. */
  const recorded = new WeakMap<object, { classification: Classification; issueId: number | undefined; exitCode: number | null }>();
  /** The latest attempt's process: the retry policy gives up on a cancellation at once, the process tree dies after. */
  let inflight: Promise<ShellRunResult> | undefined;
  core.runs.transition(runId, index, { to: 'running' });

  const attemptOnce = async (signal: AbortSignal, attempt: number): Promise<ShellRunResult> => {
    progress({ kind: 'step-start', task, runId, index, step: step.name, attempt });
    const running = runShell(step.command, {
      cwd,
      env: { ...def.env, [RUN_ID_ENV]: runId, REBOUND_TASK: task, REBOUND_STEP: step.name },
      timeoutMs: def.timeoutMs,
      signal,
      onOutput: output,
      tailBytes: core.options.tailBytes,
      killGraceMs: core.options.killGraceMs,
    });
    inflight = running;
    const r = await running;
    if (r.cancelled) throw new CancelledError(`Step "${step.name}" of task "${task}" was cancelled`, { context: { task, step: step.name, runId } });
    if (r.exitCode === 0 && !r.timedOut && !r.spawnError) return r;
    const message = r.spawnError
      ? `Step "${step.name}" of task "${task}" could not start: ${r.spawnError.message}`
      : r.timedOut
        ? `Step "${step.name}" of task "${task}" timed out after ${def.timeoutMs} ms`
        : r.signal
          ? `Step "${step.name}" of task "${task}" was killed by ${r.signal}`
          : `Step "${step.name}" of task "${task}" exited with code ${r.exitCode}`;
    let c = classifier.classify({ message, output: r.tail, exitCode: r.exitCode, signal: r.signal, errorCode: r.spawnError?.code, component: 'tasks', task });
    if (r.timedOut && !c.rule.startsWith('rules[')) {
      // The kill was ours: a timeout, whatever signal ended the process (a user rule still wins).
      c = { code: 'RB-TIMEOUT-001', category: 'transient', severity: 'MEDIUM', retryable: true, guidance: 'RB-TIMEOUT-001', rule: 'timeout' };
    }
    const context = {
      component: 'tasks',
      task,
      step: step.name,
      command: step.command,
      cwd,
      durationMs: r.durationMs,
      attempt,
      runId,
      ...(r.exitCode === null ? {} : { exitCode: r.exitCode }),
      ...(r.signal ? { signal: r.signal } : {}),
      ...(c.delayHintMs === undefined ? {} : { delayHintMs: c.delayHintMs }),
    };
    const rec = core.options.store.record({ message, output: r.tail, classification: c, context });
    if (rec.spooled !== undefined) spooled(rec.spooled);
    // While the database is unavailable (the event went to the spool) the journal note waits; the step's own transitions say whether the run can go on.
    else if (!lease.lost) core.runs.note(runId, 'attempt', index, { attempt, code: c.code, category: c.category, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, eventId: rec.eventId });
    progress({ kind: 'attempt-failed', task, runId, index, step: step.name, attempt, code: c.code, category: c.category, message });
    const error = new ExecutionError(message, { code: c.code, category: c.category, severity: c.severity, retryable: c.retryable, guidance: c.guidance, context });
    recorded.set(error, { classification: c, issueId: rec.spooled === undefined ? rec.issueId : undefined, exitCode: r.exitCode });
    throw error;
  };

  const breaker = def.breaker;
  try {
    const result = await policy.executeWithOutcome(
      ({ signal, attempt }) =>
        breaker ? core.breakerPool.execute(breaker.name, breaker.config, ({ signal: s }) => attemptOnce(s, attempt), signal) : attemptOnce(signal, attempt),
      io.signal,
    );
    // Nothing is recorded before the step's processes are gone (a cancellation returns at once).
    if (inflight) await inflight;
    if (lease.lost) return 'lost';
    if (result.ok) {
      core.runs.transition(runId, index, { from: 'running', to: 'done', exitCode: 0, data: { attempts: result.attempts.length } });
      if (result.attempts.length > 1) {
        try {
          // The failures before this attempt were recovered by it: their issues leave the unresolved list.
          core.options.store.markRecovered(runId, step.name);
        } catch (err) {
          if (!isUnavailable(err)) throw err;
        }
      }
      progress({ kind: 'step-done', task, runId, index, step: step.name });
      return { ok: true, attempts: result.attempts };
    }
    const error = result.error;
    const known = typeof error === 'object' && error !== null ? recorded.get(error) : undefined;
    const failure: StepFailure = { error, exitCode: known?.exitCode ?? null, classification: known?.classification, issueId: known?.issueId };
    // The database failed under the step (not the step itself): that is the run's failure, not an event to record.
    if (!known && isUnavailable(error)) throw error;
    if (!known && !isCancelledError(error) && !(io.signal?.aborted ?? false)) {
      // Refused by an open breaker (or failed before running): record it once.
      const info = failureInfo(error);
      const c: Classification = isCircuitOpenError(error)
        ? { code: codeOf(info.code), category: info.category, severity: 'MEDIUM', retryable: false, guidance: codeOf(info.code), rule: 'error' }
        : core.classifierFor(def).classify({ error, component: 'tasks', task });
      const rec = core.options.store.record({ error, classification: c, context: { component: 'tasks', task, step: step.name, runId, command: step.command } });
      failure.classification = c;
      if (rec.spooled === undefined) failure.issueId = rec.issueId;
      else spooled(rec.spooled);
    }
    core.runs.transition(runId, index, {
      from: 'running',
      to: 'failed',
      exitCode: failure.exitCode,
      data: { reason: result.reason, code: failure.classification?.code ?? failureInfo(error).code, attempts: result.attempts.length },
    });
    return { ok: false, attempts: result.attempts, failure };
  } finally {
    for (const s of subscriptions) s.dispose();
  }
}
