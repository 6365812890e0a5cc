import type { ErrorStore } from '../../src/store';

/**
 * Grows a store that already holds `seeded` recorded events to `total` stored events: copies of
 * those rows (without stack and details) shifted back hour by hour, then issue counts and the
 * hourly counters brought in line with the rows, as recording them would have. Setup for
 * benchmarks over a large store, not itself measured.
 */
export function growStore(store: ErrorStore, seeded: number, total: number): number {
  const cols = (store.db.prepare('SELECT * FROM events LIMIT 1').columns() as Array<{ name: string }>).map((c) => c.name).filter((c) => c !== 'id');
  store.db.transaction(() => {
    const copy = store.db.prepare(
      `INSERT INTO events (${cols.join(', ')}) SELECT ${cols.map((c) => (c === 'time' ? `time - ? * 3600000` : c === 'stack' || c === 'details' ? 'NULL' : c)).join(', ')} FROM events WHERE id <= ?`,
    );
    let count = seeded;
    for (let k = 1; count < total; k++) count += copy.run(k % 24, Math.min(seeded, total - count)).changes;
    store.db.exec(`
      UPDATE issues SET count = (SELECT count(*) FROM events WHERE issue_id = issues.id),
                        stored_count = (SELECT count(*) FROM events WHERE issue_id = issues.id);
      DELETE FROM event_buckets;
      INSERT INTO event_buckets (hour, severity, category, component, count)
        SELECT time - (time % 3600000), severity, category, 'tasks', count(*) FROM events GROUP BY 1, 2, 3;
    `);
  })();
  store.db.exec('ANALYZE');
  return (store.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
}
