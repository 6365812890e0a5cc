/**
 * Does `act`, then waits for what it should show with `seen` (given how long it may wait, and
 * rejecting when that passes); when nothing shows, runs `between` and acts again, up to `tries`
 * times, the last wait the longest. For input the workbench can drop while it is still restoring a
 * reloaded window, re-rendering a view or moving the focus.
 */
export async function actUntil<T>(
  act: () => Promise<unknown>,
  seen: (timeoutMs: number) => Promise<T>,
  { tries = 3, waitMs, lastWaitMs = waitMs, between }: { tries?: number; waitMs: number; lastWaitMs?: number; between?: () => Promise<unknown> },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await act();
    const last = attempt >= tries;
    try {
      return await seen(last ? lastWaitMs : waitMs);
    } catch (err) {
      if (last) throw err;
    }
    await between?.();
  }
}
