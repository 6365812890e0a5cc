export {
  TaskRunner,
  registerTaskRetryHandler,
  type TaskRunnerOptions,
  type TaskRunIo,
  type TaskRunOutcome,
  type TaskProgress,
  type TaskProblem,
  type TaskSummary,
  type InterruptedRun,
  type RecoveryOutcome,
  type RunDetails,
} from './runner';
export { openTaskRunner, type OpenedTaskRunner } from './open';
export { currentRunOwner, isOwnerAlive, processStartTime, findRunProcesses, stopRunProcesses, RUN_ID_ENV } from './owner';
export { outcomeVerdict, storedVerdict } from './verdicts';
