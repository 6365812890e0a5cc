import type { GuidedCode } from '../errors/codes';
import { PG_SQLSTATES, SQLSTATES, pgCode, type PgSqlState } from '../errors/sqlstate';
import type { Category, Severity } from '../errors/types';
import type { MatchSpec, Rule } from './rule';

function rule(code: GuidedCode, category: Category, severity: Severity, retryable: boolean, ...any: MatchSpec[]): Rule {
  return { id: `builtin:${code}`, code, category, severity, retryable, any };
}

const lit = (...output: string[]): MatchSpec => ({ output });
/** A case-insensitive expression tried on lines holding one of `triggers` (lower-case text every match contains). */
const line = (pattern: string, ...triggers: string[]): MatchSpec => ({ line: { pattern, triggers } });
const codes = (...errorCode: string[]): MatchSpec => ({ errorCode });
const status = (...httpStatus: number[]): MatchSpec => ({ httpStatus });
const exit = (...exitCode: number[]): MatchSpec => ({ exitCode });
const sig = (...signal: string[]): MatchSpec => ({ signal });

/** A SQLSTATE (5 characters) or a SQLSTATE class (2), from an error's `code` or from text that carries it (see compile.ts). */
const sqlstate = (...states: string[]): MatchSpec => ({ errorCode: states.map((st) => `SQLSTATE:${st}`) });

function pgRule(state: PgSqlState): Rule {
  const { category, severity, retryable } = SQLSTATES[state];
  // A class's generic code (23000) stands for the whole class (23xxx) when no finer rule matched.
  return rule(pgCode(state), category, severity, retryable, sqlstate(state.endsWith('000') ? state.slice(0, 2) : state));
}

/** A PostgreSQL message that names one SQLSTATE (when the SQLSTATE itself is not printed), classified as that SQLSTATE. */
function pgText(state: PgSqlState, ...any: MatchSpec[]): Rule {
  const { category, severity, retryable } = SQLSTATES[state];
  return rule(pgCode(state), category, severity, retryable, ...any);
}

/**
 * PostgreSQL errors by SQLSTATE: the codes that need their own handling, then every class by its
 * generic code. 25P02 (in_failed_sql_transaction) and its class come last: they follow another
 * error in the same transaction, which is the cause.
 */
const AFTER_CAUSE = new Set<PgSqlState>(['25P02', '25000']);
const PG_RULES: Rule[] = [
  ...PG_SQLSTATES.filter((st) => !st.endsWith('000') && !AFTER_CAUSE.has(st)).map(pgRule),
  ...PG_SQLSTATES.filter((st) => st.endsWith('000') && !AFTER_CAUSE.has(st)).map(pgRule),
  pgRule('25P02'),
  pgRule('25000'),
];

const range = (from: number, to: number, except: number[] = []) => Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((s) => !except.includes(s));

const PY_BUGS = ['NameError', 'TypeError', 'AttributeError', 'KeyError', 'IndexError', 'ValueError', 'ZeroDivisionError', 'RecursionError', 'UnboundLocalError', 'LookupError', 'ArithmeticError', 'OverflowError', 'NotImplementedError', 'StopIteration', 'JSONDecodeError', 'FloatingPointError', 'UnicodeDecodeError', 'UnicodeEncodeError', 'UnicodeError'];
const JVM_BUGS = ['NullPointerException', 'ArrayIndexOutOfBoundsException', 'StringIndexOutOfBoundsException', 'IndexOutOfBoundsException', 'ClassCastException', 'IllegalStateException', 'IllegalArgumentException', 'NumberFormatException', 'ArithmeticException', 'StackOverflowError', 'UnsupportedOperationException', 'ConcurrentModificationException', 'NoSuchElementException', 'NegativeArraySizeException', 'ArrayStoreException'];

/**
 * The built-in classification rules, most specific first. User rules are tried before these.
 * A rule that matched on text (or on an error code or HTTP status) wins over one that matched only
 * the exit code or the signal: the output says more than the status (see `first` in classifier.ts).
 * Every code here has an entry in the guidance catalog (the catalog is typed by `GuidedCode`).
 */
