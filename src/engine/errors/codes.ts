import { PG_CODES } from './sqlstate';

/**
 * Every error code Rebound itself gives, in one table. `GUIDED_CODES` have their own entry in the
 * guidance catalog (the catalog is typed by them, so one cannot be added without its guidance);
 * `DERIVED_CODES` are finer codes whose guidance is another code's entry. User rules may name any
 * other code: classifications and events carry `string`, what Rebound produces is `ReboundCode`.
 */
export const GUIDED_CODES = [
  // Taxonomy defaults and Rebound's own failures.
  'RB-UNKNOWN-001', 'RB-EXEC-001', 'RB-LOCK-001', 'RB-VALID-001', 'RB-TIMEOUT-001', 'RB-CONFIG-001', 'RB-CONFIG-USAGE',
  'RB-MIGRATE-001', 'RB-ROLLBACK-001', 'RB-RECOVER-001', 'RB-CIRCUIT-001', 'RB-CANCEL-001',
  // Signals.
  'RB-SIG-KILL', 'RB-SIG-SEGV', 'RB-SIG-ABRT', 'RB-SIG-TERM',
  // Resources.
  'RB-SYS-ENOSPC', 'RB-SYS-ENOMEM', 'RB-SYS-EMFILE', 'RB-SYS-EROFS',
  // SQLite.
  'RB-SQLITE-BUSY', 'RB-SQLITE-LOCKED', 'RB-SQLITE-CORRUPT', 'RB-SQLITE-FULL', 'RB-SQLITE-IOERR', 'RB-SQLITE-READONLY',
  'RB-SQLITE-CANTOPEN', 'RB-SQLITE-CONSTRAINT', 'RB-SQLITE-SCHEMA', 'RB-SQLITE-MISUSE',
  // SQL databases in general (PostgreSQL, MySQL).
  'RB-SQL-ERROR', 'RB-DB-DEADLOCK', 'RB-DB-CONSTRAINT', 'RB-DB-AUTH', 'RB-DB-NOTFOUND', 'RB-DB-UNAVAILABLE', 'RB-DB-TIMEOUT',
  // HTTP.
  'RB-HTTP-429', 'RB-HTTP-502', 'RB-HTTP-503', 'RB-HTTP-504', 'RB-HTTP-5XX', 'RB-HTTP-501', 'RB-HTTP-AUTH', 'RB-HTTP-NOTFOUND', 'RB-HTTP-4XX',
  // Network, DNS, TLS.
  'RB-NET-ECONNRESET', 'RB-NET-ETIMEDOUT', 'RB-NET-ECONNREFUSED', 'RB-NET-EAI_AGAIN', 'RB-NET-UNREACHABLE', 'RB-NET-ENOTFOUND', 'RB-NET-TLS',
  // Files and processes.
  'RB-FS-EBUSY', 'RB-FS-EADDRINUSE', 'RB-FS-EACCES', 'RB-FS-ENOENT', 'RB-EXEC-NOTFOUND', 'RB-NODE-MODULE',
  // Shells.
  'RB-SHELL-SYNTAX', 'RB-SHELL-UNBOUND',
  // Version control, packages, containers.
  'RB-GIT-CONFLICT', 'RB-GIT-REJECTED', 'RB-GIT-REMOTE', 'RB-GIT-REPO', 'RB-GIT-REF', 'RB-GIT-DIRTY',
  'RB-NPM-SCRIPT', 'RB-NPM-JSON', 'RB-NPM-LOCK', 'RB-BUILD-DEPS',
  'RB-DOCKER-DAEMON', 'RB-DOCKER-IMAGE', 'RB-DOCKER-CONFLICT',
  // Builds.
  'RB-BUILD-TS', 'RB-BUILD-LINT', 'RB-BUILD-C', 'RB-BUILD-LINK', 'RB-BUILD-MAKE', 'RB-BUILD-CMAKE', 'RB-BUILD-JAVA',
  'RB-BUILD-MAVEN', 'RB-BUILD-GRADLE', 'RB-BUILD-RUST', 'RB-BUILD-CARGO', 'RB-BUILD-GO',
  // Code and tests.
  'RB-CODE-SYNTAX', 'RB-CODE-BUG', 'RB-CODE-ERROR', 'RB-CODE-IMPORT', 'RB-CODE-ASSERT', 'RB-CODE-MEMORY', 'RB-TEST-FAIL',
  // Business rules.
  'RB-BUSINESS-RULE',
  // PostgreSQL, by SQLSTATE (RB-PG-23505; every class by its generic code, RB-PG-23000): see sqlstate.ts.
  ...PG_CODES,
] as const;

