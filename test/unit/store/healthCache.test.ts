import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorStore } from '../../../src/store/errorStore';
import { ManualClock } from '../manualClock';

const T0 = Date.UTC(2025, 5, 1, 12);
const HOUR = 3_600_000;

/**
 * Health is asked on every change of anything (a migration starting, say); over a large store its
 * figures cost tens of milliseconds, so they are read again only when the database changed or the
 * minute turned. These tests hold that nothing stale is ever shown.
 */
describe('store health: figures read again only when something changed', () => {
  let dir: string;
  let clock: ManualClock;
  let store: ErrorStore;
  const events24h = (s: ErrorStore) => s.health().components.find((c) => c.component === 'tasks')?.metrics.events24h ?? 0;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rb-health-cache-'));
    clock = new ManualClock(T0);
    store = ErrorStore.open(join(dir, 'rebound.db'), { clock });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers again without reading when nothing changed, and follows a write on this connection', () => {
    store.record({ message: 'connect ECONNREFUSED 127.0.0.1:5432', context: { task: 'build', component: 'tasks' } });
    const stats = (store as unknown as { stats: { healthMetrics: (...a: unknown[]) => unknown } }).stats;
    let reads = 0;
    const original = stats.healthMetrics.bind(stats);
    stats.healthMetrics = (...a: unknown[]) => {
      reads++;
      return original(...a);
    };
    assert.equal(events24h(store), 1);
    assert.equal(events24h(store), 1);
    assert.equal(reads, 1, 'the second ask read nothing');
    store.record({ message: 'connect ECONNREFUSED 127.0.0.1:5432', context: { task: 'build', component: 'tasks' } });
    assert.equal(events24h(store), 2, 'a write on this connection is seen');
    assert.equal(reads, 2);
  });

  it('follows a write by another connection (another process, the CLI)', () => {
    store.record({ message: 'first', context: { task: 'build', component: 'tasks' } });
    assert.equal(events24h(store), 1);
    const other = ErrorStore.open(join(dir, 'rebound.db'), { clock });
    try {
      other.record({ message: 'second', context: { task: 'lint', component: 'tasks' } });
    } finally {
      other.close();
    }
    assert.equal(events24h(store), 2);
  });

  it('follows time: events leave the 24 h window once the clock moves past it', () => {
    store.record({ message: 'first', context: { task: 'build', component: 'tasks' } });
    assert.equal(events24h(store), 1);
    clock.t += 25 * HOUR;
    assert.equal(events24h(store), 0);
  });
});
