import assert from 'node:assert/strict';
import { LockError, ValidationError } from '../../../../src/engine/errors';
import {
  DEAD_LETTER_STATES,
  RetryHandlerRegistry,
  assertTransition,
  canTransition,
  describeFailure,
  formatDuration,
  matchesDeadLetter,
  parseDuration,
  shouldDeadLetter,
  type DeadLetter,
} from '../../../../src/engine/resilience';

const entry = (over: Partial<DeadLetter> = {}): DeadLetter => ({
  id: 1,
  operation: 'build',
  kind: 'task',
  component: 'registry',
  code: 'APP-DB-LOCKED',
  category: 'transient',
  message: 'locked',
  input: { task: 'build' },
  error: { name: 'Error', message: 'locked' },
  attempts: [],
  context: {},
  state: 'pending',
  createdAt: 1000,
  updatedAt: 1000,
  retryCount: 0,
  note: null,
  runId: null,
  ...over,
});

describe('dead-letter model', () => {
  it('filters by state, code, category, component, kind, operation and age', () => {
    const e = entry();
    const now = 1000 + 3_600_000;
    assert.ok(matchesDeadLetter(e, {}, now));
    assert.ok(matchesDeadLetter(e, { states: ['pending'], codes: ['APP-DB-LOCKED', 'X'], categories: ['transient'], components: ['registry'], kinds: ['task'], operations: ['build'] }, now));
    assert.ok(!matchesDeadLetter(e, { states: ['resolved'] }, now));
    assert.ok(!matchesDeadLetter(e, { codes: ['X'] }, now));
    assert.ok(!matchesDeadLetter(e, { categories: ['permanent'] }, now));
    assert.ok(!matchesDeadLetter(entry({ component: null }), { components: ['registry'] }, now));
    assert.ok(!matchesDeadLetter(e, { kinds: ['migration'] }, now));
    assert.ok(matchesDeadLetter(e, { olderThanMs: 3_600_000 }, now));
    assert.ok(!matchesDeadLetter(e, { olderThanMs: 3_600_001 }, now));
    assert.ok(matchesDeadLetter(e, { newerThanMs: 3_600_001 }, now));
    assert.ok(!matchesDeadLetter(e, { newerThanMs: 3_600_000 }, now));
  });

  it('allows only the documented transitions', () => {
    const allowed = DEAD_LETTER_STATES.flatMap((from) => DEAD_LETTER_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`));
    assert.deepEqual(allowed, [
      'pending>requeued',
      'pending>discarded',
      'pending>resolved',
      'requeued>pending',
      'requeued>discarded',
      'requeued>resolved',
      'discarded>pending',
      'discarded>requeued',
      'discarded>resolved',
    ]);
    assert.throws(() => assertTransition({ id: 7, state: 'resolved' }, 'requeued', 'retried'), (e: unknown) => e instanceof ValidationError && /Dead letter 7 is resolved; it cannot be retried/.test(e.message));
  });

  it('describes any failure: code, category, message and its full JSON (stack and cause kept)', () => {
    const d = describeFailure(new LockError('db locked', { cause: new Error('SQLITE_BUSY') }));
    assert.equal(d.code, 'RB-LOCK-001');
    assert.equal(d.category, 'transient');
    assert.equal(d.message, 'db locked');
    assert.ok(d.error.stack?.includes('db locked'));
    assert.equal((d.error.cause as { message: string }).message, 'SQLITE_BUSY');
    const foreign = describeFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    assert.deepEqual([foreign.code, foreign.category], ['ECONNRESET', 'unknown']);
    assert.equal(describeFailure('just text').message, 'just text');
  });

  it('the retry-handler registry: one handler per kind, a clear error naming a missing kind', async () => {
    const registry = new RetryHandlerRegistry();
    assert.throws(() => registry.require('task'), /No retry handler is registered for dead letters of kind "task"/);
    const d = registry.register('task', async () => 'ran');
    assert.throws(() => registry.register('task', async () => 'again'), /already registered/);
    assert.equal(await registry.require('task')(entry(), { root: '/w', signal: new AbortController().signal }), 'ran');
    assert.throws(() => registry.require('migration'), (e: Error & { code?: string }) => /kind "migration"/.test(e.message) && /handlers exist for: task/.test(e.message) && e.code === 'RB-CONFIG-001');
    d.dispose();
    assert.deepEqual(registry.kinds(), []);
  });

  it('dead-letters work that gave up, but not work that was cancelled', () => {
    for (const reason of ['attempts', 'deadline', 'not-retryable', 'budget'] as const) assert.equal(shouldDeadLetter(reason), true);
    assert.equal(shouldDeadLetter('cancelled'), false);
  });

  it('parses and formats durations', () => {
    assert.equal(parseDuration('500'), 500);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('2w'), 1_209_600_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration('-5m'), undefined);
    assert.equal(parseDuration(''), undefined);
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(12_000), '12 s');
    assert.equal(formatDuration(245_000), '4 min 5 s');
    assert.equal(formatDuration(3 * 3_600_000 + 20 * 60_000), '3 h 20 min');
    assert.equal(formatDuration(52 * 3_600_000), '2 d 4 h');
  });
});
