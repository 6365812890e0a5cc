import type { Clock, RandomSource } from '../../engine/clock';
import type { Disposable } from '../../engine/event';
import { breakerFromConfig, type Action, type BreakerConfig, type CircuitBreakerPolicy } from '../../engine/resilience';
import type { BreakerRepository, BreakerVersion } from '../../store/breakers';

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
  /** The row as this pool last read or wrote it. */
  seen: BreakerVersion | undefined;
  lastSaved: number;
  lastFailures: number;
  subscriptions: Disposable[];
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
    for (const e of this.entries.values()) for (const s of e.subscriptions) s.dispose();
    this.entries.clear();
  }

  private sync(name: string, config: BreakerConfig): Entry {
    const configJson = JSON.stringify(config);
    const entry = this.entries.get(name);
    const stored = this.repository.version(name);
    if (entry && entry.config === configJson && sameVersion(entry.seen, stored)) return entry;
    return this.load(name, config, configJson);
  }

  /** Builds the breaker from the stored row (none: a fresh closed one) and keeps it saved. */
  private load(name: string, config: BreakerConfig, configJson: string): Entry {
    const old = this.entries.get(name);
    if (old) for (const s of old.subscriptions) s.dispose();
    const seen = this.repository.version(name);
    const policy = breakerFromConfig(name, config, { initialState: this.repository.load(name), clock: this.options.clock, random: this.options.random });
    const entry: Entry = { policy, config: configJson, seen, lastSaved: this.options.clock.now(), lastFailures: policy.summary().failures, subscriptions: [] };
    const interval = this.options.successSaveIntervalMs ?? 5000;
    const save = () => {
      if (this.entries.get(name) !== entry) return;
      const written = this.repository.saveIf(name, policy.toJSON(), entry.seen);
      if (written === undefined) {
        // Someone else saved meanwhile: their state is newer than this outcome; take it.
        this.load(name, config, configJson);
        return;
      }
      entry.seen = written;
      entry.lastSaved = this.options.clock.now();
      entry.lastFailures = policy.summary().failures;
    };
    entry.subscriptions.push(
      policy.onStateChange(save),
      policy.onFailure(save),
      policy.onSuccess(() => {
        if (policy.summary().failures !== entry.lastFailures || this.options.clock.now() - entry.lastSaved >= interval) save();
      }),
    );
    this.entries.set(name, entry);
    // A breaker in use is listed (Health view) from its first call on.
    if (seen === undefined) save();
    return entry;
  }
}

function sameVersion(a: BreakerVersion | undefined, b: BreakerVersion | undefined): boolean {
  return a?.updatedAt === b?.updatedAt && a?.json === b?.json;
}
