export { neverAbortedSignal, type Action, type ExecuteContext, type Policy } from './policy';
export { failureInfo, isCancellation, delayHintOf, type FailureInfo } from './failure';
export { seededRandom, between } from './random';
export {
  backoff,
  fixedBackoff,
  linearBackoff,
  exponentialBackoff,
  fibonacciBackoff,
  customBackoff,
  ComputedBackoff,
  CustomBackoff,
  BACKOFF_KINDS,
  JITTER_KINDS,
  MAX_DELAY_MS,
  type Backoff,
  type BackoffContext,
  type BackoffKind,
  type BackoffOptions,
  type JitterKind,
} from './backoff';
export type { AttemptRecord, AttemptOutcome } from './attempt';
export { RetryBudget, retryBudget, type RetryBudgetOptions, type RetryDeniedEvent } from './retryBudget';
export { shouldRetry, type RetryFilter } from './retryFilter';
export {
  RetryPolicy,
  retry,
  type RetryOptions,
  type CategoryRetryOptions,
  type GiveUpReason,
  type RetryEvent,
  type GiveUpEvent,
  type RetrySuccessEvent,
  type RetryOutcome,
} from './retry';
export { RETRY_PRESETS, RETRY_PRESET_NAMES, isRetryPresetName, type RetryPresetName } from './retryPresets';
export { TimeoutPolicy, timeout, type TimeoutOptions, type TimeoutStrategy, type TimeoutEvent } from './timeout';
export {
  ConsecutiveBreaker,
  RateBreaker,
  consecutiveBreaker,
  rateBreaker,
  type BreakerKind,
  type BreakerStrategy,
  type BreakerCounts,
  type BreakerSummary,
  type ConsecutiveCounts,
  type RateCounts,
  type RateBreakerOptions,
} from './breakerStrategy';
export {
  CircuitBreakerPolicy,
  circuitBreaker,
  CIRCUIT_STATES,
  type CircuitState,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type StateChangeEvent,
  type StateChangeReason,
  type RejectedEvent,
  type OutcomeEvent,
} from './circuitBreaker';
export {
  FallbackPolicy,
  fallback,
  type FallbackSource,
  type FallbackContext,
  type FallbackOptions,
  type DegradedEvent,
  type DegradationReason,
} from './fallback';
export {
  FaultInjectionPolicy,
  faultInjection,
  INJECTED_ERROR_CODE,
  type FaultInjectionOptions,
  type InjectedErrorSpec,
  type InjectedEvent,
} from './faultInjection';
export { WrappedPolicy, wrap } from './wrap';
export {
  DEAD_LETTER_STATES,
  DEAD_LETTER_KINDS,
  describeFailure,
  emptyDeadLetterStats,
  shouldDeadLetter,
  matchesDeadLetter,
  canTransition,
  assertTransition,
  type DeadLetter,
  type NewDeadLetter,
  type DeadLetterState,
  type DeadLetterKind,
  type DeadLetterFilter,
  type DeadLetterStats,
} from './deadLetter';
export {
  RetryHandlerRegistry,
  retryHandlers,
  registerRetryHandler,
  type DeadLetterRetryHandler,
  type RetryHandlerContext,
} from './retryHandlers';
export { parseDuration, formatDuration } from './duration';
export {
  retryPolicySchema,
  inlineRetrySchema,
  backoffConfigSchema,
  retryOnSchema,
  breakerConfigSchema,
  consecutiveBreakerSchema,
  rateBreakerSchema,
  backoffFromConfig,
  resolveRetryConfig,
  retryPolicyFromConfig,
  breakerFromConfig,
  type BackoffConfig,
  type InlineRetryConfig,
  type RetryPolicyConfig,
  type BreakerConfig,
  type PolicyDependencies,
  type RetryPolicyDependencies,
  type BreakerDependencies,
} from './configSchema';
