import assert from 'node:assert/strict';
import { codeOf } from '../../../src/engine/errors/codes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReboundError } from '../../../src/engine/errors';
import { circuitBreaker, consecutiveBreaker, rateBreaker } from '../../../src/engine/resilience';
import { BreakerRepository, persistBreaker } from '../../../src/store/breakers';
import { openDatabase } from '../../../src/store/database';
import type { Database } from '../../../src/store/sqlite';
import { ManualClock } from '../manualClock';

const down = () => Promise.reject(new ReboundError('registry down', { code: codeOf('APP-DOWN'), category: 'transient', retryable: true }));

describe('breaker repository (real SQLite file)', () => {
  let dir: string;
  let file: string;
  let db: Database;
  let clock: ManualClock;
  let repo: BreakerRepository;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebound-breakers-'));
    file = join(dir, 'rebound.db');
    db = openDatabase(file).db;
    clock = new ManualClock();
    repo = new BreakerRepository(db, { now: () => clock.now() });
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves, loads, lists, counts and deletes snapshots', async () => {
    const a = circuitBreaker({ name: 'registry', breaker: consecutiveBreaker(1), clock });
    await assert.rejects(a.execute(down));
    repo.save('registry', a.toJSON());
    repo.save('db', circuitBreaker({ name: 'db', clock }).toJSON());
    assert.deepEqual(repo.load('registry'), a.toJSON());
    assert.equal(repo.load('nope'), undefined);
    assert.deepEqual(repo.list().map((b) => [b.key, b.state, b.openedAt === null]), [
      ['db', 'closed', true],
      ['registry', 'open', false],
    ]);
    assert.deepEqual(repo.countByState(), { closed: 1, open: 1, 'half-open': 0, isolated: 0 });
    assert.equal(repo.get('registry')!.updatedAt, clock.now());
    assert.equal(repo.delete('db'), true);
    assert.equal(repo.delete('db'), false);
  });

  it('an unreadable row is treated as no state', () => {
    db.prepare(`INSERT INTO breakers (key, state, state_json, updated_at) VALUES ('bad', 'open', '{not json', 0)`).run();
    assert.equal(repo.load('bad'), undefined);
    assert.deepEqual(repo.list(), []);
  });

  it('persistBreaker keeps state and counts; a restart restores them with the elapsed time', async () => {
    const make = () =>
      circuitBreaker({ name: 'registry', breaker: consecutiveBreaker(3), halfOpenAfter: 60_000, clock, initialState: repo.load('registry') });
    let breaker = make();
    let sub = persistBreaker(breaker, repo, { now: () => clock.now() });
    await assert.rejects(breaker.execute(down));
    await assert.rejects(breaker.execute(down));
    assert.deepEqual(repo.load('registry')!.counts, { kind: 'consecutive', failures: 2 });

    // "Restart": a new connection, a new breaker from the stored state.
    sub.dispose();
    db.close();
    db = openDatabase(file).db;
    repo = new BreakerRepository(db, { now: () => clock.now() });
    breaker = make();
    sub = persistBreaker(breaker, repo, { now: () => clock.now() });
    await assert.rejects(breaker.execute(down));
    assert.equal(breaker.state, 'open', 'the third failure in a row, across the restart');
    assert.equal(repo.get('registry')!.state, 'open');

    await clock.advance(45_000);
    sub.dispose();
    breaker = make();
    sub = persistBreaker(breaker, repo, { now: () => clock.now() });
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.retryAfterMs, 15_000);
    await clock.advance(15_000);
    assert.equal(await breaker.execute(() => Promise.resolve('back')), 'back');
    assert.equal(repo.get('registry')!.state, 'closed');
    sub.dispose();
  });

  it('a success after failures is saved (the count reset survives a restart)', async () => {
    const breaker = circuitBreaker({ name: 'db', breaker: consecutiveBreaker(3), clock });
    const sub = persistBreaker(breaker, repo, { now: () => clock.now(), successSaveIntervalMs: 60_000 });
    await assert.rejects(breaker.execute(down));
    await assert.rejects(breaker.execute(down));
    await breaker.execute(() => Promise.resolve(1));
    assert.deepEqual(repo.load('db')!.counts, { kind: 'consecutive', failures: 0 });
    sub.dispose();
  });

  it('persists a rate window and isolation', async () => {
    const breaker = circuitBreaker({ name: 'cdn', breaker: rateBreaker({ threshold: 0.5, windowMs: 10_000, minimumThroughput: 10 }), clock });
    const sub = persistBreaker(breaker, repo, { now: () => clock.now() });
    await assert.rejects(breaker.execute(down));
    await breaker.execute(() => Promise.resolve(1));
    const saved = repo.load('cdn')!;
    assert.equal(saved.counts.kind, 'rate');
    breaker.isolate();
    assert.equal(repo.get('cdn')!.state, 'isolated');
    const restored = circuitBreaker({ name: 'cdn', breaker: rateBreaker({ threshold: 0.5, windowMs: 10_000, minimumThroughput: 10 }), clock, initialState: repo.load('cdn') });
    assert.equal(restored.state, 'isolated');
    sub.dispose();
  });
});
