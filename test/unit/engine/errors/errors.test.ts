import assert from 'node:assert/strict';
import { codeOf } from '../../../../src/engine/errors/codes';
import {
  CancelledError,
  CircuitOpenError,
  ConfigurationError,
  ERROR_KINDS,
  ExecutionError,
  LockError,
  MigrationError,
  RecoveryError,
  ReboundError,
  RollbackError,
  TimeoutError,
  ValidationError,
  deserializeError,
  isCircuitOpenError,
  isLockError,
  isReboundError,
  isTimeoutError,
  serializeError,
  toReboundError,
} from '../../../../src/engine/errors';

describe('error taxonomy', () => {
  it('gives every kind a stable default code, category, severity and retryable', () => {
    const expected: Array<[new (m: string) => ReboundError, string, string, string, boolean]> = [
      [LockError, 'RB-LOCK-001', 'transient', 'MEDIUM', true],
      [ExecutionError, 'RB-EXEC-001', 'unknown', 'HIGH', false],
      [ValidationError, 'RB-VALID-001', 'permanent', 'MEDIUM', false],
      [TimeoutError, 'RB-TIMEOUT-001', 'transient', 'MEDIUM', true],
      [ConfigurationError, 'RB-CONFIG-001', 'permanent', 'HIGH', false],
      [MigrationError, 'RB-MIGRATE-001', 'permanent', 'HIGH', false],
      [RollbackError, 'RB-ROLLBACK-001', 'system', 'CRITICAL', false],
      [RecoveryError, 'RB-RECOVER-001', 'system', 'HIGH', false],
      [CircuitOpenError, 'RB-CIRCUIT-001', 'transient', 'MEDIUM', false],
      [CancelledError, 'RB-CANCEL-001', 'permanent', 'LOW', false],
    ];
    assert.equal(expected.length, ERROR_KINDS.length);
    for (const [Kind, code, category, severity, retryable] of expected) {
      const e = new Kind('boom');
      assert.equal(e.code, code);
      assert.equal(e.category, category);
      assert.equal(e.severity, severity);
      assert.equal(e.retryable, retryable);
      assert.equal(e.guidance, code);
      assert.equal(e.name, Kind.name);
      assert.ok(e instanceof Error && e instanceof ReboundError);
    }
  });

  it('lets an instance override its code, category, severity, retryable and guidance', () => {
    const e = new LockError('held', { code: codeOf('APP-LOCK'), category: 'business', severity: 'LOW', retryable: false, guidance: 'RB-LOCK-001' });
    assert.deepEqual([e.code, e.category, e.severity, e.retryable, e.guidance], ['APP-LOCK', 'business', 'LOW', false, 'RB-LOCK-001']);
  });

  it('round-trips through JSON keeping kind, context, stack and the whole cause chain', () => {
    const root = Object.assign(new Error('socket closed'), { code: 'ECONNRESET' });
    const middle = new TimeoutError('no answer', { cause: root, context: { task: 'deploy', attempt: 2, delayHintMs: 1500 } });
    const top = new ExecutionError('deploy failed', { cause: middle, context: { task: 'deploy', exitCode: 1, signal: 'SIGTERM', durationMs: 12 } });
    const back = ReboundError.fromJSON(JSON.parse(JSON.stringify(top)));
    assert.ok(back instanceof ExecutionError);
    assert.equal(back.stack, top.stack);
    assert.deepEqual(back.context, top.context);
    const c1 = back.cause as TimeoutError;
    assert.ok(c1 instanceof TimeoutError);
    assert.equal(c1.stack, middle.stack);
    assert.equal(c1.context.delayHintMs, 1500);
    const c2 = c1.cause as Error & { code?: string };
    assert.ok(c2 instanceof Error && !isReboundError(c2));
    assert.equal(c2.message, 'socket closed');
    assert.equal(c2.code, 'ECONNRESET');
    assert.equal(c2.stack, root.stack);
  });

  it('keeps a kind it does not know (a subclass elsewhere) for the guards', () => {
    class StaleLockError extends LockError {
      static override readonly kind = 'StaleLockError';
    }
    const e = new StaleLockError('stale');
    assert.deepEqual([...e.kinds], ['StaleLockError', 'LockError']);
    assert.ok(isLockError(e));
    const back = ReboundError.fromJSON(JSON.parse(JSON.stringify(e)));
    assert.ok(back instanceof LockError);
    assert.ok(isLockError(back));
    assert.deepEqual([...back.kinds], ['StaleLockError', 'LockError']);
  });

  it('type guards work across module copies (no shared prototype)', () => {
    const foreign = Object.assign(new Error('held'), {
      code: 'RB-LOCK-001',
      category: 'transient',
      severity: 'MEDIUM',
      retryable: true,
      context: {},
      kinds: ['LockError'],
    });
    assert.ok(isReboundError(foreign));
    assert.ok(isLockError(foreign));
    assert.ok(!isTimeoutError(foreign));
    assert.ok(!isReboundError(new Error('x')));
    assert.ok(!isReboundError(null));
    assert.ok(!isReboundError({ code: 'X' }));
    assert.ok(isCircuitOpenError(new CircuitOpenError('open', { context: { delayHintMs: 100 } })));
  });

  it('serialises any thrown value and cuts circular cause chains', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    const json = serializeError(b);
    assert.equal(json.message, 'b');
    assert.doesNotThrow(() => JSON.stringify(json));
    assert.equal(serializeError('plain').message, 'plain');
    const back = deserializeError(serializeError(new RollbackError('undo failed')));
    assert.ok(back instanceof RollbackError);
  });

  it('withContext adds context and keeps class, stack and cause', () => {
    const cause = new Error('inner');
    const e = new LockError('held', { context: { task: 'a' }, cause });
    const f = e.withContext({ step: 's', attempt: 3 });
    assert.ok(f instanceof LockError);
    assert.deepEqual(f.context, { task: 'a', step: 's', attempt: 3 });
    assert.deepEqual(e.context, { task: 'a' });
    assert.equal(f.stack, e.stack);
    assert.equal(f.cause, cause);
  });

  it('toReboundError passes Rebound errors through and wraps anything else', () => {
    const l = new LockError('x');
    assert.equal(toReboundError(l), l);
    const w = toReboundError(new Error('plain'));
    assert.equal(w.code, 'RB-UNKNOWN-001');
    assert.equal(w.message, 'plain');
    const abort = new Error('stop');
    abort.name = 'AbortError';
    assert.ok(toReboundError(abort) instanceof CancelledError);
    assert.equal(toReboundError(42).message, '42');
  });
});
