import type { InterruptedRun as RunnerInterruptedRun, TaskRunOutcome, TaskSummary as RunnerTaskSummary } from '../../runner/tasks';

/** How a run ended, as the editor reports it (the runner's outcome carries more). */
export type TaskRunResult = Pick<TaskRunOutcome, 'ok' | 'runId' | 'error' | 'issueId' | 'attempts' | 'problems' | 'evidence' | 'deadLetterId'>;

/** A configured task with its last run, as the Tasks view shows it. */
export interface TaskSummary extends RunnerTaskSummary {
  /** Its last run was interrupted (its process died) and waits to be recovered. */
  interrupted?: boolean;
}

/** A run whose process died, as the recovery prompts describe it. */
export type InterruptedRun = Pick<RunnerInterruptedRun, 'id' | 'name' | 'startedAt' | 'completedSteps' | 'totalSteps'>;

/** What the editor needs from the task runner (src/runner/tasks), so the views can be tested on their own. */
export interface TaskRunnerFacade {
  tasks(): TaskSummary[];
  run(name: string, io: { signal: AbortSignal; onOutput(text: string): void }): Promise<TaskRunResult>;
  resume(runId: string, io: { signal: AbortSignal; onOutput(text: string): void }): Promise<TaskRunResult>;
  interrupted(): InterruptedRun[];
  recover(
    runId: string,
    action: 'resume' | 'rollback' | 'abandon',
    io: { signal: AbortSignal; onOutput(text: string): void },
    strategy?: 'automatic' | 'guided' | 'manual' | 'skip',
  ): Promise<{ ok: boolean; message: string; result?: TaskRunResult }>;
}
