import type { GuidedCode } from '../errors/codes';
import { EVENT_FILE, type Guidance, type GuidanceAction } from './guidance';
import { PG_ENTRIES } from './postgresCatalog';

const retry: GuidanceAction = { kind: 'retry' };
const rollback: GuidanceAction = { kind: 'rollback' };
const recover: GuidanceAction = { kind: 'recover' };
const addRetry: GuidanceAction = { kind: 'quickFix', id: 'rebound.addRetry' };
const addBreaker: GuidanceAction = { kind: 'quickFix', id: 'rebound.addBreaker' };
const moreTime: GuidanceAction = { kind: 'quickFix', id: 'rebound.increaseTimeout' };
const addRule: GuidanceAction = { kind: 'quickFix', id: 'rebound.addRule' };
const config: GuidanceAction = { kind: 'openFile', path: '.rebound/config.json' };
/** Opens the file the event points at (filled in per event; left out when the event names none). */
const theFile: GuidanceAction = { kind: 'openFile', path: EVENT_FILE };
const pkg: GuidanceAction = { kind: 'openFile', path: 'package.json' };

type Entry = [title: string, explanation: string, steps: string[], actions: GuidanceAction[]];

const ENTRIES: Record<GuidedCode, Entry> = {
  // Taxonomy defaults.
  'RB-UNKNOWN-001': ['Unclassified failure', 'Rebound could not tell what kind of failure this is, so it does not retry it.', ['Read the message and the output of the failing step.', 'If it is a known transient condition, add a rule to "rules" in .rebound/config.json so it is classified and retried next time.'], [addRule, config]],
  'RB-EXEC-001': ['Command failed', 'The command exited with a non-zero status (or was stopped by a signal) and no rule recognised its output. The headline is the most telling line of that output.', ['Read the headline and the task output around it.', 'Run the command by hand in the task\'s folder to reproduce it.', 'If the output shows a condition that passes by itself (a busy service, a lock), add a rule with category "transient" to "rules" in .rebound/config.json so Rebound retries it.'], [addRule, config]],
  'RB-CONFIG-USAGE': ['Wrong command-line usage', 'The tool rejected its arguments (an unknown flag or option). Running it again with the same arguments fails the same way.', ['Fix the command in .rebound/config.json (see the tool\'s --help).'], [config]],
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
  'RB-SIG-SEGV': ['Crashed (segmentation fault)', 'The process crashed in native code. Retrying rarely helps.', ['For your own C, C++ or Rust code: rebuild with -g -fsanitize=address and run again to see the bad access.', 'For a tool: update or rebuild native modules (npm rebuild) and check that binaries match the platform.'], []],
  'RB-SIG-ABRT': ['Aborted (SIGABRT)', 'The process aborted itself and printed nothing Rebound recognises (an assertion or an out-of-memory abort would have been named).', ['Read the last lines of output before the abort.', 'If it is a tool\'s crash, update the tool and report it upstream with the output.'], []],
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
  'RB-BUILD-TS': ['TypeScript compile error', 'The TypeScript compiler reported errors. The code must change; retrying does not help.', ['Open the file at the reported line and fix the type error (the TS code, e.g. TS2322, names the rule).'], [theFile]],
  'RB-BUILD-LINT': ['Lint errors', 'The linter reported errors.', ['Open the reported files and fix the problems (many are fixable with --fix).'], [theFile]],
  'RB-CODE-SYNTAX': ['Syntax error', 'The language (JavaScript, Python, JSON) could not parse a file.', ['Open the file at the reported line and fix the syntax.'], [theFile]],
  'RB-CODE-BUG': ['Programming error', 'A bug in the code, not a passing condition: a TypeError or ReferenceError, a Python KeyError or NameError, a Java NullPointerException, a Go or Rust panic.', ['Open the innermost frame in your code (the location) and fix the code.'], [theFile]],
  'RB-TEST-FAIL': ['Tests failed', 'One or more tests failed.', ['Open the failing test and compare expected and actual values.', 'If a test is flaky, fix its timing rather than retrying the suite.'], [theFile]],
  // SQL databases.
  'RB-DB-CONSTRAINT': ['Constraint violated', 'A row broke a UNIQUE, NOT NULL, FOREIGN KEY or CHECK constraint of the database. The data is at fault; running it again gives the same result.', ['Read which constraint and which value failed in the headline.', 'Fix the data (or the statement that writes it), then run again.'], [theFile]],
  'RB-DB-AUTH': ['Database login refused', 'The database refused the user or the password.', ['Check the user and password the command uses (environment variables, not config.json).', 'Check the role exists and may log in from this host.'], [config]],
  'RB-DB-NOTFOUND': ['Database does not exist', 'The database named in the connection does not exist on the server.', ['Create it, or fix the database name in the connection string.'], [config]],
  'RB-DB-UNAVAILABLE': ['Database unavailable', 'The database server is starting, shutting down, out of connections or dropped the connection. Usually transient.', ['Retry with backoff.', 'If it persists, check the server and its connection limit.'], [retry, addRetry, addBreaker]],
  'RB-DB-TIMEOUT': ['Database timeout', 'A statement or lock wait ran past its timeout. Often transient (a long transaction held a lock).', ['Retry.', 'Look for long-running transactions; raise the timeout only if the work needs it.'], [retry, addRetry]],

  // HTTP (more).
  'RB-HTTP-5XX': ['Server error (HTTP 5xx)', 'The server failed while handling the request. Usually transient.', ['Retry with backoff.', 'If it persists, check the server\'s logs.'], [retry, addRetry, addBreaker]],
  'RB-HTTP-501': ['Not supported by the server (HTTP 501/505)', 'The server does not support the method or HTTP version. Retrying the same request fails again.', ['Use a method or endpoint the server supports.'], [config]],
  'RB-HTTP-NOTFOUND': ['Not found (HTTP 404)', 'The URL does not exist on the server (or the package or version is not in the registry). Retrying the same URL fails again.', ['Check the URL, package name or version in the command.'], [config]],
  'RB-HTTP-4XX': ['Request refused (HTTP 4xx)', 'The server rejected the request as it is (bad input, a conflict, a method not allowed). Retrying it unchanged fails again.', ['Read the status and the response body in the output.', 'Fix the request the command sends.'], [config]],

  // Shells.
  'RB-SHELL-SYNTAX': ['Shell syntax error', 'The shell could not parse the script. Nothing after the error ran.', ['Open the script at the reported line (check quotes, fi/done/esac and brackets).', 'Check it with `sh -n SCRIPT` (or `bash -n`) before running.'], [theFile]],
  'RB-SHELL-UNBOUND': ['Variable not set', 'The script uses a variable that is not set (set -u, or ${VAR:?}).', ['Set the variable in the task\'s "env" in .rebound/config.json or in the environment.', 'Or give it a default in the script: ${VAR:-default}.'], [config, theFile]],

  // Version control, packages, containers.
  'RB-GIT-CONFLICT': ['Merge conflict', 'Git could not merge the changes by itself: the conflicting files need a person.', ['Open the conflicting file and resolve the <<<<<<< ======= >>>>>>> sections.', 'Then `git add` it and `git commit` (or `git rebase --continue`).'], [theFile]],
  'RB-GIT-REJECTED': ['Push rejected', 'The remote has commits this branch does not have (or a hook refused the push).', ['Run `git pull --rebase` (or merge), then push again.'], []],
  'RB-GIT-REMOTE': ['Git remote not found', 'The remote name or repository URL does not exist or cannot be read.', ['Check `git remote -v` and the repository URL.', 'Check access rights to the repository.'], []],
  'RB-GIT-REPO': ['Not a git repository', 'The command ran outside a git working tree.', ['Check the task\'s cwd in .rebound/config.json.'], [config]],
  'RB-GIT-REF': ['Unknown branch, commit or path', 'Git could not find the branch, commit or path named in the command.', ['Check the name (`git branch -a`, `git log`); fetch first if it is on the remote.'], [config]],
  'RB-GIT-DIRTY': ['Local changes in the way', 'The checkout or merge would overwrite uncommitted changes.', ['Commit or stash the changes (`git stash`), then run again.'], [theFile]],
  'RB-NPM-SCRIPT': ['npm script missing', 'package.json has no script of that name.', ['Add the script to "scripts" in package.json, or fix the name in the command (`npm run` lists them).'], [pkg]],
  'RB-NPM-JSON': ['package.json is not valid JSON', 'npm could not parse package.json (a trailing comma, a comment, a missing quote).', ['Open package.json and fix the JSON near the position npm reports.'], [pkg]],
  'RB-NPM-LOCK': ['Lock file missing or out of date', '`npm ci` needs a package-lock.json that matches package.json.', ['Run `npm install` to create or update package-lock.json, commit it, then run again.'], [pkg]],
  'RB-BUILD-DEPS': ['Dependency cannot be resolved', 'A package, module or artifact the build needs is not available (a wrong name or version, or an offline build without it in the cache).', ['Check the dependency\'s name and version.', 'Fetch it once online (npm install, cargo fetch, go mod download, mvn dependency:resolve), then run again.'], []],
  'RB-DOCKER-DAEMON': ['Docker daemon not reachable', 'The docker command could not reach the Docker engine: it is not running, still starting, or the socket is not accessible.', ['Start Docker (or wait for it to be up); retries cover a slow start.', 'Check DOCKER_HOST and the permissions on /var/run/docker.sock.'], [retry, addRetry]],
  'RB-DOCKER-IMAGE': ['Image not found', 'The image name, tag or reference is wrong, or the registry refused access to it.', ['Check the image name and tag (they are lower case).', 'Log in to the registry if the image is private (`docker login`).'], [config]],
  'RB-DOCKER-CONFLICT': ['Container name in use', 'A container with that name already exists.', ['Remove it (`docker rm -f NAME`) or use another name, or add --rm to the run.'], [config]],

  // Builds (more).
  'RB-BUILD-C': ['C/C++ compile error', 'The compiler rejected the code. The code must change; retrying does not help.', ['Open the file at the reported line and fix the first error (later ones often follow from it).'], [theFile]],
  'RB-BUILD-LINK': ['Link error', 'The linker could not build the program: a function or library is missing or defined twice.', ['Check that the file defining the symbol is compiled and linked, and that -l libraries are installed.', 'For "multiple definition", keep one definition and declare it `extern` elsewhere.'], [theFile]],
  'RB-BUILD-MAKE': ['make failed', 'make could not run the build: a missing target or file, or a Makefile error.', ['Read the line make names; recipes must be indented with a tab.', 'Check that the files the target needs exist or have rules.'], [theFile]],
  'RB-BUILD-CMAKE': ['CMake configuration error', 'CMake stopped while configuring the project.', ['Open CMakeLists.txt at the reported line.', 'For find_package: install the package or set CMAKE_PREFIX_PATH.'], [theFile]],
  'RB-BUILD-JAVA': ['Java compile error', 'javac (directly or through Maven or Gradle) rejected the code.', ['Open the file at the reported line and fix the error.'], [theFile]],
  'RB-BUILD-MAVEN': ['Maven build error', 'Maven could not read the project or run the goal.', ['Read the [ERROR] lines; fix pom.xml where it points.', 'Run with -e for the full stack trace.'], [theFile]],
  'RB-BUILD-GRADLE': ['Gradle build failed', 'Gradle stopped the build ("What went wrong" says why).', ['Read the "What went wrong" section of the output.', 'Run with --stacktrace for details.'], [theFile]],
  'RB-BUILD-RUST': ['Rust compile error', 'rustc rejected the code (the error code, e.g. E0425, is explained by `rustc --explain`).', ['Open the file at the --> line and fix the error.'], [theFile]],
  'RB-BUILD-CARGO': ['Cargo manifest error', 'Cargo could not read the manifest (Cargo.toml) or find it.', ['Open Cargo.toml at the reported line and fix it, or run from the crate\'s folder.'], [theFile]],
  'RB-BUILD-GO': ['Go build error', 'go build or go vet rejected the code.', ['Open the file at the reported line and fix it.'], [theFile]],

  // Code (more).
  'RB-CODE-ERROR': ['Uncaught error', 'The program stopped on an error it did not handle. Running it again does the same.', ['Open the innermost frame in your code and handle or fix the cause.'], [theFile]],
  'RB-CODE-IMPORT': ['Import failed', 'A module, package or class could not be found or imported.', ['Install the dependency (pip install, npm install, add it to the classpath) or fix the import name.'], [theFile]],
  'RB-CODE-ASSERT': ['Assertion failed', 'An assert() in the program failed: its assumption does not hold for this input.', ['Open the assertion at the reported line and find why the condition is false.'], [theFile]],
  'RB-CODE-MEMORY': ['Memory error', 'A sanitizer or the allocator caught an invalid memory access (overflow, use after free, double free).', ['Open the first frame in your code the report names and fix the access.'], [theFile]],

  // PostgreSQL by SQLSTATE (RB-PG-23505, one generic entry per class): postgresCatalog.ts.
  ...PG_ENTRIES,

  // Business.
  'RB-BUSINESS-RULE': ['Business rule refused the operation', 'The data broke a rule of the application (validation failed, insufficient funds). The system worked; the input must change.', ['Read which rule and which value failed in the headline.', 'Fix the input data, then run again.'], [theFile]],
};

/** The built-in guidance, one entry per built-in error code. */
export const BUILTIN_GUIDANCE: ReadonlyMap<string, Guidance> = new Map(
  Object.entries(ENTRIES).map(([code, [title, explanation, steps, actions]]) => [code, { code, title, explanation, steps, actions, source: 'builtin' }]),
);
