import assert from 'node:assert/strict';
import { codeOf } from '../../../../src/engine/errors/codes';
import fc from 'fast-check';
import { BUILTIN_RULES, Classifier, defaultClassifier, ruleSchema } from '../../../../src/engine/classify';
import { CATEGORIES } from '../../../../src/engine/errors';
import { ExecutionError, LockError } from '../../../../src/engine/errors';

const classify = (input: Parameters<Classifier['classify']>[0]) => defaultClassifier.classify(input);

describe('classifier', () => {
  describe('built-in rules', () => {
    it('matches exit codes', () => {
      assert.equal(classify({ exitCode: 137 }).code, 'RB-SIG-KILL');
      assert.equal(classify({ exitCode: 127 }).code, 'RB-EXEC-NOTFOUND');
      assert.equal(classify({ exitCode: 124 }).code, 'RB-TIMEOUT-001');
      const other = classify({ exitCode: 3 });
      assert.deepEqual([other.code, other.category, other.rule], ['RB-EXEC-001', 'unknown', 'fallback']);
    });

    it('matches signals', () => {
      assert.equal(classify({ signal: 'SIGKILL' }).code, 'RB-SIG-KILL');
      assert.equal(classify({ signal: 'SIGSEGV' }).severity, 'CRITICAL');
      const term = classify({ signal: 'SIGTERM' });
      assert.deepEqual([term.code, term.retryable], ['RB-SIG-TERM', true]);
      assert.equal(classify({ signal: 'SIGINT' }).code, 'RB-CANCEL-001');
    });

    it('matches Node error codes on the error, its causes and in the text', () => {
      const cases: Array<[string, string, string]> = [
        ['ECONNRESET', 'RB-NET-ECONNRESET', 'transient'],
        ['ETIMEDOUT', 'RB-NET-ETIMEDOUT', 'transient'],
        ['EAI_AGAIN', 'RB-NET-EAI_AGAIN', 'transient'],
        ['ECONNREFUSED', 'RB-NET-ECONNREFUSED', 'transient'],
        ['EBUSY', 'RB-FS-EBUSY', 'transient'],
        ['ENOSPC', 'RB-SYS-ENOSPC', 'system'],
        ['ENOMEM', 'RB-SYS-ENOMEM', 'system'],
        ['EACCES', 'RB-FS-EACCES', 'permanent'],
        ['ENOENT', 'RB-FS-ENOENT', 'permanent'],
      ];
      for (const [code, expected, category] of cases) {
        const onError = classify({ error: Object.assign(new Error('boom'), { code }) });
        assert.deepEqual([onError.code, onError.category], [expected, category], code);
        const onCause = classify({ error: new ExecutionError('wrapped', { cause: Object.assign(new Error('inner'), { code }) }) });
        assert.equal(onCause.code, expected, `${code} in cause`);
        const inText = classify({ output: `npm ERR! request failed, reason: ${code}: something\n` });
        assert.equal(inText.code, expected, `${code} in output`);
        assert.match(inText.evidence ?? '', new RegExp(code));
      }
      assert.equal(classify({ errorCode: 'ECONNRESET' }).code, 'RB-NET-ECONNRESET');
    });

    it('matches SQLite result codes, extended codes and their messages', () => {
      const cases: Array<[string, string]> = [
        ['SQLITE_BUSY', 'RB-SQLITE-BUSY'],
        ['SQLITE_BUSY_SNAPSHOT', 'RB-SQLITE-BUSY'],
        ['SQLITE_LOCKED', 'RB-SQLITE-LOCKED'],
        ['SQLITE_CONSTRAINT_UNIQUE', 'RB-SQLITE-CONSTRAINT'],
        ['SQLITE_CORRUPT', 'RB-SQLITE-CORRUPT'],
        ['SQLITE_FULL', 'RB-SQLITE-FULL'],
        ['SQLITE_READONLY', 'RB-SQLITE-READONLY'],
        ['SQLITE_IOERR_WRITE', 'RB-SQLITE-IOERR'],
      ];
      for (const [code, expected] of cases) {
        assert.equal(classify({ error: Object.assign(new Error('x'), { code }) }).code, expected, code);
        assert.equal(classify({ output: `SqliteError: ${code}: x` }).code, expected, `${code} in text`);
      }
      assert.equal(classify({ message: 'SqliteError: database is locked' }).code, 'RB-SQLITE-BUSY');
      assert.equal(classify({ output: 'Error: UNIQUE constraint failed: users.email' }).category, 'business');
      assert.equal(classify({ output: 'Error: near "SELEC": syntax error' }).code, 'RB-SQL-ERROR');
    });

    it('matches HTTP statuses 429/502/503/504 in output, with Retry-After as a delay hint', () => {
      const r = classify({ output: 'HTTP/1.1 429 Too Many Requests\nRetry-After: 30\n' });
      assert.deepEqual([r.code, r.retryable, r.delayHintMs], ['RB-HTTP-429', true, 30_000]);
      assert.equal(classify({ output: 'Request failed with status code 502' }).code, 'RB-HTTP-502');
      assert.equal(classify({ output: 'npm ERR! 503 Service Unavailable - GET https://registry' }).code, 'RB-HTTP-503');
      assert.equal(classify({ output: '{"statusCode": 504}' }).code, 'RB-HTTP-504');
      assert.equal(classify({ error: Object.assign(new Error('x'), { status: 503 }) }).code, 'RB-HTTP-503');
      assert.equal(classify({ output: 'rate limited, retry in 1.5 s' }).delayHintMs, 1500);
      // A bare number is not a status.
      assert.equal(classify({ output: 'processed 503 files' }).code, 'RB-UNKNOWN-001');
    });

    it('matches output patterns', () => {
      assert.equal(classify({ output: 'src/a.ts(3,4): error TS2304: Cannot find name "x".' }).code, 'RB-BUILD-TS');
      assert.equal(classify({ output: 'FATAL ERROR: Reached heap limit - JavaScript heap out of memory' }).code, 'RB-SYS-ENOMEM');
      assert.equal(classify({ output: 'sh: 1: foo: command not found' }).code, 'RB-EXEC-NOTFOUND');
      assert.equal(classify({ output: '  3 failing' }).code, 'RB-TEST-FAIL');
      assert.equal(classify({ output: "fatal: Unable to create '/repo/.git/index.lock': File exists." }).code, 'RB-LOCK-001');
    });

    it('lets a line of output decide over the exit code or signal', () => {
      // An abort after a failed assertion is a failed assertion; after "heap out of memory", out of memory.
      const assertion = classify({ output: "check: check.c:6: main: Assertion `balance >= 0' failed.\nAborted", exitCode: 134 });
      assert.deepEqual([assertion.code, assertion.category, assertion.evidence], ['RB-CODE-ASSERT', 'permanent', "check: check.c:6: main: Assertion `balance >= 0' failed."]);
      assert.equal(classify({ output: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', signal: 'SIGABRT' }).code, 'RB-SYS-ENOMEM');
      assert.equal(classify({ output: 'nothing telling here', exitCode: 134 }).code, 'RB-SIG-ABRT');
      assert.equal(classify({ output: 'sh: 1: frobnicate: not found', exitCode: 127 }).code, 'RB-EXEC-NOTFOUND');
    });

    it('prefers the earlier rule, not the earlier line', () => {
      // ENOSPC comes before ECONNRESET in the rule order.
      const r = classify({ output: 'read ECONNRESET\nwrite ENOSPC: no space left on device' });
      assert.equal(r.code, 'RB-SYS-ENOSPC');
    });

    it('keeps a Rebound error\'s own classification unless a user rule says otherwise', () => {
      const lock = new LockError('held', { cause: Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }), context: { delayHintMs: 250 } });
      const r = classify({ error: lock });
      assert.deepEqual([r.code, r.rule, r.delayHintMs], ['RB-LOCK-001', 'error', 250]);
      const unknownKind = classify({ error: new ExecutionError('exit 2', { code: codeOf('APP-X') }) });
      assert.deepEqual([unknownKind.code, unknownKind.category], ['APP-X', 'unknown']);
    });

    it('has no rule that cannot compile', () => {
      assert.deepEqual(new Classifier().problems, []);
      assert.ok(BUILTIN_RULES.length > 30);
    });
  });

  describe('user rules', () => {
    it('come first, match literals case-insensitively and default retryable from the category', () => {
      const c = new Classifier([
        ruleSchema.parse({ match: { output: 'Database Is Locked' }, category: 'transient', code: 'APP-DB-LOCKED', severity: 'MEDIUM' }),
      ]);
      const r = c.classify({ output: 'Error: database is locked' });
      assert.deepEqual([r.code, r.rule, r.retryable, r.evidence], ['APP-DB-LOCKED', 'rules[0]', true, 'Error: database is locked']);
    });

    it('AND their matchers: pattern, exit code, signal, error code, HTTP status, component and task', () => {
      const c = new Classifier([
        { match: { pattern: '^deploy: (\\w+) refused$', exitCode: [2, 3] }, category: 'business', code: 'APP-REFUSED' },
        { match: { errorCode: 'ECONNRESET', task: 'sync' }, category: 'permanent', code: 'APP-SYNC-RESET', severity: 'HIGH' },
        { match: { httpStatus: 418 }, category: 'business', code: 'APP-TEAPOT' },
        { match: { signal: 'SIGUSR1', component: 'tasks' }, category: 'system', code: 'APP-USR1' },
        { match: { pattern: '(x)\\1y' }, category: 'unknown', code: 'APP-BACKREF' },
      ]);
      assert.equal(c.classify({ output: 'deploy: prod refused', exitCode: 2 }).code, 'APP-REFUSED');
      assert.equal(c.classify({ output: 'deploy: prod refused', exitCode: 1 }).code, 'RB-EXEC-001');
      assert.equal(c.classify({ output: 'read ECONNRESET', task: 'sync' }).code, 'APP-SYNC-RESET');
      assert.equal(c.classify({ output: 'read ECONNRESET', task: 'other' }).code, 'RB-NET-ECONNRESET');
      assert.equal(c.classify({ output: 'HTTP/1.1 418 I am a teapot' }).code, 'APP-TEAPOT');
      assert.equal(c.classify({ signal: 'SIGUSR1', component: 'tasks' }).code, 'APP-USR1');
      assert.equal(c.classify({ output: 'axxy' }).code, 'APP-BACKREF');
      assert.deepEqual(c.problems, []);
    });

    it('leaves out a rule whose pattern does not compile instead of throwing', () => {
      const c = new Classifier([{ match: { pattern: '(' }, category: 'transient', code: 'BAD' } as never]);
      assert.equal(c.problems.length, 1);
      assert.equal(c.classify({ output: '(' }).code, 'RB-UNKNOWN-001');
    });

    it('a pattern that matches the empty string does not hide the other rules', () => {
      const c = new Classifier([{ match: { pattern: 'z*', exitCode: 99 }, category: 'business', code: 'EMPTY' }]);
      assert.equal(c.classify({ output: 'read ECONNRESET' }).code, 'RB-NET-ECONNRESET');
      assert.equal(c.classify({ output: 'anything', exitCode: 99 }).code, 'EMPTY');
    });

    it('are validated by ruleSchema', () => {
      assert.ok(!ruleSchema.safeParse({ match: {}, category: 'transient', code: 'X' }).success);
      assert.ok(!ruleSchema.safeParse({ match: { pattern: '(' }, category: 'transient', code: 'X' }).success);
      assert.ok(!ruleSchema.safeParse({ match: { output: 'x' }, category: 'sometimes', code: 'X' }).success);
      assert.ok(!ruleSchema.safeParse({ match: { output: 'x' }, category: 'transient', code: 'X', extra: 1 }).success);
      assert.ok(ruleSchema.safeParse({ match: { exitCode: [1, 2], httpStatus: 503 }, category: 'transient', code: 'APP-1', guidance: 'Wait.' }).success);
    });
  });

  describe('properties', () => {
    it('never throws and always returns a category, on any text and any input shape', () => {
      const categories = new Set<string>(CATEGORIES);
      fc.assert(
        fc.property(
          fc.record({ message: fc.option(fc.string(), { nil: undefined }), output: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }), exitCode: fc.option(fc.integer(), { nil: undefined }), signal: fc.option(fc.string(), { nil: undefined }), errorCode: fc.option(fc.string(), { nil: undefined }) }),
          fc.anything(),
          (input, error) => {
            const r = defaultClassifier.classify({ ...input, error });
            return categories.has(r.category) && typeof r.code === 'string' && r.code.length > 0;
          },
        ),
        { numRuns: 500 },
      );
    });

    it('survives hostile inputs (throwing getters, non-strings)', () => {
      const hostile = new Proxy({}, { get: () => { throw new Error('no'); } });
      assert.equal(defaultClassifier.classify({ error: hostile }).category, 'unknown');
      assert.equal(defaultClassifier.classify(null as never).category, 'unknown');
      assert.equal(defaultClassifier.classify({ output: 42 as never, message: {} as never }).category, 'unknown');
    });
  });
});
