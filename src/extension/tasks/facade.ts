import type { InterruptedRun as RunnerInterruptedRun, TaskProgress, TaskRunOutcome, TaskSummary as RunnerTaskSummary } from '../../runner/tasks';
import type { RunVerdict } from '../../engine/tasks';
import type { LiveRunOptions } from './liveRun';

/** How a run ended, as the editor reports it (the runner's outcome carries more). */
export type TaskRunResult = Pick<TaskRunOutcome, 'ok' | 'runId' | 'task' | 'state' | 'cancelled' | 'error' | 'issueId' | 'attempts' | 'problems' | 'evidence' | 'deadLetterId'> & {
  /** The fallback run that stood in, if one ran (its `ok` decides a `degraded` success). */
  fallback?: Pick<TaskRunOutcome, 'task' | 'ok'>;
};

/** How the editor follows a run: its output and its progress (attempts, waits, undo, fallback). */
export interface TaskRunIoLike {
  signal: AbortSignal;
  onOutput(text: string): void;
  onProgress?(event: TaskProgress): void;
  /** Asked before a resume runs again a started step declaring `"rerun": "ask"`. */
  confirmRerun?(step: { runId: string; task: string; index: number; step: string; was: string }): boolean | Promise<boolean>;
}

/** A configured task with its last run, as the Tasks view shows it. */
export interface TaskSummary extends RunnerTaskSummary {
  /** Its last run was interrupted (its process died) and waits to be recovered. */
  interrupted?: boolean;
  /** How its last run ended, as every view says it (a fallback's success is a success). */
  verdict?: RunVerdict;
}

/** A run whose process died, as the recovery prompts describe it. */
export type InterruptedRun = Pick<RunnerInterruptedRun, 'id' | 'name' | 'startedAt' | 'completedSteps' | 'totalSteps'>;

/** What the editor needs from the task runner (src/runner/tasks), so the views can be tested on their own. */
export interface TaskRunnerFacade {
  tasks(): TaskSummary[];
  run(name: string, io: TaskRunIoLike): Promise<TaskRunResult>;
  resume(runId: string, io: TaskRunIoLike): Promise<TaskRunResult>;
  interrupted(): InterruptedRun[];
  recover(
    runId: string,
    action: 'resume' | 'rollback' | 'abandon',
    io: TaskRunIoLike,
    strategy?: 'automatic' | 'guided' | 'manual' | 'skip',
  ): Promise<{ ok: boolean; message: string; result?: TaskRunResult }>;
  /** What a live run's view needs to know about a task: its attempts per step and its breaker now. */
  live(): Pick<LiveRunOptions, 'maxAttempts' | 'breaker'>;
}
