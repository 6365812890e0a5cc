import type { Clock } from '../../engine/clock';
import { RecoveryError } from '../../engine/errors';
import type { RunOwner, RunRepository } from '../../store/runs';

export interface RunLeaseOptions {
  runs: RunRepository;
  runId: string;
  owner: RunOwner;
  clock: Clock;
  /** How often the heartbeat is written. */
  intervalMs: number;
  /** The caller's signal (a cancellation): `signal` aborts with it. */
  parent?: AbortSignal;
}

/**
 * A run this runner owns while it works on it: its heartbeat is written every `intervalMs`, and
 * when a heartbeat finds the run no longer running under this owner (another process took it
 * over), the lease is `lost`: `lostSignal` and `signal` abort, so the work in flight stops, and
 * the runner must then leave the run's state alone.
 */
export class RunLease {
  /** Aborts when the caller cancels or the run is lost: for the work itself. */
  readonly signal: AbortSignal;
  /** Aborts only when the run is lost: for work that must go on after a cancellation (undo on cancel). */
  readonly lostSignal: AbortSignal;
  private readonly lostController = new AbortController();
  private readonly both = new AbortController();
  private readonly unlink: () => void;
  private handle: unknown;
  private stopped = false;

  constructor(private readonly options: RunLeaseOptions) {
    this.lostSignal = this.lostController.signal;
    this.signal = this.both.signal;
    const parent = options.parent;
    const onParent = () => this.both.abort(parent?.reason);
    if (parent?.aborted) onParent();
    else parent?.addEventListener('abort', onParent, { once: true });
    this.unlink = () => parent?.removeEventListener('abort', onParent);
    this.schedule();
  }

  /** The run was taken over by someone else while this runner held it. */
  get lost(): boolean {
    return this.lostSignal.aborted;
  }

  /** Stops the heartbeat (the run ended, or the work is over); idempotent. */
  dispose(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.clock.clearTimeout(this.handle);
    this.unlink();
  }

  private schedule(): void {
    this.handle = this.options.clock.setTimeout(() => this.beat(), this.options.intervalMs);
    (this.handle as { unref?: () => void } | undefined)?.unref?.();
  }

  private beat(): void {
    if (this.stopped) return;
    let owned = true;
    try {
      owned = this.options.runs.heartbeat(this.options.runId, this.options.owner);
    } catch {
      // A busy database: the next beat tries again.
    }
    if (!owned) {
      const { runId, owner } = this.options;
      const reason = new RecoveryError(`Run ${runId} is no longer owned by pid ${owner.pid} on ${owner.host}: another process took it over; its work here was stopped`, {
        context: { runId, component: 'tasks' },
      });
      this.dispose();
      this.lostController.abort(reason);
      this.both.abort(reason);
      return;
    }
    this.schedule();
  }
}
