import type { Guidance, GuidanceAction } from './guidance';

const retry: GuidanceAction = { kind: 'retry' };
const rollback: GuidanceAction = { kind: 'rollback' };
const recover: GuidanceAction = { kind: 'recover' };
const addRetry: GuidanceAction = { kind: 'quickFix', id: 'rebound.addRetry' };
const addBreaker: GuidanceAction = { kind: 'quickFix', id: 'rebound.addBreaker' };
const moreTime: GuidanceAction = { kind: 'quickFix', id: 'rebound.increaseTimeout' };
const addRule: GuidanceAction = { kind: 'quickFix', id: 'rebound.addRule' };
const config: GuidanceAction = { kind: 'openFile', path: '.rebound/config.json' };
const theFile: GuidanceAction = { kind: 'openFile', path: '${file}' };

type Entry = [title: string, explanation: string, steps: string[], actions: GuidanceAction[]];

const ENTRIES: Record<string, Entry> = {
  // Taxonomy defaults.
  'RB-UNKNOWN-001': ['Unclassified failure', 'Rebound could not tell what kind of failure this is, so it does not retry it.', ['Read the message and the output of the failing step.', 'If it is a known transient condition, add a rule to "rules" in .rebound/config.json so it is classified and retried next time.'], [addRule, config]],
  'RB-EXEC-001': ['Command failed', 'The command exited with a non-zero status (or was stopped by a signal) and no rule recognised the output.', ['Open the task output and find the first error line.', 'Run the command by hand in the task\'s folder to reproduce it.', 'If the failure is transient, add a rule (and a retry policy) to .rebound/config.json.'], [retry, addRule, config]],
  'RB-LOCK-001': ['Lock held by someone else', 'Another process holds the lock this work needs (a migration lock, a task lock, a tool\'s lock file). It is usually released soon.', ['Wait for the other run to finish; Rebound retries lock errors.', 'If no other run is active, the lock is stale: check its owner and heartbeat (`rebound migrate status`), then remove it.'], [retry, addRetry]],
  'RB-VALID-001': ['Invalid input', 'Input broke a rule Rebound checks (a checksum, a file name, an argument). Retrying the same input fails the same way.', ['Read which value is wrong in the message.', 'Fix the input or the file named in the message.'], [theFile]],
  'RB-TIMEOUT-001': ['Timed out', 'The work took longer than it was allowed to. This is often transient (a slow network or a busy machine) but can mean the limit is too low.', ['Check whether the work is genuinely slow or stuck.', 'Raise timeoutMs for the task if it needs more time.', 'Keep a retry policy so a one-off slowness is retried.'], [retry, moreTime, addRetry]],
  'RB-CONFIG-001': ['Configuration error', '.rebound/config.json (or a setting) is missing, malformed or inconsistent.', ['Open .rebound/config.json; the editor underlines the wrong key.', 'Fix the value named in the message (its JSON path is given).'], [config]],
  'RB-MIGRATE-001': ['Migration failed', 'A migration could not be applied, or the migration history does not match the files.', ['Read the failing statement in the message.', 'Fix the migration file, then run `rebound migrate up` again; a failed transactional migration was rolled back.', 'If the history is inconsistent, run `rebound migrate validate` and `rebound migrate repair`.'], [rollback, theFile]],
  'RB-ROLLBACK-001': ['Rollback failed', 'Undoing half-done work failed, so the system may be between states. This needs a person.', ['Read which undo step failed and why.', 'Run `rebound recovery list` to see the interrupted run and its recovery plan.', 'Fix the cause, then execute the recovery or undo the remaining steps by hand.'], [recover]],
  'RB-RECOVER-001': ['Recovery failed', 'Recovering an interrupted run failed.', ['Run `rebound recovery details ID` to see the plan and where it stopped.', 'Fix the cause and execute the recovery again, or abandon it and clean up by hand.'], [recover]],
  'RB-CIRCUIT-001': ['Circuit breaker open', 'Recent calls kept failing, so the breaker stopped calling for a while to let the dependency recover. The call was not made.', ['Look at the failures that opened the breaker.', 'Wait for the half-open trial (the breaker lets one call through after its cool-down).', 'If the dependency is healthy again, reset the breaker.'], [retry]],
  'RB-CANCEL-001': ['Cancelled', 'The work was cancelled (by you, by Ctrl+C, or by a shutdown). Nothing failed; nothing is retried.', ['Run it again when you are ready.', 'If a multi-step task was interrupted, check `rebound recovery list`.'], [recover]],

  // Signals.
  'RB-SIG-KILL': ['Killed (SIGKILL)', 'The process was killed outright, most often by the out-of-memory killer or a CI time limit.', ['Check memory use (dmesg shows OOM kills on Linux).', 'Lower memory use or raise the limit (for Node: --max-old-space-size).', 'If a CI limit killed it, raise the job\'s time limit.'], [recover]],
  'RB-SIG-SEGV': ['Crashed (segmentation fault)', 'The process crashed in native code. Retrying rarely helps.', ['Update or rebuild native modules (npm rebuild).', 'Check that binaries match the platform and Node version.'], []],
  'RB-SIG-ABRT': ['Aborted (SIGABRT)', 'The process aborted itself, usually on a failed internal assertion or a fatal runtime error.', ['Read the last lines of output before the abort.', 'Update the tool; report the crash upstream with the output.'], []],
  'RB-SIG-TERM': ['Terminated (SIGTERM)', 'The process was asked to stop, for example by a shutdown or a supervisor. Running it again usually works.', ['Check who stopped it (a deploy, a CI cancel, a restart).', 'Run it again; Rebound retries it when a retry policy is set.'], [retry, recover]],

  // Resources.
  'RB-SYS-ENOSPC': ['Disk full', 'No space is left on the device (or a quota is exceeded). Retrying fails until space is freed.', ['Free disk space (build caches, node_modules, old logs, Docker images).', 'Check `df -h` for the full volume.', 'Run the task again.'], []],
  'RB-SYS-ENOMEM': ['Out of memory', 'The process ran out of memory.', ['Reduce the work done at once, or raise the limit (Node: NODE_OPTIONS=--max-old-space-size=4096).', 'Close other memory-hungry processes.'], []],
  'RB-SYS-EMFILE': ['Too many open files', 'The process hit the limit of open files. It may pass once other files are closed.', ['Raise the limit (`ulimit -n`).', 'Look for file handles that are never closed (watchers, streams).'], [retry]],
  'RB-SYS-EROFS': ['Read-only file system', 'The target is on a read-only file system.', ['Write to a writable location, or remount the volume read-write.'], []],

  // SQLite.
  'RB-SQLITE-BUSY': ['Database is busy (SQLITE_BUSY)', 'Another connection holds a write lock on the SQLite database. It is normally released within moments.', ['Rebound retries it; keep a retry policy on the task.', 'Set a busy timeout on the connection (PRAGMA busy_timeout) and use WAL mode.', 'Look for a long-running writer or a process that keeps a transaction open.'], [retry, addRetry]],
  'RB-SQLITE-LOCKED': ['Table is locked (SQLITE_LOCKED)', 'A conflicting operation on the same connection or shared cache holds a table lock.', ['Finish or reset open statements before writing.', 'Retry; the lock is usually short.'], [retry, addRetry]],
  'RB-SQLITE-CORRUPT': ['Database file is corrupt', 'The SQLite file is damaged or is not a database. Retrying cannot fix it.', ['Stop every process using the file.', 'Restore from a snapshot (`rebound migrate snapshots`, `rebound migrate restore S`) or a backup.', 'Try `sqlite3 FILE .recover` to salvage data.'], [rollback]],
  'RB-SQLITE-FULL': ['Database or disk is full', 'SQLite could not grow the database file.', ['Free disk space.', 'Check max_page_count if it was set.'], []],
  'RB-SQLITE-IOERR': ['Disk I/O error', 'The operating system reported an I/O error while SQLite read or wrote the file. It can be transient (network drives) or a failing disk.', ['Retry once.', 'Keep databases on a local disk, not a network share.', 'Check the disk\'s health.'], [retry]],
  'RB-SQLITE-READONLY': ['Database is read-only', 'SQLite was asked to write a database it may only read (file permissions, a read-only mount, or a read-only connection).', ['Check the permissions of the database file and its folder (SQLite writes -wal and -shm files beside it).'], [theFile]],
  'RB-SQLITE-CANTOPEN': ['Cannot open the database', 'SQLite could not open the file: the folder is missing, the path is wrong, or permissions forbid it.', ['Check the database path in .rebound/config.json ("databases").', 'Create the folder, or fix its permissions.'], [config]],
  'RB-SQLITE-CONSTRAINT': ['Constraint violated', 'A row broke a UNIQUE, NOT NULL, FOREIGN KEY or CHECK constraint. The data, not the system, is at fault; retrying gives the same result.', ['Read which constraint and column failed.', 'Fix the data (or the migration that inserts it), then run again.'], [rollback, theFile]],
  'RB-SQLITE-SCHEMA': ['Schema changed', 'The database schema changed while a statement was prepared. Preparing again fixes it.', ['Retry.'], [retry]],
  'RB-SQLITE-MISUSE': ['SQLite misuse', 'The statement or its parameters do not fit (type mismatch, a value too big, a parameter out of range, or denied access).', ['Read the message for the statement and value.', 'Fix the SQL or the bound values.'], [theFile]],
  'RB-SQL-ERROR': ['SQL error', 'The SQL is wrong for this database: a syntax error, or a table or column that does not exist.', ['Open the migration or query named in the message and fix the statement.', 'Check that earlier migrations ran (`rebound migrate status`).'], [rollback, theFile]],
  'RB-DB-DEADLOCK': ['Deadlock', 'Two transactions waited on each other and the database aborted one. Running it again normally succeeds.', ['Retry (Rebound does with a retry policy).', 'Take locks in the same order everywhere to make it rarer.'], [retry, addRetry]],

  // HTTP.
  'RB-HTTP-429': ['Rate limited (HTTP 429)', 'The server asked to slow down. Rebound waits the Retry-After time when the response gives one.', ['Retry later (automatic with a retry policy; "network" backs off with jitter).', 'Lower concurrency or the request rate.'], [retry, addRetry, addBreaker]],
  'RB-HTTP-502': ['Bad gateway (HTTP 502)', 'A proxy or gateway got a bad answer from the server behind it. Usually transient.', ['Retry with backoff.', 'If it persists, check the upstream service.'], [retry, addRetry, addBreaker]],
  'RB-HTTP-503': ['Service unavailable (HTTP 503)', 'The server is overloaded or down for maintenance. Usually transient.', ['Retry with backoff.', 'A circuit breaker stops hammering a service that stays down.'], [retry, addRetry, addBreaker]],
  'RB-HTTP-504': ['Gateway timeout (HTTP 504)', 'A gateway timed out waiting for the server behind it. Usually transient.', ['Retry with backoff.', 'If the request is heavy, make it smaller.'], [retry, addRetry, addBreaker]],
  'RB-HTTP-AUTH': ['Not authorised (HTTP 401/403)', 'The server refused the credentials. Retrying with the same credentials fails again.', ['Check that the token or password is set and not expired (in the environment, not in config.json).', 'Check the account\'s permissions.'], [config]],

  // Network.
  'RB-NET-ECONNRESET': ['Connection reset', 'The other side closed the connection abruptly (ECONNRESET, EPIPE, socket hang up). Usually transient.', ['Retry with backoff.', 'If it happens every time, check proxies, TLS settings and server logs.'], [retry, addRetry]],
  'RB-NET-ETIMEDOUT': ['Connection timed out', 'No answer from the other side in time (ETIMEDOUT). Usually transient.', ['Retry with backoff.', 'Check the network, VPN or proxy.'], [retry, addRetry, moreTime]],
  'RB-NET-ECONNREFUSED': ['Connection refused', 'Nothing is listening at that address and port (ECONNREFUSED): the service is down or still starting.', ['Start the service, or wait until it is up (retries cover a slow start).', 'Check the host and port.'], [retry, addRetry, addBreaker]],
  'RB-NET-EAI_AGAIN': ['DNS lookup failed temporarily', 'The name could not be resolved right now (EAI_AGAIN). Usually a transient DNS or network problem.', ['Retry.', 'Check the network connection and DNS settings.'], [retry, addRetry]],
  'RB-NET-UNREACHABLE': ['Network unreachable', 'There is no route to the host (EHOSTUNREACH, ENETUNREACH).', ['Check the network connection, VPN and firewall.', 'Retry once the network is back.'], [retry, addRetry]],
  'RB-NET-ENOTFOUND': ['Host not found', 'The host name does not exist (ENOTFOUND). Usually a typo or a missing DNS entry, so it is not retried.', ['Check the host name in the command or its configuration.'], [config]],
  'RB-NET-TLS': ['TLS certificate problem', 'The server\'s certificate could not be verified (expired, self-signed, or the wrong name).', ['Check the system clock.', 'Install the organisation\'s CA certificate (NODE_EXTRA_CA_CERTS) rather than disabling verification.'], []],

  // Files and processes.
  'RB-FS-EBUSY': ['Resource busy', 'A file or device is in use by another process (EBUSY, EAGAIN). Usually released soon.', ['Retry.', 'Close editors, watchers or antivirus scans holding the file.'], [retry, addRetry]],
  'RB-FS-EADDRINUSE': ['Port already in use', 'Another process is listening on the port (EADDRINUSE).', ['Stop the other process (`lsof -i :PORT`) or use another port.', 'Retry once it has exited.'], [retry]],
  'RB-FS-EACCES': ['Permission denied', 'The process may not read, write or execute a file it needs (EACCES, EPERM, exit 126).', ['Check the file\'s permissions and owner.', 'Make scripts executable (chmod +x).'], [theFile]],
  'RB-FS-ENOENT': ['File not found', 'A file or folder the work needs does not exist (ENOENT).', ['Check the path in the message; a build step may not have run.', 'Check the task\'s cwd in .rebound/config.json.'], [config, theFile]],
  'RB-EXEC-NOTFOUND': ['Command not found', 'The shell could not find the command (exit 127).', ['Install the tool, or fix the command name in .rebound/config.json.', 'Check PATH in the environment the task runs in.'], [config]],
  'RB-NODE-MODULE': ['Module not found', 'Node could not resolve a module or package.', ['Run `npm install` (or `npm ci`).', 'Check the import path and the package name.'], [theFile]],

  // Builds, code, tests.
  'RB-BUILD-TS': ['TypeScript compile error', 'The TypeScript compiler reported errors. The code must change; retrying does not help.', ['Open the file at the reported line and fix the type error.'], [theFile]],
  'RB-BUILD-LINT': ['Lint errors', 'The linter reported errors.', ['Open the reported files and fix the problems (many are fixable with --fix).'], [theFile]],
  'RB-CODE-SYNTAX': ['Syntax error', 'JavaScript could not parse a file.', ['Open the file at the reported line and fix the syntax.'], [theFile]],
  'RB-CODE-BUG': ['Programming error', 'A TypeError, ReferenceError or RangeError: a bug in the code, not a passing condition.', ['Open the top stack frame in your workspace and fix the code.'], [theFile]],
  'RB-TEST-FAIL': ['Tests failed', 'One or more tests failed.', ['Open the failing test and compare expected and actual values.', 'If a test is flaky, fix its timing rather than retrying the suite.'], [theFile]],
};

/** The built-in guidance, one entry per built-in error code. */
export const BUILTIN_GUIDANCE: ReadonlyMap<string, Guidance> = new Map(
  Object.entries(ENTRIES).map(([code, [title, explanation, steps, actions]]) => [code, { code, title, explanation, steps, actions, source: 'builtin' }]),
);