export const BUILTIN_RULES: readonly Rule[] = [
  // A SQLSTATE (an error's code, psql's VERBOSITY verbose, node-postgres printed) names the failure exactly.
  ...PG_RULES,

  // Cancellation and signals (also the shell's 128+N exit codes).
  rule('RB-CANCEL-001', 'permanent', 'LOW', false, sig('SIGINT'), exit(130), line('^KeyboardInterrupt\\b', 'keyboardinterrupt')),
  rule('RB-SIG-KILL', 'system', 'HIGH', false, sig('SIGKILL'), exit(137), line('^Killed$', 'killed')),

  // Resources: disk, memory, files; memory safety.
  rule('RB-SYS-ENOSPC', 'system', 'CRITICAL', false, codes('ENOSPC', 'EDQUOT'), lit('no space left on device', 'disk quota exceeded')),
  rule('RB-SYS-ENOMEM', 'system', 'HIGH', false, codes('ENOMEM', 'ERR_WORKER_OUT_OF_MEMORY'), lit('out of memory', 'cannot allocate memory', 'java.lang.outofmemoryerror'), line('^(?:E\\s+)?MemoryError\\b', 'memoryerror')),
  rule('RB-SYS-EMFILE', 'system', 'MEDIUM', true, codes('EMFILE', 'ENFILE'), lit('too many open files')),
  rule('RB-SYS-EROFS', 'system', 'HIGH', false, codes('EROFS'), lit('read-only file system')),
  rule('RB-CODE-MEMORY', 'permanent', 'CRITICAL', false, lit('addresssanitizer', 'leaksanitizer', 'memorysanitizer', 'threadsanitizer', '*** stack smashing detected ***', 'double free or corruption', 'free(): invalid pointer', 'malloc(): corrupted')),
  rule('RB-SIG-SEGV', 'system', 'CRITICAL', false, sig('SIGSEGV', 'SIGBUS'), exit(139, 135), lit('segmentation fault')),
  rule('RB-SIG-ABRT', 'system', 'HIGH', false, sig('SIGABRT'), exit(134)),
  rule('RB-SIG-TERM', 'transient', 'MEDIUM', true, sig('SIGTERM', 'SIGHUP'), exit(143, 129)),

  // Dependencies that cannot be resolved (before the build rules: their lines look like build errors).
  rule('RB-BUILD-DEPS', 'permanent', 'HIGH', false, lit('no required module provides package', 'cannot find module providing package', 'could not resolve dependencies', 'in offline mode and the artifact', 'no matching package named', 'failed to select a version', 'no matching distribution found', 'could not find a version that satisfies', 'no matching version found for', 'could not resolve all files for configuration', 'could not resolve all dependencies', 'unable to resolve dependency tree'), codes('ERESOLVE', 'ETARGET')),

  // Builds.
  rule('RB-BUILD-TS', 'permanent', 'HIGH', false, line('\\berror TS\\d+:', 'error ts')),
  rule('RB-BUILD-JAVA', 'permanent', 'HIGH', false, line('\\.java:\\d+: error: ', '.java:'), line('\\.java:\\[\\d+,\\d+\\] ', '.java:['), lit('compilation error', 'compilation failed; see the compiler error output')),
  rule('RB-BUILD-C', 'permanent', 'HIGH', false, line('^(?:In file included from )?[^\\s:]+\\.(?:c|h|cc|cpp|cxx|c\\+\\+|hpp|hh|hxx|ipp|tpp|inl|m|mm|cu|ino):\\d+(?::\\d+)?: (?:fatal )?error: ', ': error: ', ': fatal error: ')),
  rule('RB-BUILD-LINK', 'permanent', 'HIGH', false, line('\\bld(?:\\.\\w+)?: cannot find -l', 'cannot find -l'), lit('undefined reference to', 'multiple definition of', 'undefined symbol:', 'undefined symbols for architecture'), lit('ld returned 1 exit status', 'linker command failed')),
  rule('RB-BUILD-CMAKE', 'permanent', 'HIGH', false, line('^CMake Error\\b', 'cmake error')),
  rule('RB-BUILD-MAKE', 'permanent', 'HIGH', false, lit('no rule to make target', 'missing separator'), line('^make(?:\\[\\d+\\])?: \\*\\*\\* No targets', 'no targets')),
  rule('RB-BUILD-RUST', 'permanent', 'HIGH', false, line('^error\\[E\\d{4}\\]', 'error[e'), lit('error: aborting due to', 'error: could not compile `')),
  rule('RB-BUILD-CARGO', 'permanent', 'HIGH', false, lit('failed to parse manifest at', 'could not find `cargo.toml`', 'error: manifest path'), line('^\\s*--> \\S*Cargo\\.(?:toml|lock):\\d+', 'cargo.')),
  rule('RB-BUILD-GO', 'permanent', 'HIGH', false, line('^(?:\\.{1,2}/)?[\\w./-]+\\.go:\\d+:\\d+: ', '.go:'), lit('go.mod file not found', 'cannot find main module', 'does not contain main module'), line('^go: ', 'go: ')),
  rule('RB-BUILD-MAVEN', 'permanent', 'HIGH', false, lit('non-parseable pom', 'there is no pom in this directory', 'the build could not read', 'unknown lifecycle phase', 'plugin not found for prefix')),
  rule('RB-BUILD-LINT', 'permanent', 'MEDIUM', false, line('^\\s*\\d+:\\d+\\s+error\\s', 'error'), line('\\d+ problems? \\(\\d+ errors?', ' problem'), line('\\[Error/[\\w@/-]+\\]$', '[error/'), lit("eslint couldn't find")),

  // SQL databases: constraints are the data's fault (business), the rest are SQL or connection problems.
  // PostgreSQL messages (psql's default verbosity, node-postgres messages) that name one SQLSTATE Rebound handles apart.
  pgText('25001', line('cannot (?:run|be executed) inside a transaction block', 'inside a transaction block')),
  pgText('2BP01', line('cannot drop .+ because other objects depend on it', 'other objects depend on it')),
  pgText('42701', line('column "[^"]+" of relation "[^"]+" already exists(?!, skipping)', 'already exists')),
  pgText('42P07', line('relation "[^"]+" already exists(?!, skipping)', 'already exists')),
  pgText('42501', line('permission denied for (?:table|relation|schema|sequence|database|function|procedure|view|materialized view|type|language|tablespace|foreign|large object)\\b', 'permission denied for '), line('must be owner of (?:table|relation|schema|sequence|database|function|procedure|view|materialized view|type|index)\\b', 'must be owner of ')),
  pgText('55P03', lit('could not obtain lock on ')),
  pgText('55006', line('"[^"]+" is being accessed by other users', 'is being accessed by other users')),
  pgText('57014', lit('canceling statement due to user request')),
  pgText('54001', lit('stack depth limit exceeded')),
  pgText('25006', line('cannot execute [A-Z ]+ in a read-only transaction', 'read-only transaction')),
  pgText('53300', line('too many connections for (?:role|database) "', 'too many connections for'), lit('sorry, too many clients already', 'remaining connection slots are reserved')),
  pgText('22001', line('value too long for type character(?: varying)?\\(\\d+\\)', 'value too long for type')),
  rule('RB-DB-AUTH', 'permanent', 'HIGH', false, lit('access denied for user', 'no pg_hba.conf entry'), line('password authentication failed for user', 'password authentication failed'), line('role "[^"]+" does not exist', 'role "')),
  rule('RB-DB-NOTFOUND', 'permanent', 'HIGH', false, line('database "[^"]+" does not exist', 'database "'), line("unknown database '", "unknown database '")),
  rule('RB-DB-CONSTRAINT', 'business', 'HIGH', false, line('violates (?:unique|not-null|foreign key|check|exclusion) constraint', 'violates '), lit('duplicate key value', 'a foreign key constraint fails'), line('^ERROR \\d+ \\(23\\w{3}\\)', ' (23'), line('SQLSTATE\\[23\\w{3}\\]', 'sqlstate[23'), line("duplicate entry '.*' for key", 'duplicate entry'), line("column '[^']+' cannot be null", 'cannot be null'), line("check constraint '[^']+' is violated", 'check constraint')),
  rule('RB-DB-TIMEOUT', 'transient', 'MEDIUM', true, lit('canceling statement due to statement timeout', 'canceling statement due to lock timeout', 'lock wait timeout exceeded')),
  rule('RB-DB-DEADLOCK', 'transient', 'MEDIUM', true, lit('deadlock detected', 'deadlock found when trying to get lock', 'could not serialize access')),
  rule('RB-DB-UNAVAILABLE', 'transient', 'MEDIUM', true, lit('the database system is starting up', 'the database system is shutting down', 'too many clients already', 'too many connections', "can't connect to mysql server", "can't connect to local mysql server", 'mysql server has gone away', 'lost connection to mysql server', 'server closed the connection unexpectedly', 'terminating connection due to administrator command')),

  // SQLite result codes (base and extended, e.g. SQLITE_BUSY_SNAPSHOT) and their messages.
  rule('RB-SQLITE-BUSY', 'transient', 'MEDIUM', true, codes('SQLITE_BUSY'), lit('database is locked')),
  rule('RB-SQLITE-LOCKED', 'transient', 'MEDIUM', true, codes('SQLITE_LOCKED'), lit('database table is locked', 'database schema is locked')),
  rule('RB-SQLITE-CORRUPT', 'system', 'CRITICAL', false, codes('SQLITE_CORRUPT', 'SQLITE_NOTADB'), lit('database disk image is malformed', 'file is not a database')),
  rule('RB-SQLITE-FULL', 'system', 'CRITICAL', false, codes('SQLITE_FULL'), lit('database or disk is full')),
  rule('RB-SQLITE-IOERR', 'system', 'HIGH', true, codes('SQLITE_IOERR'), lit('disk i/o error')),
  rule('RB-SQLITE-READONLY', 'permanent', 'HIGH', false, codes('SQLITE_READONLY'), lit('attempt to write a readonly database')),
  rule('RB-SQLITE-CANTOPEN', 'permanent', 'HIGH', false, codes('SQLITE_CANTOPEN'), lit('unable to open database file')),
  rule('RB-SQLITE-CONSTRAINT', 'business', 'HIGH', false, codes('SQLITE_CONSTRAINT'), line('\\b(?:UNIQUE|NOT NULL|FOREIGN KEY|CHECK|PRIMARY KEY) constraint failed', 'constraint failed')),
  rule('RB-SQLITE-SCHEMA', 'transient', 'LOW', true, codes('SQLITE_SCHEMA'), lit('database schema has changed')),
  rule('RB-SQLITE-MISUSE', 'permanent', 'HIGH', false, codes('SQLITE_MISMATCH', 'SQLITE_TOOBIG', 'SQLITE_RANGE', 'SQLITE_MISUSE', 'SQLITE_AUTH', 'SQLITE_PERM')),
  rule('RB-SQL-ERROR', 'permanent', 'HIGH', false, codes('SQLITE_ERROR'), lit('no such table', 'no such column', 'error in your sql syntax'), line('^(?:psql:\\S+: )?ERROR:\\s+division by zero', 'division by zero'),
    line('near "[^"]*": syntax error', '": syntax error'), line('syntax error at or near', 'syntax error at'), line('\\b(?:relation|column|function|type|schema) "[^"]+" does not exist', 'does not exist'),
    line("table '[^']+' doesn't exist", "doesn't exist"), line("unknown column '", 'unknown column'), line('^(?:Parse|Runtime) error near line \\d+', 'error near line'), line('invalid input syntax for', 'invalid input syntax'), line('^ERROR \\d+ \\(42\\w{3}\\)', ' (42'), line('SQLSTATE\\[42\\w{3}\\]', 'sqlstate[42')),
  // After every other SQL error: it follows the error that aborted the transaction (the cause).
  pgText('25P02', lit('current transaction is aborted, commands ignored until end of transaction block')),

  // Containers, version control, package managers.
  rule('RB-DOCKER-DAEMON', 'transient', 'HIGH', true, lit('cannot connect to the docker daemon', 'is the docker daemon running', 'error during connect:')),
  rule('RB-DOCKER-IMAGE', 'permanent', 'HIGH', false, lit('pull access denied', 'manifest unknown', 'invalid reference format', 'repository does not exist or may require'), line('manifest for \\S+ not found', 'manifest for ')),
  rule('RB-DOCKER-CONFLICT', 'permanent', 'MEDIUM', false, lit('is already in use by container')),
  rule('RB-CONFIG-USAGE', 'permanent', 'MEDIUM', false, line('^(?:\\w[\\w-]*: )?(?:unknown|unrecognized|invalid) (?:flag|option|shorthand flag)\\b', 'flag', 'option')),
  rule('RB-GIT-CONFLICT', 'permanent', 'HIGH', false, lit('merge conflict in', 'automatic merge failed', 'resolve all conflicts manually', 'fix conflicts and then commit')),
  rule('RB-GIT-REJECTED', 'permanent', 'HIGH', false, lit('[rejected]', 'failed to push some refs', 'updates were rejected')),
  rule('RB-GIT-REMOTE', 'permanent', 'HIGH', false, lit('does not appear to be a git repository', 'could not read from remote repository', 'no such remote'), line("^fatal: repository '[^']*' (?:does not exist|not found)", "fatal: repository '")),
  rule('RB-GIT-REPO', 'permanent', 'HIGH', false, lit('not a git repository')),
  rule('RB-GIT-REF', 'permanent', 'HIGH', false, lit('did not match any file(s) known to git', 'unknown revision or path', 'not a valid object name', "couldn't find remote ref", 'invalid reference:')),
  rule('RB-GIT-DIRTY', 'permanent', 'MEDIUM', false, lit('would be overwritten by', 'please commit your changes or stash them')),
  rule('RB-NPM-SCRIPT', 'permanent', 'HIGH', false, lit('missing script:', 'err_pnpm_no_script'), line('^error Command "[^"]+" not found', 'error command "')),
  rule('RB-NPM-JSON', 'permanent', 'HIGH', false, codes('EJSONPARSE')),
  rule('RB-NPM-LOCK', 'permanent', 'HIGH', false, lit('can only install with an existing package-lock.json', 'can only install packages when your package.json and package-lock.json')),

  // TLS, HTTP statuses (4xx permanent except 408/425/429; 5xx transient except 501/505), network, DNS.
  rule('RB-NET-TLS', 'permanent', 'HIGH', false, codes('CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO'),
    lit('certificate has expired', 'unable to verify the first certificate', 'self-signed certificate', 'self signed certificate', 'ssl certificate problem', 'certificate verify failed', 'unable to get local issuer certificate', 'x509: certificate', 'wrong version number', 'ssl routines', 'tls handshake', "cannot verify ", "doesn't have a known issuer"), line('certificate of .* is not trusted', 'certificate of ')),
  rule('RB-HTTP-429', 'transient', 'MEDIUM', true, status(429, 408, 425), lit('too many requests', 'rate limit exceeded', 'toomanyrequests')),
  rule('RB-HTTP-502', 'transient', 'MEDIUM', true, status(502)),
  rule('RB-HTTP-503', 'transient', 'MEDIUM', true, status(503)),
  rule('RB-HTTP-504', 'transient', 'MEDIUM', true, status(504)),
  rule('RB-HTTP-501', 'permanent', 'HIGH', false, status(501, 505)),
  rule('RB-HTTP-5XX', 'transient', 'MEDIUM', true, status(...range(500, 599, [501, 502, 503, 504, 505]))),
  rule('RB-HTTP-AUTH', 'permanent', 'HIGH', false, status(401, 403, 407), line("^fatal: Authentication failed for '", 'authentication failed for'), lit('username/password authentication failed')),
  rule('RB-HTTP-NOTFOUND', 'permanent', 'MEDIUM', false, status(404, 410)),
  rule('RB-HTTP-4XX', 'permanent', 'MEDIUM', false, status(...range(400, 499, [401, 403, 404, 407, 408, 410, 425, 429]))),
  rule('RB-NET-ECONNRESET', 'transient', 'MEDIUM', true, codes('ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET'), lit('connection reset by peer', 'socket hang up', 'empty reply from server', 'connection reset', 'unexpected eof while reading', 'remote end closed connection without response')),
  rule('RB-NET-ETIMEDOUT', 'transient', 'MEDIUM', true, codes('ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'), lit('connection timed out', 'operation timed out', 'read timed out', 'i/o timeout')),
  rule('RB-NET-ECONNREFUSED', 'transient', 'MEDIUM', true, codes('ECONNREFUSED'), lit('connection refused', "couldn't connect to server"), line('connection to server on socket "[^"]*" failed: No such file or directory', 'connection to server on socket')),
  rule('RB-NET-EAI_AGAIN', 'transient', 'MEDIUM', true, codes('EAI_AGAIN'), lit('temporary failure in name resolution', 'could not resolve host', 'could not resolve hostname')),
  rule('RB-NET-UNREACHABLE', 'transient', 'MEDIUM', true, codes('EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN'), lit('network is unreachable', 'no route to host')),
  rule('RB-NET-ENOTFOUND', 'permanent', 'MEDIUM', false, codes('ENOTFOUND'), lit('name or service not known', 'nodename nor servname provided', 'no such host', 'unable to resolve host address')),

  // Files, processes, shells.
  rule('RB-FS-EBUSY', 'transient', 'MEDIUM', true, codes('EBUSY', 'EAGAIN', 'ETXTBSY'), lit('device or resource busy', 'resource temporarily unavailable', 'text file busy')),
  rule('RB-FS-EADDRINUSE', 'transient', 'MEDIUM', true, codes('EADDRINUSE'), lit('address already in use', 'port is already allocated')),
  rule('RB-LOCK-001', 'transient', 'MEDIUM', true, line("Unable to create '[^']*\\.lock'", "unable to create '"), lit('another git process seems to be running', 'lock file exists', 'waiting for lock')),
  rule('RB-SHELL-SYNTAX', 'permanent', 'HIGH', false, line('^[^:]+: (?:line )?\\d+: syntax error', 'syntax error'), line('^[^:]+:\\d+: parse error', 'parse error'), lit('unexpected eof while looking for matching', 'syntax error: unexpected end of file')),
  rule('RB-SHELL-UNBOUND', 'permanent', 'HIGH', false, lit(': unbound variable', 'parameter not set', 'parameter null or not set')),
  rule('RB-EXEC-NOTFOUND', 'permanent', 'HIGH', false, exit(127), lit('command not found', 'is not recognized as an internal or external command', 'executable file not found in $path'), line('^[^:]+: \\d+: [^:]+: not found$', ': not found'), { exitCode: [127], output: ['no such file or directory'] }),
  rule('RB-FS-EACCES', 'permanent', 'HIGH', false, codes('EACCES', 'EPERM'), lit('permission denied', 'operation not permitted'), exit(126)),
  rule('RB-NODE-MODULE', 'permanent', 'HIGH', false, codes('MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND'), lit('cannot find module', 'cannot find package')),
  rule('RB-FS-ENOENT', 'permanent', 'MEDIUM', false, codes('ENOENT'), lit('no such file or directory')),
  rule('RB-TIMEOUT-001', 'transient', 'MEDIUM', true, exit(124), lit('timed out', 'timeout exceeded', 'deadline exceeded')),

  // Business rules broken by the data (not SQLite or SQL constraints, which are above).
  rule('RB-BUSINESS-RULE', 'business', 'HIGH', false, lit('insufficient funds', 'insufficient balance', 'validation failed', 'validation error'),
    line('\\bInsufficient_?(?:Funds?|Balance|Credit|Stock|Inventory)', 'insufficient'), line('\\b\\w*Validation(?:Error|Exception|Failure|Failed)\\b', 'validation'), line('\\b\\w*Business\\w*(?:Error|Exception)\\b', 'business'), line('\\bOutOfStock', 'outofstock')),

  // Tests, then code.
  rule('RB-TEST-FAIL', 'permanent', 'MEDIUM', false, line('\\bAssertionError\\b', 'assertionerror'), line('^\\s*\\d+ failing\\b', ' failing'), line('\\bTests?:?\\s+\\d+ failed\\b', ' failed'),
    line('^=+ .*\\b\\d+ failed\\b', ' failed'), line('^FAILED \\S+::', 'failed '), line('^--- FAIL: ', '--- fail: '), line('^test result: FAILED', 'test result: failed'),
    line('Tests run: \\d+, Failures: \\d+, Errors: \\d+', 'tests run: '), lit('there are test failures'), line('^# fail [1-9]', '# fail '), line('\\bexpect\\(received\\)\\.\\w+\\(', 'expect(received)'), line('^\\s*FAIL\\s+\\S+\\.(?:[cm]?[jt]sx?)\\b', 'fail '), line('^FAILED \\((?:failures|errors)=\\d+', 'failed (')),
  rule('RB-CODE-ASSERT', 'permanent', 'HIGH', false, line(": Assertion [`'].*['`] failed\\.?$", 'assertion ')),
  rule('RB-CODE-IMPORT', 'permanent', 'HIGH', false, line('\\b(?:ModuleNotFoundError|ImportError): ', 'modulenotfounderror: ', 'importerror: '), lit('classnotfoundexception', 'noclassdeffounderror', 'could not find or load main class')),
  rule('RB-CODE-SYNTAX', 'permanent', 'HIGH', false, line('\\b(?:SyntaxError|IndentationError|TabError): ', 'syntaxerror: ', 'indentationerror: ', 'taberror: ')),
  rule('RB-CODE-BUG', 'permanent', 'HIGH', false, line('\\b(?:TypeError|ReferenceError|RangeError): ', 'typeerror: ', 'referenceerror: ', 'rangeerror: '),
    line(`^(?:E\\s+)?(?:[\\w.]+\\.)?(?:${PY_BUGS.join('|')})(?::|$)`, ...PY_BUGS.map((n) => n.toLowerCase())),
    line(`\\b(?:${JVM_BUGS.join('|')})\\b`, 'exception', 'stackoverflowerror'), line('^panic: ', 'panic: '), line('\\bpanicked at\\b', 'panicked at')),
  rule('RB-CODE-ERROR', 'permanent', 'HIGH', false, lit('traceback (most recent call last)', 'exception in thread "', '[unhandledpromiserejection'), line('^Node\\.js v\\d+', 'node.js v'), line('^Uncaught \\w*(?:Error|Exception)\\b', 'uncaught ')),

  // What stays of a build or a test run that nothing above explained.
  rule('RB-BUILD-GRADLE', 'permanent', 'HIGH', false, lit('failure: build failed with an exception')),
  rule('RB-BUILD-MAVEN', 'permanent', 'HIGH', false, line('^\\[ERROR\\] Failed to execute goal', '[error] failed to execute goal')),
  rule('RB-BUILD-MAKE', 'permanent', 'HIGH', false, line('^g?make(?:\\[\\d+\\])?: \\*\\*\\* ', 'make')),
];
