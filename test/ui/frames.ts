import type { Frame, Locator } from 'playwright-core';
import { actUntil } from './retry';
import { session } from './session';

/**
 * The webview frame whose page holds `selector` (the dashboard's `.kpis`, the issue page's
 * `.issue-page`), waiting until one does: webviews live two iframes deep and several may be open.
 */
export async function webviewFrame(selector: string, timeoutMs = 30_000): Promise<Frame> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const f of session().page.frames()) {
      if (f.isDetached()) continue;
      const found = await f.$(selector).catch(() => null);
      if (found && (await found.isVisible().catch(() => false))) return f;
    }
    if (Date.now() > end) throw new Error(`no webview shows ${selector}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Clicks `target` (a row that opens a webview) until a webview shows `selector`. A click that lands
 * while the workbench re-renders the row (a view refresh in the first seconds after a reload) can
 * be dropped by VS Code's list; a second click on the same row does what the first one meant.
 */
export function clickForWebview(target: Locator, selector: string): Promise<Frame> {
  return actUntil(() => target.click(), (timeoutMs) => webviewFrame(selector, timeoutMs), { waitMs: 10_000, lastWaitMs: 30_000 });
}

export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting until ${what}`);
}
