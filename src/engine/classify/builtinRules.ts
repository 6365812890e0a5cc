import type { Category, Severity } from '../errors/types';
import type { MatchSpec, Rule } from './rule';

function rule(code: string, category: Category, severity: Severity, retryable: boolean, ...any: MatchSpec[]): Rule {
  return { id: `builtin:${code}`, code, category, severity, retryable, any };
}

/**
 * The built-in classification rules, most specific first. User rules are tried before these.
 * Every code here has an entry in the guidance catalog (a unit test keeps it so).
 */
export const BUILTIN_RULES: readonly Rule[] = [
  // Cancellation and signals (also the shell's 128+N exit codes).
  rule('RB-CANCEL-001', 'permanent', 'LOW', false, { signal: ['SIGINT'] }, { exitCode: [130] }),
  rule('RB-SIG-KILL', 'system', 'HIGH', false, { signal: ['SIGKILL'] }, { exitCode: [137] }, { line: { pattern: '^Killed$', triggers: ['killed'] } }),
  rule('RB-SIG-SEGV', 'system', 'CRITICAL', false, { signal: ['SIGSEGV', 'SIGBUS'] }, { exitCode: [139, 135] }, { output: ['segmentation fault'] }),
  rule('RB-SIG-ABRT', 'system', 'HIGH', false, { signal: ['SIGABRT'] }, { exitCode: [134] }),
  rule('RB-SIG-TERM', 'transient', 'MEDIUM', true, { signal: ['SIGTERM', 'SIGHUP'] }, { exitCode: [143, 129] }),

  // Resources: disk, memory, files.
  rule('RB-SYS-ENOSPC', 'system', 'CRITICAL', false, { errorCode: ['ENOSPC', 'EDQUOT'] }, { output: ['no space left on device', 'disk quota exceeded'] }),
  rule('RB-SYS-ENOMEM', 'system', 'HIGH', false, { errorCode: ['ENOMEM', 'ERR_WORKER_OUT_OF_MEMORY'] }, { output: ['out of memory', 'cannot allocate memory'] }),
  rule('RB-SYS-EMFILE', 'system', 'MEDIUM', true, { errorCode: ['EMFILE', 'ENFILE'] }, { output: ['too many open files'] }),
  rule('RB-SYS-EROFS', 'system', 'HIGH', false, { errorCode: ['EROFS'] }, { output: ['read-only file system'] }),

  // SQLite result codes (base and extended, e.g. SQLITE_BUSY_SNAPSHOT) and their messages.
  rule('RB-SQLITE-BUSY', 'transient', 'MEDIUM', true, { errorCode: ['SQLITE_BUSY'] }, { output: ['database is locked'] }),
  rule('RB-SQLITE-LOCKED', 'transient', 'MEDIUM', true, { errorCode: ['SQLITE_LOCKED'] }, { output: ['database table is locked', 'database schema is locked'] }),
  rule('RB-SQLITE-CORRUPT', 'system', 'CRITICAL', false, { errorCode: ['SQLITE_CORRUPT', 'SQLITE_NOTADB'] }, { output: ['database disk image is malformed', 'file is not a database'] }),
  rule('RB-SQLITE-FULL', 'system', 'CRITICAL', false, { errorCode: ['SQLITE_FULL'] }, { output: ['database or disk is full'] }),
  rule('RB-SQLITE-IOERR', 'system', 'HIGH', true, { errorCode: ['SQLITE_IOERR'] }, { output: ['disk i/o error'] }),
  rule('RB-SQLITE-READONLY', 'permanent', 'HIGH', false, { errorCode: ['SQLITE_READONLY'] }, { output: ['attempt to write a readonly database'] }),
  rule('RB-SQLITE-CANTOPEN', 'permanent', 'HIGH', false, { errorCode: ['SQLITE_CANTOPEN'] }, { output: ['unable to open database file'] }),
  rule('RB-SQLITE-CONSTRAINT', 'business', 'HIGH', false, { errorCode: ['SQLITE_CONSTRAINT'] }, { line: { pattern: '\\b(?:UNIQUE|NOT NULL|FOREIGN KEY|CHECK|PRIMARY KEY) constraint failed', triggers: ['constraint failed'] } }),
  rule('RB-SQLITE-SCHEMA', 'transient', 'LOW', true, { errorCode: ['SQLITE_SCHEMA'] }, { output: ['database schema has changed'] }),
  rule('RB-SQLITE-MISUSE', 'permanent', 'HIGH', false, { errorCode: ['SQLITE_MISMATCH', 'SQLITE_TOOBIG', 'SQLITE_RANGE', 'SQLITE_MISUSE', 'SQLITE_AUTH', 'SQLITE_PERM'] }),
  rule('RB-SQL-ERROR', 'permanent', 'HIGH', false, { errorCode: ['SQLITE_ERROR'] }, { output: ['no such table', 'no such column'] }, { line: { pattern: 'near "[^"]*": syntax error', triggers: ['": syntax error'] } }),
  rule('RB-DB-DEADLOCK', 'transient', 'MEDIUM', true, { output: ['deadlock detected', 'deadlock found when trying to get lock'] }),

  // HTTP statuses seen in output or on the error.
  rule('RB-HTTP-429', 'transient', 'MEDIUM', true, { httpStatus: [429] }, { output: ['too many requests', 'rate limit exceeded'] }),
  rule('RB-HTTP-502', 'transient', 'MEDIUM', true, { httpStatus: [502] }, { output: ['502 bad gateway'] }),
  rule('RB-HTTP-503', 'transient', 'MEDIUM', true, { httpStatus: [503] }, { output: ['503 service unavailable'] }),
  rule('RB-HTTP-504', 'transient', 'MEDIUM', true, { httpStatus: [504] }, { output: ['504 gateway timeout', '504 gateway time-out'] }),
  rule('RB-HTTP-AUTH', 'permanent', 'HIGH', false, { httpStatus: [401, 403] }),

  // Network (Node error codes and the messages tools print for them).
  rule('RB-NET-ECONNRESET', 'transient', 'MEDIUM', true, { errorCode: ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET'] }, { output: ['connection reset by peer', 'socket hang up'] }),
  rule('RB-NET-ETIMEDOUT', 'transient', 'MEDIUM', true, { errorCode: ['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'] }, { output: ['connection timed out'] }),
  rule('RB-NET-ECONNREFUSED', 'transient', 'MEDIUM', true, { errorCode: ['ECONNREFUSED'] }, { output: ['connection refused'] }),
  rule('RB-NET-EAI_AGAIN', 'transient', 'MEDIUM', true, { errorCode: ['EAI_AGAIN'] }, { output: ['temporary failure in name resolution', 'could not resolve host'] }),
  rule('RB-NET-UNREACHABLE', 'transient', 'MEDIUM', true, { errorCode: ['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN'] }, { output: ['network is unreachable', 'no route to host'] }),
  rule('RB-NET-ENOTFOUND', 'permanent', 'MEDIUM', false, { errorCode: ['ENOTFOUND'] }, { output: ['name or service not known'] }),
  rule('RB-NET-TLS', 'permanent', 'HIGH', false, { errorCode: ['CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID'] }, { output: ['certificate has expired', 'unable to verify the first certificate', 'self-signed certificate', 'self signed certificate'] }),

  // Files and processes.
  rule('RB-FS-EBUSY', 'transient', 'MEDIUM', true, { errorCode: ['EBUSY', 'EAGAIN', 'ETXTBSY'] }, { output: ['device or resource busy', 'resource temporarily unavailable'] }),
  rule('RB-FS-EADDRINUSE', 'transient', 'MEDIUM', true, { errorCode: ['EADDRINUSE'] }, { output: ['address already in use'] }),
  rule('RB-FS-EACCES', 'permanent', 'HIGH', false, { errorCode: ['EACCES', 'EPERM'] }, { output: ['permission denied', 'operation not permitted'] }, { exitCode: [126] }),
  rule('RB-LOCK-001', 'transient', 'MEDIUM', true, { line: { pattern: "Unable to create '[^']*\\.lock'", triggers: ["unable to create '"] } }, { output: ['another git process seems to be running', 'lock file exists', 'waiting for lock'] }),
  rule('RB-EXEC-NOTFOUND', 'permanent', 'HIGH', false, { exitCode: [127] }, { output: ['command not found', 'is not recognized as an internal or external command'] }),
  rule('RB-NODE-MODULE', 'permanent', 'HIGH', false, { errorCode: ['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND'] }, { output: ['cannot find module', 'cannot find package'] }),
  rule('RB-FS-ENOENT', 'permanent', 'MEDIUM', false, { errorCode: ['ENOENT'] }, { output: ['no such file or directory'] }),

  // Timeouts in general (after the specific network and SQLite ones).
  rule('RB-TIMEOUT-001', 'transient', 'MEDIUM', true, { exitCode: [124] }, { output: ['timed out', 'timeout exceeded', 'deadline exceeded'] }),

  // Builds, code and tests.
  rule('RB-BUILD-TS', 'permanent', 'HIGH', false, { line: { pattern: '\\berror TS\\d+:', triggers: ['error ts'] } }),
  rule('RB-BUILD-LINT', 'permanent', 'MEDIUM', false, { line: { pattern: '^\\s*\\d+:\\d+\\s+error\\s', triggers: ['error'] } }, { line: { pattern: '\\d+ problems? \\(\\d+ errors?', triggers: [' problem'] } }),
  rule('RB-CODE-SYNTAX', 'permanent', 'HIGH', false, { line: { pattern: '\\bSyntaxError: ', triggers: ['syntaxerror: '] } }),
  rule('RB-CODE-BUG', 'permanent', 'HIGH', false, { line: { pattern: '\\b(?:TypeError|ReferenceError|RangeError): ', triggers: ['typeerror: ', 'referenceerror: ', 'rangeerror: '] } }),
  rule('RB-TEST-FAIL', 'permanent', 'MEDIUM', false, { line: { pattern: '\\bAssertionError\\b', triggers: ['assertionerror'] } }, { line: { pattern: '^\\s*\\d+ failing\\b', triggers: [' failing'] } }, { line: { pattern: '\\bTests?:\\s+\\d+ failed\\b', triggers: [' failed'] } }),
];
