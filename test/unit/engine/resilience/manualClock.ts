import type { Clock } from '../../../../src/engine/clock';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  id: number;
}

/** Lets queued promise jobs run (they all run before the next macrotask). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that only moves when told to: timers fire in order of time (then of creation) while
 * `advance` walks time forward, with promise jobs flushed after each timer so async code sees
 * every step, as it would on real time.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private heap: Timer[] = [];
  private live = new Set<number>();

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.live.add(id);
    this.push({ at: this.t + Math.max(0, ms), seq: id, fn, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.live.delete(handle);
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.live.size;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number, options: { batch?: boolean } = {}): Promise<void> {
    await this.advanceTo(this.t + ms, options);
  }

  async advanceTo(target: number, options: { batch?: boolean } = {}): Promise<void> {
    await flush();
    for (;;) {
      const next = this.peek();
      if (!next || next.at > target) break;
      const at = next.at;
      if (options.batch) {
        // Fire every timer due at this instant before letting promise jobs run (fast simulations).
        while (this.peek()?.at === at) {
          const timer = this.pop()!;
          this.live.delete(timer.id);
          this.t = at;
          timer.fn();
        }
      } else {
        const timer = this.pop()!;
        this.live.delete(timer.id);
        this.t = at;
        timer.fn();
      }
      await flush();
    }
    this.t = Math.max(this.t, target);
    await flush();
  }

  /** Fires timers until none is left (or `limit` of them fired). */
  async runAll(limit = 100_000): Promise<void> {
    await flush();
    for (let i = 0; i < limit; i++) {
      const next = this.peek();
      if (!next) return;
      await this.advanceTo(next.at);
    }
    throw new Error(`runAll: still timers after ${limit} steps`);
  }

  private peek(): Timer | undefined {
    while (this.heap.length > 0 && !this.live.has(this.heap[0].id)) this.pop();
    return this.heap[0];
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
