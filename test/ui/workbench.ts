import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { session } from './session';

/** Opens (or reopens) the workbench and waits until it is ready for input. */
export async function openWorkbench(page: Page = session().page): Promise<void> {
  await page.goto(session().workbenchUrl);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar').waitFor({ timeout: 60_000 });
}

/** Runs a command through the command palette, by its full title (e.g. "Rebound: Show Log"). */
export async function runCommand(title: string, page: Page = session().page): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  // Pick the row whose label is exactly the title (recently used commands can be listed first).
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

/** Opens the Rebound container from the activity bar. */
export async function openReboundContainer(page: Page = session().page): Promise<Locator> {
  const item = page.locator('.activitybar [role="tab"][aria-label^="Rebound"], .activitybar .action-item a[aria-label^="Rebound"]').first();
  await item.waitFor({ timeout: 60_000 });
  const sidebar = page.locator('#workbench\\.parts\\.sidebar');
  if (!(await sidebar.locator('.composite.title', { hasText: /rebound/i }).isVisible().catch(() => false))) await item.click();
  await sidebar.locator('.composite.title', { hasText: /rebound/i }).waitFor({ timeout: 30_000 });
  return sidebar;
}

/** The pane header of a view in the side bar, by its name. */
export function viewPane(name: string, page: Page = session().page): Locator {
  return page.locator('#workbench\\.parts\\.sidebar .pane-header', { hasText: name });
}

/** A whole view (header and body) in the side bar, by its name. */
export function view(name: string, page: Page = session().page): Locator {
  return page.locator('#workbench\\.parts\\.sidebar .pane').filter({ has: page.locator('.pane-header', { hasText: name }) });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function screenshot(name: string, page: Page = session().page): Promise<string> {
  const dir = session().resultsDir;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
