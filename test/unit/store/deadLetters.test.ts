import assert from 'node:assert/strict';
import { codeOf } from '../../../src/engine/errors/codes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, LockError, ReboundError, ValidationError } from '../../../src/engine/errors';
import type { AttemptRecord, DeadLetter } from '../../../src/engine/resilience';
import { openDatabase } from '../../../src/store/database';
import { DeadLetterRepository } from '../../../src/store/deadLetters';
import type { Database } from '../../../src/store/sqlite';
import { asRead } from './driverText';

const attempts: AttemptRecord[] = [
  { number: 1, startedAt: 1000, delayMs: 0, durationMs: 40, outcome: 'failure', errorCode: 'RB-LOCK-001', category: 'transient' },
  { number: 2, startedAt: 2040, delayMs: 1000, durationMs: 35, outcome: 'failure', errorCode: 'RB-LOCK-001', category: 'transient' },
];

describe('dead-letter repository (real SQLite file)', () => {
  let dir: string;
  let file: string;
  let db: Database;
  let now: number;
  let repo: DeadLetterRepository;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebound-dlq-'));
    file = join(dir, '.rebound', 'rebound.db');
    db = openDatabase(file).db;
    now = 1_700_000_000_000;
    repo = new DeadLetterRepository(db, { now: () => now });
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const add = (over: Partial<Parameters<DeadLetterRepository['add']>[0]> = {}) =>
    repo.add({
      operation: 'build',
      kind: 'task',
      component: 'registry',
      input: { task: 'build', args: ['--prod'] },
      error: new LockError('database is locked', { context: { task: 'build' }, cause: new Error('SQLITE_BUSY') }),
      attempts,
      context: { cwd: '/work', env: { CI: '1' } },
      runId: 'run-1',
      ...over,
    });

  it('adds an entry with its input, full error, attempts and context, and gets it back', () => {
    const e = add();
    assert.equal(e.id, 1);
    assert.deepEqual(
      [e.operation, e.kind, e.component, e.code, e.category, e.message, e.state, e.retryCount, e.runId, e.createdAt],
      ['build', 'task', 'registry', 'RB-LOCK-001', 'transient', 'database is locked', 'pending', 0, 'run-1', now],
    );
    assert.deepEqual(e.input, { task: 'build', args: ['--prod'] });
    assert.deepEqual(e.attempts, attempts);
    assert.deepEqual(e.context, { cwd: '/work', env: { CI: '1' } });
    assert.equal(e.error.name, 'LockError');
    assert.ok(e.error.stack?.includes('database is locked'));
    assert.equal((e.error.cause as { message: string }).message, 'SQLITE_BUSY');
    assert.deepEqual(repo.get(1), e);
    assert.equal(repo.get(99), undefined);
    assert.throws(() => repo.require(99), (err: unknown) => err instanceof ValidationError && /Dead letter 99 does not exist/.test(err.message));
  });

  it('stores untrusted text as data (quotes, SQL, control characters) and applies redaction', () => {
    const evil = `'); DROP TABLE dead_letters; -- "\u0000\u001b[31m`;
    const redacting = new DeadLetterRepository(db, { now: () => now, redact: (t) => t.replace(/hunter2/g, '[REDACTED]') });
    const e = redacting.add({ operation: evil, kind: 'task', error: new Error(`password=hunter2 ${evil}`), input: { token: 'hunter2' } });
    assert.equal(e.operation, asRead(evil));
    assert.equal(e.message, asRead(`password=[REDACTED] ${evil}`));
    assert.equal(db.prepare('SELECT length(CAST(operation AS BLOB)) FROM dead_letters WHERE id = ?').pluck().get(e.id), Buffer.byteLength(evil), 'every byte is stored');
    assert.deepEqual(e.input, { token: '[REDACTED]' });
    assert.ok(!JSON.stringify(e.error).includes('hunter2'));
    assert.equal(repo.count(), 1);
  });

  it('redacts secrets by default, string by string, and keeps the stored JSON valid', () => {
    const e = add({
      input: { task: 'deploy', env: { API_TOKEN: 'abc123', RETRIES: 3, pin: 1234 }, url: 'https://bob:s3cr3t@example.com/x', apiKey: 42 },
      error: new Error('login failed: password=hunter2 for https://bob:s3cr3t@example.com'),
      context: { command: 'deploy --token ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
    });
    const stored = JSON.stringify(e);
    for (const secret of ['abc123', 'hunter2', 's3cr3t', 'ghp_abcdefghijklmnopqrstuvwxyz']) assert.ok(!stored.includes(secret), secret);
    assert.deepEqual(e.input, { task: 'deploy', env: { API_TOKEN: '[REDACTED]', RETRIES: 3, pin: 1234 }, url: 'https://bob:[REDACTED]@example.com/x', apiKey: 42 });
    assert.match(e.message, /password=\[REDACTED\]/);
    assert.match(e.error.stack ?? '', /password=\[REDACTED\]/);
  });

  it('lists with filters by state, code, category, component, kind and age, newest first by default', () => {
    add();
    now += 60_000;
    add({ operation: 'deploy', component: 'cdn', error: new ReboundError('bad input', { code: codeOf('APP-BAD'), category: 'permanent' }) });
    now += 60_000;
    add({ operation: 'app:0003_users', kind: 'migration', component: undefined, error: new Error('no such table') });
    now += 3_600_000;
    assert.deepEqual(repo.list().map((e) => e.id), [3, 2, 1]);
    assert.deepEqual(repo.list({ order: 'oldest' }).map((e) => e.id), [1, 2, 3]);
    assert.deepEqual(repo.list({ codes: ['APP-BAD'] }).map((e) => e.id), [2]);
    assert.deepEqual(repo.list({ categories: ['transient', 'unknown'] }).map((e) => e.id), [3, 1]);
    assert.deepEqual(repo.list({ components: ['registry', 'cdn'] }).map((e) => e.id), [2, 1]);
    assert.deepEqual(repo.list({ kinds: ['migration'] }).map((e) => e.id), [3]);
    assert.deepEqual(repo.list({ operations: ['deploy'] }).map((e) => e.id), [2]);
    assert.deepEqual(repo.list({ olderThanMs: 3_600_000 + 60_000 }).map((e) => e.id), [2, 1]);
    assert.deepEqual(repo.list({ newerThanMs: 3_600_000 + 60_000 }).map((e) => e.id), [3]);
    assert.deepEqual(repo.list({ codes: [] }), []);
    assert.deepEqual(repo.list({ limit: 1, offset: 1 }).map((e) => e.id), [2]);
    assert.equal(repo.count({ states: ['pending'] }), 3);
    repo.discard(1);
    assert.deepEqual(repo.list({ states: ['pending'] }).map((e) => e.id), [3, 2]);
  });

  it('discard, resolve and reopen follow the allowed transitions, with a note', () => {
    add();
    add();
    now += 5000;
    const d = repo.discard(1, 'flaky test, ignoring');
    assert.deepEqual([d.state, d.note, d.updatedAt], ['discarded', 'flaky test, ignoring', now]);
    const r = repo.resolve(2, 'fixed the lock by hand');
    assert.equal(r.state, 'resolved');
    assert.throws(() => repo.discard(2), /Dead letter 2 is resolved; it cannot be discarded/);
    assert.throws(() => repo.resolve(99), /does not exist/);
    assert.equal(repo.reopen(1).state, 'pending');
    assert.equal(repo.get(1)!.note, 'flaky test, ignoring', 'a missing note keeps the old one');
  });

  it('retry one: resolves the entry when the re-run succeeds, and records the extra attempt', async () => {
    add();
    const seen: DeadLetter[] = [];
    const result = await repo.retry(1, async (e) => {
      seen.push(e);
      assert.equal(repo.get(1)!.state, 'requeued', 'claimed while running');
      now += 250;
    });
    assert.equal(result.ok, true);
    assert.equal(seen[0].input && (seen[0].input as { task: string }).task, 'build');
    assert.equal(result.entry.state, 'resolved');
    assert.equal(result.entry.retryCount, 1);
    assert.deepEqual(result.entry.attempts[2], { number: 3, startedAt: now - 250, delayMs: 0, durationMs: 250, outcome: 'success' });
    await assert.rejects(repo.retry(1, async () => undefined), /is resolved; it cannot be retried/);
  });

  it('retry one: back to pending with the new failure when the re-run fails', async () => {
    add();
    const result = await repo.retry(1, async () => {
      throw new ReboundError('registry returned 503', { code: codeOf('APP-503'), category: 'transient', retryable: true });
    });
    assert.equal(result.ok, false);
    assert.equal((result.error as { code: string }).code, 'APP-503');
    const e = repo.get(1)!;
    assert.deepEqual([e.state, e.code, e.message, e.retryCount, e.note], ['pending', 'APP-503', 'registry returned 503', 1, 'A retry from the queue failed']);
    assert.equal(e.attempts.length, 3);
    assert.deepEqual([e.attempts[2].number, e.attempts[2].outcome, e.attempts[2].errorCode], [3, 'failure', 'APP-503']);
    assert.equal(e.input && (e.input as { task: string }).task, 'build', 'the input is kept');
  });

  it('retry one: a cancelled re-run puts it back to pending unchanged', async () => {
    add();
    const r = await repo.retry(1, async () => {
      throw new CancelledError('user stopped it');
    });
    assert.equal(r.ok, false);
    const e = repo.get(1)!;
    assert.deepEqual([e.state, e.code, e.attempts.length], ['pending', 'RB-LOCK-001', 2]);
  });

  it('retry one: cannot run twice at once; --force takes over an interrupted retry', async () => {
    add();
    let release!: () => void;
    const first = repo.retry(1, () => new Promise<void>((r) => (release = r)));
    await assert.rejects(repo.retry(1, async () => undefined), /already being retried/);
    release();
    assert.equal((await first).ok, true);

    add();
    // Simulate a crash mid-retry: claimed, never finished.
    db.prepare(`UPDATE dead_letters SET state = 'requeued' WHERE id = 2`).run();
    await assert.rejects(repo.retry(2, async () => undefined), /already being retried/);
    const forced = await repo.retry(2, async () => undefined, { force: true });
    assert.equal(forced.entry.state, 'resolved');
  });

  it('a discarded entry can still be retried by id', async () => {
    add();
    repo.discard(1);
    assert.equal((await repo.retry(1, async () => undefined)).entry.state, 'resolved');
  });

  it('retry all: pending entries matching the filter, oldest first; failures do not stop the rest', async () => {
    add({ operation: 'a' });
    now += 1000;
    add({ operation: 'b', error: new ReboundError('x', { code: codeOf('OTHER'), category: 'transient' }) });
    now += 1000;
    add({ operation: 'c' });
    now += 1000;
    add({ operation: 'd' });
    repo.discard(4);
    const order: string[] = [];
    const all = await repo.retryAll({ codes: ['RB-LOCK-001'] }, async (e) => {
      order.push(e.operation);
      if (e.operation === 'a') throw new Error('still broken');
    });
    assert.deepEqual(order, ['a', 'c']);
    assert.deepEqual([all.selected, all.succeeded, all.failed, all.skipped], [2, 1, 1, 0]);
    assert.deepEqual(
      repo.list({ order: 'oldest' }).map((e) => `${e.operation}:${e.state}`),
      ['a:pending', 'b:pending', 'c:resolved', 'd:discarded'],
    );
  });

  it('retry all: stops before the next entry when cancelled', async () => {
    for (let i = 0; i < 4; i++) add();
    const controller = new AbortController();
    let runs = 0;
    const all = await repo.retryAll({}, async () => {
      runs++;
      if (runs === 2) controller.abort();
    }, { signal: controller.signal });
    assert.equal(runs, 2);
    assert.deepEqual([all.selected, all.succeeded, all.skipped], [4, 2, 2]);
  });

  it('statistics: by state, pending by code, category, component and kind, oldest pending, retries', async () => {
    add();
    now += 1000;
    add({ kind: 'migration', component: undefined, error: new ReboundError('m', { code: codeOf('MIG'), category: 'permanent' }) });
    now += 1000;
    add();
    repo.resolve(3);
    await repo.retry(1, async () => {
      throw new Error('nope');
    });
    const s = repo.stats();
    assert.equal(s.total, 3);
    assert.deepEqual(s.byState, { pending: 2, requeued: 0, discarded: 0, resolved: 1 });
    assert.deepEqual(s.pendingByCode, { 'RB-UNKNOWN-001': 1, MIG: 1 });
    assert.deepEqual(s.pendingByCategory, { permanent: 1, unknown: 1 });
    assert.deepEqual(s.pendingByComponent, { '': 1, registry: 1 });
    assert.deepEqual(s.pendingByKind, { migration: 1, task: 1 });
    assert.equal(s.oldestPendingAt, now - 2000);
    assert.equal(s.totalRetries, 1);
  });

  it('purges resolved and discarded entries older than a given age', () => {
    add();
    add();
    add();
    repo.resolve(1);
    repo.discard(2);
    now += 31 * 86_400_000;
    assert.equal(repo.purge({ states: ['resolved', 'discarded'], olderThanMs: 30 * 86_400_000 }), 2);
    assert.deepEqual(repo.list().map((e) => e.id), [3]);
  });

  it('survives a restart: a new connection to the same file sees the same queue', async () => {
    add();
    add();
    repo.discard(2, 'not needed');
    db.close();
    db = openDatabase(file).db;
    const reopened = new DeadLetterRepository(db, { now: () => now });
    assert.deepEqual(reopened.list({ order: 'oldest' }).map((e) => [e.id, e.state, e.note]), [
      [1, 'pending', null],
      [2, 'discarded', 'not needed'],
    ]);
    assert.deepEqual(reopened.get(1)!.attempts, attempts);
    assert.equal((await reopened.retry(1, async () => undefined)).entry.state, 'resolved');
  });

  it('rejects an entry without operation or kind', () => {
    assert.throws(() => repo.add({ operation: '', kind: 'task', error: new Error('x') }), ValidationError);
    assert.throws(() => repo.add({ operation: 'x', kind: '', error: new Error('x') }), ValidationError);
  });
});
