import type { Clock, RandomSource } from '../../engine/clock';
import type { Disposable } from '../../engine/event';
import { breakerFromConfig, type Action, type BreakerConfig, type CircuitBreakerPolicy } from '../../engine/resilience';
import { persistBreaker, type BreakerRepository, type BreakerVersion, type PersistBreakerOptions } from '../../store/breakers';

export interface BreakerPoolOptions {
  clock: Clock;
  random: RandomSource;
  /** Successes that do not change the failure count are saved at most this often (default 5000 ms). */
  successSaveIntervalMs?: number;
}

interface Entry {
  policy: CircuitBreakerPolicy;
  /** The config it was built with (JSON), so a config edit builds it again. */
  config: string;
  /** The stored row as this pool last read or wrote it (kept current by persistBreaker). */
  guard: NonNullable<PersistBreakerOptions['guard']>;
  /** Keeps the breaker saved, compare-and-set. */
  persistence: Disposable;
}

/**
 * One circuit breaker per key for everything one runner executes, kept in the store. Before each
 * call the stored row is read: when someone else saved it since this pool did (a Reset from the
 * Health view, another process's breaker), the breaker is built again from the stored state. A
 * save only goes through when the row is still as this pool last saw it, so state read earlier
 * never overwrites a newer one; when it is not, the stored state wins and is loaded instead.
 */
export class BreakerPool implements Disposable {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly repository: BreakerRepository,
    private readonly options: BreakerPoolOptions,
  ) {}

  /** Runs `fn` behind the shared breaker `name`, refreshed from the store first. */
  execute<T>(name: string, config: BreakerConfig, fn: Action<T>, signal?: AbortSignal): Promise<T> {
    return this.sync(name, config).policy.execute(fn, signal);
  }

  dispose(): void {
    for (const e of this.entries.values()) e.persistence.dispose();
    this.entries.clear();
  }

  private sync(name: string, config: BreakerConfig): Entry {
    const configJson = JSON.stringify(config);
    const entry = this.entries.get(name);
    if (entry && entry.config === configJson && sameVersion(entry.guard.seen, this.repository.version(name))) return entry;
    return this.load(name, config, configJson);
  }

  /** Builds the breaker from the stored row (none: a fresh closed one) and keeps it saved. */
  private load(name: string, config: BreakerConfig, configJson: string): Entry {
    const previous = this.entries.get(name);
    previous?.persistence.dispose();
    // The version is read before the state, so a write in between makes the first save conflict
    // (and reload) rather than overwrite it. When someone else saved meanwhile, their state is
    // newer than this outcome: take it.
    const guard = { seen: this.repository.version(name), onConflict: () => void this.load(name, config, configJson) };
    const policy = breakerFromConfig(name, config, { initialState: this.repository.load(name), clock: this.options.clock, random: this.options.random });
    const persistence = persistBreaker(policy, this.repository, {
      key: name,
      now: () => this.options.clock.now(),
      successSaveIntervalMs: this.options.successSaveIntervalMs,
      guard,
    });
    // The first save found a row written meanwhile and loaded it instead: keep that one.
    const current = this.entries.get(name);
    if (current !== previous) {
      persistence.dispose();
      return current!;
    }
    const entry: Entry = { policy, config: configJson, guard, persistence };
    this.entries.set(name, entry);
    return entry;
  }
}

function sameVersion(a: BreakerVersion | undefined, b: BreakerVersion | undefined): boolean {
  return a?.updatedAt === b?.updatedAt && a?.json === b?.json;
}
