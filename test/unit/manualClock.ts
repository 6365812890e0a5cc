import * as FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '../../src/engine/clock';

/**
 * The tests' one fake clock: the engine's Clock over @sinonjs/fake-timers. Time only moves when
 * told to; `advance` fires the timers due on the way in order, letting promise jobs run between
 * them (fake-timers' tickAsync), as real time would.
 */
export class ManualClock implements Clock {
  readonly fake: FakeTimers.Clock;

  constructor(start = 1_700_000_000_000) {
    this.fake = FakeTimers.createClock(start, Infinity);
  }

  now(): number {
    return this.fake.now;
  }

  /** The current time; setting it moves the clock without firing timers (a jump of the wall clock). */
  get t(): number {
    return this.fake.now;
  }

  set t(value: number) {
    this.fake.setSystemTime(value);
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.fake.setTimeout(fn, ms);
  }

  clearTimeout(handle: unknown): void {
    this.fake.clearTimeout(handle as FakeTimers.TimerId);
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.fake.countTimers();
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    await this.fake.tickAsync(ms);
  }
}
