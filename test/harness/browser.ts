import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { onCleanup } from './processes';

export const CHROMIUM = process.env.REBOUND_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with nothing that reaches for the network on its own. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (apt-get install chromium), or set REBOUND_CHROMIUM`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const unregister = onCleanup(() => browser.close());
  // playwright gives Chromium a fresh temporary profile and removes it on close.
  browser.once('disconnected', () => unregister());
  return browser;
}
