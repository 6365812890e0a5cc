export { openDatabase, StoreVersionError, type OpenOptions, type OpenedDatabase } from './database';
export { STORE_STEPS, type StoreStep } from './schema';
export { workspacePaths, type WorkspacePaths } from './location';
export { sqlite, NativeModuleError, type Database } from './sqlite';
export { ErrorStore, type ErrorStoreOptions, type StoreChange } from './errorStore';
export { EventRepository, type EventFilter, type EventPage, type RecordInput, type RecordResult, type StoredEvent } from './events';
export { IssueRepository, type Issue, type IssueFilter, type IssuePage, type IssueSortKey, type PageRequest } from './issues';
export { StatsRepository, type Statistics, type HourCount, type DayCount, type RetryStatistics } from './stats';
export { exportEvents, csvField, type ExportFormat } from './export';
export { ExplorerQueries, type IssueGrouping } from './explorer';
export {
  DeadLetterRepository,
  type DeadLetterQuery,
  type DeadLetterRetryResult,
  type DeadLetterRetryAllResult,
  type DeadLetterRetryOptions,
  type DeadLetterRepositoryOptions,
} from './deadLetters';
export { BreakerRepository, persistBreaker, type StoredBreaker, type PersistBreakerOptions, type BreakerVersion } from './breakers';
export { AttemptRepository, recordAttempts, type AttemptOwner, type StoredAttempt, type AttemptQuery, type AttemptSummary } from './attempts';
export {
  RunRepository,
  type RunOwner,
  type StoredRun,
  type StoredStep,
  type StoredJournalEntry,
  type StoredRecovery,
  type StartRunInput,
  type StepTransition,
  type InterruptedQuery,
  type InterruptedRunInfo,
  type RunListQuery,
} from './runs';
