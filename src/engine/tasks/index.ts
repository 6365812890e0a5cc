export {
  BUILTIN_PROBLEM_MATCHERS,
  DEFAULT_PROBLEM_MATCHERS,
  type BuiltinProblemMatcher,
  type ProblemPattern,
  type ProblemSpec,
  type Problem,
  type StepDefinition,
  type TaskDefinition,
} from './definition';
export {
  RUN_STATES,
  STEP_STATES,
  RECOVERY_ACTIONS,
  RECOVERY_STRATEGIES,
  OK_RUN_STATES,
  canStepTransition,
  isStepFinished,
  replayJournal,
  checkJournal,
  type RunState,
  type StepState,
  type RecoveryAction,
  type RecoveryStrategy,
  type JournalRecord,
  type ReplayedRun,
  type JournalCheck,
} from './runModel';
export {
  planRecovery,
  firstUnfinishedStep,
  completedSteps,
  recommendedAction,
  type PlanInput,
  type PlanInputStep,
  type PlannedOp,
  type PlannedStep,
  type RecoveryPlan,
} from './recoveryPlan';
export {
  definitionHash,
  displayDefinition,
  definitionDifferences,
  isTaskDefinitionLike,
  type DisplayDefinition,
  type DefinitionDifference,
} from './storedDefinition';
export { runVerdict, CANCEL_CODE, type RunVerdict, type RunVerdictKind, type VerdictInput } from './verdict';
