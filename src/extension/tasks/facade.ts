import type { TaskProblem } from '../diagnostics/taskDiagnostics';

/** What the extension needs from the task runner (implemented over src/runner/tasks). */
export interface TaskRunResult {
  ok: boolean;
  runId: string;
  /** The classified failure, when it failed. */
  error?: { code: string; message: string; category: string };
  /** The issue the failure was grouped into. */
  issueId?: number;
  attempts: number;
  /** Problems found in the output (files absolute). */
  problems: TaskProblem[];
  /** A line of text from the output that identified the failure (for a classification rule). */
  evidence?: string;
  deadLetterId?: number;
}

export interface TaskSummary {
  name: string;
  /** The command, or the steps' names. */
  detail: string;
  steps: number;
  last?: { ok: boolean; at: number; runId: string; code?: string; state: string };
  running: boolean;
  /** Its last run was interrupted (its process died) and waits to be recovered. */
  interrupted?: boolean;
}

export interface InterruptedRun {
  id: string;
  name: string;
  startedAt: number;
  completedSteps: number;
  totalSteps: number;
}

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
