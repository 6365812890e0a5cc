import type { TaskDefinition, RecoveryAction, RecoveryStrategy } from '../../engine/tasks';
import { OK_RUN_STATES, completedSteps } from '../../engine/tasks';
import type { DeadLetter } from '../../engine/resilience';
import type { AttemptRepository } from '../../store/attempts';
import type { BreakerRepository } from '../../store/breakers';
import type { DeadLetterRepository } from '../../store/deadLetters';
import type { RunRepository } from '../../store/runs';
import { retryDeadLetter } from './deadLetters';
import { resumeRun, runTask } from './execute';
import { recover, runDetails } from './recovery';
import { stopRunProcesses } from './owner';
import { TaskRunnerCore } from './runnerCore';
import type { InterruptedRun, RecoveryOutcome, RunDetails, TaskRunIo, TaskRunOutcome, TaskRunnerOptions, TaskSummary } from './types';

export { registerTaskRetryHandler } from './deadLetters';
export {
  requireTask,
  type InterruptedRun,
  type RecoveryOutcome,
  type RunDetails,
  type TaskProblem,
  type TaskProgress,
  type TaskRunIo,
  type TaskRunOutcome,
  type TaskRunnerOptions,
  type TaskSummary,
} from './types';

/**
 * Runs the workspace's tasks: each step through the user's shell, its failures classified,
 * recorded and retried per the task's policy behind its circuit breaker; on giving up, the
 * finished steps are undone in reverse order, the fallback task runs and the run is parked in the
 * dead-letter queue. Every step is a checkpoint in the store (runs, run_steps, journal), so a run
 * that failed or whose process died is resumed from its first unfinished step.
 *
 * Each job lives in its own file: execute.ts (a run, step by step), attempt.ts (one step's
 * attempts), undo.ts, fallback.ts, recovery.ts, deadLetters.ts (re-running a parked run),
 * problems.ts; what they share is TaskRunnerCore (runnerCore.ts).
 */
export class TaskRunner {
  readonly runs: RunRepository;
  readonly attempts: AttemptRepository;
  readonly deadLetters: DeadLetterRepository;
  readonly breakers: BreakerRepository;
  private readonly core: TaskRunnerCore;

  constructor(private readonly options: TaskRunnerOptions) {
    this.core = new TaskRunnerCore(options);
    this.runs = this.core.runs;
    this.attempts = this.core.attempts;
    this.deadLetters = this.core.deadLetters;
    this.breakers = this.core.breakers;
  }

  /** The tasks with their last run. */
  tasks(): TaskSummary[] {
    const last = this.runs.lastPerName('task');
    const live = new Map(this.runs.live({ ...this.core.liveness(), kind: 'task' }).map((r) => [r.name, r]));
    return [...this.options.tasks().values()].map((t) => {
      const single = t.steps.length === 1 && t.steps[0].name === t.name;
      const run = last.get(t.name);
      const s: TaskSummary = {
        name: t.name,
        detail: single ? t.steps[0].command : t.steps.map((x) => x.name).join(' → '),
        steps: t.steps.length,
        running: (this.core.active.get(t.name) ?? 0) > 0,
      };
      if (run) {
        s.last = { ok: OK_RUN_STATES.includes(run.state), at: run.endedAt ?? run.heartbeat, runId: run.id, state: run.state };
        if (run.errorCode) s.last.code = run.errorCode;
      }
      const other = live.get(t.name);
      if (other && !s.running) s.elsewhere = { runId: other.id, pid: other.owner.pid, host: other.owner.host, startedAt: other.startedAt };
      return s;
    });
  }

  /** The task, or a ConfigurationError naming the configured tasks. */
  definition(name: string): TaskDefinition {
    return this.core.definition(name);
  }

  /** Runs a task from its first step. */
  run(name: string, io: TaskRunIo = {}): Promise<TaskRunOutcome> {
    return runTask(this.core, this.definition(name), io, { deadLetter: true, fallback: true, recovered: false, chain: [name] });
  }

  /**
   * Continues a failed, cancelled or interrupted run from its first unfinished step; finished
   * steps are not run again. The run keeps its id.
   */
  async resume(runId: string, io: TaskRunIo = {}): Promise<TaskRunOutcome> {
    const run = this.runs.require(runId);
    const interrupted = run.state === 'running' && this.core.interruptedReason(run) !== undefined;
    return resumeRun(this.core, run, io, { deadLetter: true, fallback: true, recovered: interrupted, chain: [run.name] });
  }

  /** Runs that say `running` but whose owner is gone (see RunRepository.interrupted). */
  interrupted(): InterruptedRun[] {
    return this.runs.interrupted({ ...this.core.liveness(), kind: 'task' }).map(({ run, reason }) => ({
      id: run.id,
      name: run.name,
      startedAt: run.startedAt,
      completedSteps: completedSteps(run.steps.map((s) => s.state)),
      totalSteps: run.steps.length,
      reason,
      owner: run.owner,
      heartbeat: run.heartbeat,
    }));
  }

  /**
   * Stops the processes left running by interrupted runs (their rebound process was killed while a
   * step ran: the step leads its own process group and goes on alone). Called when a runner
   * starts, so leftovers live no longer than until the next start; the runs stay interrupted, to be
   * resumed, rolled back or abandoned. Returns what was stopped, to tell the user.
   */
  stopLeftovers(): Array<{ runId: string; task: string; step?: string; pids: number[] }> {
    const stopped: Array<{ runId: string; task: string; step?: string; pids: number[] }> = [];
    for (const { run, reason } of this.runs.interrupted({ ...this.core.liveness(), kind: 'task' })) {
      if (reason === 'heartbeat-expired') continue; // its owner may live on another host: only a proven death here
      const pids = stopRunProcesses(run.id);
      if (pids.length > 0) stopped.push({ runId: run.id, task: run.name, step: run.steps.find((s) => s.state === 'running' || s.state === 'undoing')?.name, pids });
    }
    return stopped;
  }

  /** A run with its journal, recoveries, the journal check and the plan of each recovery action. */
  details(runId: string): RunDetails {
    return runDetails(this.core, runId);
  }

  /**
   * Recovers an interrupted (or failed, or cancelled) run: the plan is recorded with the strategy,
   * leftover processes of the run are stopped, the action is carried out (resume, rollback,
   * abandon) and its outcome recorded. Strategy `manual` records the plan and closes the run
   * (abandoned) for a person to finish by hand; `skip` records the decision and changes nothing.
   */
  recover(runId: string, action: RecoveryAction, io: TaskRunIo = {}, strategy: RecoveryStrategy = 'guided'): Promise<RecoveryOutcome> {
    return recover(this.core, runId, action, io, strategy);
  }

  /**
   * Re-runs a dead letter of kind `task` (the queue's retry handler): resumes its run when that
   * run can still be resumed, else runs the task again. Resolves when it succeeded; throws the
   * classified failure otherwise. Adds no dead letter and runs no fallback (the queue keeps the entry).
   */
  retryDeadLetter(entry: DeadLetter, signal?: AbortSignal): Promise<TaskRunOutcome> {
    return retryDeadLetter(this.core, entry, signal);
  }
}
