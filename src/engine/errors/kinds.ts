import { ReboundError, isKind } from './reboundError';

/**
 * The kinds of Rebound failure. Each has a stable default code (overridable per instance), a
 * category, a severity and whether a retry may help; guards work across module copies.
 */

/** A lock (migration lock row, task lock, SQLite busy) is held by someone else. */
export class LockError extends ReboundError {
  static override readonly kind: string = 'LockError';
  static override readonly defaults = { code: 'RB-LOCK-001', category: 'transient', severity: 'MEDIUM', retryable: true } as const;
}

/** A command or step ran and failed (non-zero exit, killed by a signal, threw). */
export class ExecutionError extends ReboundError {
  static override readonly kind: string = 'ExecutionError';
  static override readonly defaults = { code: 'RB-EXEC-001', category: 'unknown', severity: 'HIGH', retryable: false } as const;
}

/** Input that breaks a rule (a checksum mismatch, a malformed file, a bad argument). */
export class ValidationError extends ReboundError {
  static override readonly kind: string = 'ValidationError';
  static override readonly defaults = { code: 'RB-VALID-001', category: 'permanent', severity: 'MEDIUM', retryable: false } as const;
}

/** Something took longer than it was allowed to. */
export class TimeoutError extends ReboundError {
  static override readonly kind: string = 'TimeoutError';
  static override readonly defaults = { code: 'RB-TIMEOUT-001', category: 'transient', severity: 'MEDIUM', retryable: true } as const;
}

/** `.rebound/config.json` (or a setting) is missing, malformed or inconsistent. */
export class ConfigurationError extends ReboundError {
  static override readonly kind: string = 'ConfigurationError';
  static override readonly defaults = { code: 'RB-CONFIG-001', category: 'permanent', severity: 'HIGH', retryable: false } as const;
}

/** A migration failed to apply, or the migration history is inconsistent. */
export class MigrationError extends ReboundError {
  static override readonly kind: string = 'MigrationError';
  static override readonly defaults = { code: 'RB-MIGRATE-001', category: 'permanent', severity: 'HIGH', retryable: false } as const;
}

/** Undoing half-done work failed: the system may be left in between states. */
export class RollbackError extends ReboundError {
  static override readonly kind: string = 'RollbackError';
  static override readonly defaults = { code: 'RB-ROLLBACK-001', category: 'system', severity: 'CRITICAL', retryable: false } as const;
}

/** Recovering an interrupted run failed. */
export class RecoveryError extends ReboundError {
  static override readonly kind: string = 'RecoveryError';
  static override readonly defaults = { code: 'RB-RECOVER-001', category: 'system', severity: 'HIGH', retryable: false } as const;
}

/**
 * A circuit breaker is open, so the call was not made. Transient, but not retryable right away:
 * `context.delayHintMs` says when the breaker will let a trial call through.
 */
export class CircuitOpenError extends ReboundError {
  static override readonly kind: string = 'CircuitOpenError';
  static override readonly defaults = { code: 'RB-CIRCUIT-001', category: 'transient', severity: 'MEDIUM', retryable: false } as const;
}

/** The work was cancelled (AbortSignal, the user, a shutdown). Not a fault: never retried. */
export class CancelledError extends ReboundError {
  static override readonly kind: string = 'CancelledError';
  static override readonly defaults = { code: 'RB-CANCEL-001', category: 'permanent', severity: 'LOW', retryable: false } as const;
}

export const ERROR_KINDS = [
  LockError,
  ExecutionError,
  ValidationError,
  TimeoutError,
  ConfigurationError,
  MigrationError,
  RollbackError,
  RecoveryError,
  CircuitOpenError,
  CancelledError,
] as const;
for (const k of ERROR_KINDS) ReboundError.register(k);

export const isLockError = (x: unknown): x is LockError => isKind(x, 'LockError');
export const isExecutionError = (x: unknown): x is ExecutionError => isKind(x, 'ExecutionError');
export const isValidationError = (x: unknown): x is ValidationError => isKind(x, 'ValidationError');
export const isTimeoutError = (x: unknown): x is TimeoutError => isKind(x, 'TimeoutError');
export const isConfigurationError = (x: unknown): x is ConfigurationError => isKind(x, 'ConfigurationError');
export const isMigrationError = (x: unknown): x is MigrationError => isKind(x, 'MigrationError');
export const isRollbackError = (x: unknown): x is RollbackError => isKind(x, 'RollbackError');
export const isRecoveryError = (x: unknown): x is RecoveryError => isKind(x, 'RecoveryError');
export const isCircuitOpenError = (x: unknown): x is CircuitOpenError => isKind(x, 'CircuitOpenError');
export const isCancelledError = (x: unknown): x is CancelledError => isKind(x, 'CancelledError');
