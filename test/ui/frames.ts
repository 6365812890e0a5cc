import type { Frame } from 'playwright-core';
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

export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting until ${what}`);
}
