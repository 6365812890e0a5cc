import type { Disposable } from '../engine/event';
import { CIRCUIT_STATES, type CircuitBreakerPolicy, type CircuitBreakerSnapshot, type CircuitState } from '../engine/resilience';
import type { Database } from './sqlite';

export interface StoredBreaker {
  key: string;
  state: CircuitState;
  snapshot: CircuitBreakerSnapshot;
  openedAt: number | null;
  updatedAt: number;
}

/** What a breaker row held when it was last read or written: a writer compares it to see whether someone else saved since. */
export interface BreakerVersion {
  updatedAt: number;
  json: string;
}

interface Row {
  key: string;
  state: CircuitState;
  state_json: string;
  opened_at: number | null;
  updated_at: number;
}

function parseSnapshot(json: string): CircuitBreakerSnapshot | undefined {
  try {
    const v = JSON.parse(json) as CircuitBreakerSnapshot;
    return typeof v === 'object' && v !== null && CIRCUIT_STATES.includes(v.state) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Circuit-breaker state per workspace (key = the breaker's name), stored as the breaker's own JSON. */
export class BreakerRepository {
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  save(key: string, snapshot: CircuitBreakerSnapshot): void {
    this.db
      .prepare(
        `INSERT INTO breakers (key, state, state_json, opened_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET state = excluded.state, state_json = excluded.state_json,
           opened_at = excluded.opened_at, updated_at = excluded.updated_at`,
      )
      .run(key, snapshot.state, JSON.stringify(snapshot), snapshot.openedAt, this.now());
  }

  /** The row's version (its time and JSON), or undefined when there is no row. */
  version(key: string): BreakerVersion | undefined {
    const row = this.db.prepare('SELECT updated_at, state_json FROM breakers WHERE key = ?').get(key) as { updated_at: number; state_json: string } | undefined;
    return row ? { updatedAt: row.updated_at, json: row.state_json } : undefined;
  }

  /**
   * Saves `snapshot` only when the row is still at `expected` (undefined: there is no row), in one
   * immediate transaction, so state read earlier never overwrites a newer save (a reset, another
   * process). Returns the new version, or undefined when the row had changed (nothing written).
   */
  saveIf(key: string, snapshot: CircuitBreakerSnapshot, expected: BreakerVersion | undefined): BreakerVersion | undefined {
    return this.db
      .transaction(() => {
        const now = this.version(key);
        if (now?.updatedAt !== expected?.updatedAt || now?.json !== expected?.json) return undefined;
        this.save(key, snapshot);
        return this.version(key);
      })
      .immediate();
  }

  /** The stored snapshot, to pass as `initialState`; undefined when none (or unreadable). */
  load(key: string): CircuitBreakerSnapshot | undefined {
    const row = this.db.prepare('SELECT state_json FROM breakers WHERE key = ?').get(key) as { state_json: string } | undefined;
    return row ? parseSnapshot(row.state_json) : undefined;
  }

  get(key: string): StoredBreaker | undefined {
    const row = this.db.prepare('SELECT * FROM breakers WHERE key = ?').get(key) as Row | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  list(): StoredBreaker[] {
    const rows = this.db.prepare('SELECT * FROM breakers ORDER BY key').all() as Row[];
    return rows.map((r) => this.fromRow(r)).filter((b): b is StoredBreaker => b !== undefined);
  }

  /** How many breakers are in each state. */
  countByState(): Record<CircuitState, number> {
    const counts: Record<CircuitState, number> = { closed: 0, open: 0, 'half-open': 0, isolated: 0 };
    for (const r of this.db.prepare('SELECT state, count(*) AS n FROM breakers GROUP BY state').all() as Array<{ state: CircuitState; n: number }>) {
      counts[r.state] = r.n;
    }
    return counts;
  }

  delete(key: string): boolean {
    return this.db.prepare('DELETE FROM breakers WHERE key = ?').run(key).changes > 0;
  }

  private fromRow(r: Row): StoredBreaker | undefined {
    const snapshot = parseSnapshot(r.state_json);
    if (!snapshot) return undefined;
    return { key: r.key, state: r.state, snapshot, openedAt: r.opened_at, updatedAt: r.updated_at };
  }
}

export interface PersistBreakerOptions {
  /** The row key (default the breaker's name). */
  key?: string;
  /**
   * Successes that do not change the failure count are saved at most this often (default 5000 ms):
   * state changes and failures are always saved at once.
   */
  successSaveIntervalMs?: number;
  now?: () => number;
  /**
   * Save only over the row as it was last seen (compare-and-set), for a breaker shared with other
   * writers (the Health view, other processes). `seen` is the version the breaker was loaded from
   * (undefined: no row yet, saved at once), and is updated after each save; when another writer
   * saved meanwhile, nothing is written and `onConflict` is called (load the stored state instead).
   */
  guard?: { seen: BreakerVersion | undefined; onConflict(): void };
}

/**
 * Keeps `breaker`'s state in the store: saved now, on every state change and counted failure, and
 * on successes that change the failure count. Restore with `circuitBreaker({ initialState: repo.load(key) })`.
 * With `guard`, saves are compare-and-set (see PersistBreakerOptions).
 */
export function persistBreaker(breaker: CircuitBreakerPolicy, repository: BreakerRepository, options: PersistBreakerOptions = {}): Disposable {
  const key = options.key ?? breaker.name;
  const now = options.now ?? Date.now;
  const interval = options.successSaveIntervalMs ?? 5000;
  const guard = options.guard;
  let stopped = false;
  let lastSaved = now();
  let lastFailures = breaker.summary().failures;
  const save = () => {
    if (stopped) return;
    if (guard) {
      const written = repository.saveIf(key, breaker.toJSON(), guard.seen);
      if (written === undefined) {
        guard.onConflict();
        return;
      }
      guard.seen = written;
    } else {
      repository.save(key, breaker.toJSON());
    }
    lastSaved = now();
    lastFailures = breaker.summary().failures;
  };
  // A guarded breaker loaded from a row is already saved; anything else is listed from now on.
  if (!guard || guard.seen === undefined) save();
  const subscriptions = [
    breaker.onStateChange(save),
    breaker.onFailure(save),
    breaker.onSuccess(() => {
      if (breaker.summary().failures !== lastFailures || now() - lastSaved >= interval) save();
    }),
  ];
  return {
    dispose: () => {
      stopped = true;
      subscriptions.forEach((s) => s.dispose());
    },
  };
}