export type GuidedCode = (typeof GUIDED_CODES)[number];

/** Finer codes and the guidance entry each uses. */
export const DERIVED_CODES = {
  'RB-LOCK-MIGRATE': 'RB-LOCK-001',
  'RB-LOCK-BUSY': 'RB-LOCK-001',
  'RB-LOCK-LOST': 'RB-LOCK-001',
  'RB-LOCK-SQLITE-BUSY': 'RB-LOCK-001',
  'RB-ROLLBACK-VERIFY': 'RB-ROLLBACK-001',
  'RB-MIGRATE-FK': 'RB-MIGRATE-001',
  'RB-MIGRATE-SNAPSHOT': 'RB-MIGRATE-001',
  'RB-MIGRATE-BLOCKED': 'RB-MIGRATE-001',
  'RB-MIGRATE-DUPLICATE': 'RB-MIGRATE-001',
  'RB-MIGRATE-NO-DOWN': 'RB-MIGRATE-001',
  'RB-MIGRATE-EMPTY-DOWN': 'RB-MIGRATE-001',
  'RB-MIGRATE-NON-TRANSACTIONAL': 'RB-MIGRATE-001',
  'RB-MIGRATE-DESTRUCTIVE': 'RB-MIGRATE-001',
  'RB-MIGRATE-MODIFIED': 'RB-MIGRATE-001',
  'RB-MIGRATE-FILE-NAME': 'RB-MIGRATE-001',
  'RB-MIGRATE-SYNTAX': 'RB-MIGRATE-001',
  'RB-MIGRATE-TEXT': 'RB-MIGRATE-001',
  'RB-RECOVER-CHANGED': 'RB-RECOVER-001',
  'RB-STORE-001': 'RB-SQLITE-CANTOPEN',
  'RB-STORE-OPEN': 'RB-SQLITE-CANTOPEN',
  'RB-STORE-FULL': 'RB-SQLITE-FULL',
  'RB-STORE-READONLY': 'RB-SQLITE-READONLY',
  'RB-STORE-CORRUPT': 'RB-SQLITE-CORRUPT',
  'RB-STORE-IO': 'RB-SQLITE-IOERR',
  'RB-LOCK-STORE': 'RB-LOCK-001',
  'RB-STORE-VERSION': 'RB-CONFIG-001',
  'RB-STORE-NATIVE': 'RB-CONFIG-001',
  'RB-INJECTED-001': 'RB-UNKNOWN-001',
} as const satisfies Record<string, GuidedCode>;

export type DerivedCode = keyof typeof DERIVED_CODES;

/** A code Rebound gives. */
export type ReboundCode = GuidedCode | DerivedCode;

const GUIDED: ReadonlySet<string> = new Set(GUIDED_CODES);

export function isReboundCode(code: unknown): code is ReboundCode {
  return typeof code === 'string' && (GUIDED.has(code) || Object.prototype.hasOwnProperty.call(DERIVED_CODES, code));
}

/** The guidance entry a Rebound code uses (itself for a guided code). */
export function guidanceCodeOf(code: ReboundCode): GuidedCode {
  return GUIDED.has(code) ? (code as GuidedCode) : DERIVED_CODES[code as DerivedCode];
}

declare const USER_CODE: unique symbol;

/** A code that is not Rebound's own: from a user rule in .rebound/config.json, or read back from stored data. */
export type UserCode = string & { readonly [USER_CODE]: true };

/** Any code a failure can carry: Rebound's own (checked against the table at compile time) or a user's. */
export type AnyCode = ReboundCode | UserCode;

/** A code from outside the table (a user rule, a stored row, a thrown value): Rebound's own when it is one. */
export function codeOf(code: string): AnyCode {
  return isReboundCode(code) ? code : (code as UserCode);
}
