import { fork, type ChildProcess } from 'node:child_process';
import { CancelledError, MigrationError, deserializeError } from '../../../engine/errors';
import type { PlanStep } from '../../../engine/migrations';
import type { NewDeadLetter } from '../../../engine/resilience';
import type { ResolvedDatabase } from '../databases';
import type { AfterKillReport, JobResult, MigrationJob } from '../jobs';
import type { MigrationProgress } from '../reports';
import { DRIVER_ENV, driverPreference } from '../../../store/sqlite';
import type { FromWorker, ToWorker } from './protocol';

export interface WorkerJobOptions {
  /** The worker's script: dist/migrationWorker.js in the extension, out/src/runner/migrations/worker/main.js in tests. */
  workerPath: string;
  /** Cancels the job: between statements at once, and a statement still running after `killAfterMs` by killing the worker. */
  signal?: AbortSignal;
  onProgress?(progress: MigrationProgress): void;
  /** Gets the dead letter of a migration that failed (to add to the workspace's queue). */
  park?(entry: NewDeadLetter): void;
  /** How long a cancelled job may take to stop by itself before the worker is killed (default 500 ms). */
  killAfterMs?: number;
  /** The worker process is gone (`killed`: by Cancel, in the middle of a statement); settling what it left follows. */
  onExit?(info: { killed: boolean }): void;
}

const STDERR_TAIL = 4096;

/**
 * Runs a migration job in a worker process and resolves to its result; the job's failure is
 * rethrown as the same kind of error. On cancel the worker stops between statements; when a
 * statement is still running after `killAfterMs` the worker is killed (SQLite rolls its open
 * transaction back), then a second worker settles the lock and the run it left: a transactional
 * migration leaves the database as before it, a no-transaction one stays journaled for `recover`.
 */
export function runInWorker<J extends MigrationJob>(db: ResolvedDatabase, job: J, options: WorkerJobOptions): Promise<JobResult<J>> {
  return new Promise<JobResult<J>>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = fork(options.workerPath, [], {
        execArgv: [],
        env: workerEnv(),
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
    } catch (err) {
      reject(err);
      return;
    }
    let outcome: Extract<FromWorker, { type: 'done' | 'failed' }> | undefined;
    let killed = false;
    let killTimer: NodeJS.Timeout | undefined;
    let runId: string | undefined;
    let step: PlanStep | undefined;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const onAbort = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      send(child, { type: 'cancel' });
      killTimer = setTimeout(() => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        killed = true;
        child.kill('SIGKILL');
      }, options.killAfterMs ?? 500);
    };
    child.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'progress':
          if (message.progress.kind === 'run-start') runId = message.progress.runId;
          if (message.progress.kind === 'step-start') step = message.progress.step;
          if (message.progress.kind === 'step-done' || message.progress.kind === 'step-failed') step = undefined;
          try {
            options.onProgress?.(message.progress);
          } catch {
            // A failing listener does not stop the job.
          }
          break;
        case 'park':
          try {
            options.park?.({ ...message.entry, error: deserializeError(message.entry.error) });
          } catch {
            // Parking is best effort: it never replaces the failure.
          }
          break;
        default:
          outcome = message;
      }
    });
    child.on('error', (err) => {
      if (!outcome) outcome = { type: 'failed', error: { name: err.name, message: `The migration worker failed: ${err.message}` } };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      try {
        options.onExit?.({ killed });
      } catch {
        // A failing listener changes nothing.
      }
      if (killed && (!outcome || outcome.type === 'failed')) {
        void settleKilled(db, child.pid!, runId, step, options).then(reject, reject);
        return;
      }
      if (outcome?.type === 'done') resolve(outcome.result as JobResult<J>);
      else if (outcome?.type === 'failed') reject(deserializeError(outcome.error));
      else {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new MigrationError(`The migration worker ${how} before it finished.${stderr.trim() ? ` Its last output: ${stderr.trim()}` : ''}`, { context: { component: 'migrations' } }));
      }
    });
    if (options.signal?.aborted) {
      child.kill('SIGKILL');
      reject(new CancelledError('Cancelled before it started.', { context: { component: 'migrations' } }));
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    send(child, { type: 'start', db, job });
  });
}

/**
 * The worker's environment: this process's, run as plain Node (in VS Code's Electron the host's
 * binary runs as Node for its children), with the SQLite driver this process was told to use (the
 * `rebound.sqliteDriver` setting) unless REBOUND_SQLITE_DRIVER already says one.
 */
export function workerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const preference = driverPreference();
  const driver = env[DRIVER_ENV]?.trim() || (preference && preference !== 'auto' ? preference : undefined);
  return { ...env, ELECTRON_RUN_AS_NODE: '1', ...(driver ? { [DRIVER_ENV]: driver } : {}) };
}

function send(child: ChildProcess, message: ToWorker): void {
  if (child.connected) child.send(message);
}

/** After a kill: a fresh worker settles the lock and run; the CancelledError says what stayed. */
async function settleKilled(db: ResolvedDatabase, pid: number, runId: string | undefined, step: PlanStep | undefined, options: WorkerJobOptions): Promise<CancelledError> {
  const what = step ? `${step.direction === 'up' ? 'migration' : 'the rollback of migration'} ${step.version} (${step.fileName ?? step.name})` : 'the migration run';
  let report: AfterKillReport | undefined;
  let problem = '';
  try {
    report = await runInWorker(db, { kind: 'after-kill', pid, runId }, { workerPath: options.workerPath });
  } catch (err) {
    problem = ` Settling the lock afterwards failed (${(err as Error).message}); run Recover.`;
  }
  const partial = report?.partial ?? [];
  const stayed =
    partial.length > 0
      ? `${partial.map((e) => `${e.statementsDone} statement(s) of migration ${e.version}`).join(', ')} stayed committed (no-transaction) and are journaled: run Recover to revert them.`
      : 'Nothing of it was committed: the database is as it was before it.';
  const at = report ? ` The database is at version ${report.current}.` : '';
  return new CancelledError(`Cancelled while ${what} was running a statement. ${stayed}${at}${problem}`, {
    context: { component: 'migrations', runId, migration: step?.fileName ?? step?.name },
  });
}
