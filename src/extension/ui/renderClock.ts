import * as vscode from 'vscode';

/** A view whose text depends on the time it is shown (relative times, countdowns). */
export interface TimedView {
  /** Whether the view is on screen (a hidden view is not re-rendered). */
  visible(): boolean;
  /** Re-renders the view. */
  refresh(): void;
  /** Whether something on it counts down in seconds now (a retry wait, an open breaker). */
  countingDown?(): boolean;
}

/**
 * Re-renders views whose text is computed from the current time when they are shown: every
 * second while one of them counts down, every 30 s otherwise (relative times like "2m ago").
 * Nothing time-dependent is frozen into stored text; only the rendering moves.
 */
export class RenderClock implements vscode.Disposable {
  private readonly timer: ReturnType<typeof setInterval>;
  private lastSlow = Date.now();

  constructor(
    private readonly views: TimedView[],
    private readonly slowMs = 30_000,
  ) {
    this.timer = setInterval(() => this.tick(), 1000);
  }

  private tick(): void {
    const now = Date.now();
    const slow = now - this.lastSlow >= this.slowMs;
    if (slow) this.lastSlow = now;
    for (const v of this.views) {
      if (!v.visible()) continue;
      if (slow || v.countingDown?.()) v.refresh();
    }
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
