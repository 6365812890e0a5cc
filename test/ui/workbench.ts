import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { actUntil } from './retry';
import { session } from './session';

/**
 * Opens (or reopens) the workbench and waits until it is ready for input and Rebound is active
 * (its status bar item is shown). After a reload, a command picked from the palette while the
 * extension host was still starting was seen never to run (about one UI run in three).
 */
export async function openWorkbench(page: Page = session().page): Promise<void> {
  await page.goto(session().workbenchUrl);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar').waitFor({ timeout: 60_000 });
  await page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'Rebound' }).first().waitFor({ timeout: 60_000 });
}

/**
 * Runs a command through the command palette, by its full title (e.g. "Rebound: Show Log"). The
 * palette is opened again when the command does not show up (the workbench may still be
 * restoring).
 */
export async function runCommand(title: string, page: Page = session().page): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // Pick the row whose label is exactly the title (recently used commands can be listed first).
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) }).first();
  // The command center in the title bar opens the quick input with a click, whichever part of the
  // workbench (a webview, the terminal) has the keyboard focus; the keystroke is the fallback.
  const commandCenter = page.locator('.command-center .command-center-center').first();
  await actUntil(
    async () => {
      if (await commandCenter.isVisible().catch(() => false)) await commandCenter.click();
      else await page.keyboard.press('Control+Shift+P');
      await input.waitFor({ state: 'visible' });
      await input.fill(`>${title}`);
    },
    (timeout) => row.waitFor({ state: 'visible', timeout }),
    { waitMs: 10_000, between: () => page.keyboard.press('Escape') },
  );
  await row.click();
  // The palette closes, or (VS Code 1.139) the same quick input turns at once into the command's
  // own picker (Rebound: Run Task…) without hiding in between: either way the command ran.
  const palette = `>${title}`;
  const end = Date.now() + 30_000;
  while ((await input.isVisible().catch(() => false)) && (await input.inputValue({ timeout: 1_000 }).catch(() => palette)) === palette) {
    if (Date.now() > end) throw new Error(`the command palette still shows ${palette} 30 s after picking it`);
    await page.waitForTimeout(100);
  }
}

/**
 * Opens the Rebound container from the activity bar. Clicking the item of the container already
 * shown hides the side bar, and a reloaded workbench may restore the container a moment after the
 * first look, so this clicks and looks again until the container is visible.
 */
export async function openReboundContainer(page: Page = session().page): Promise<Locator> {
  // The whole activity item: its badge (unresolved issues) sits over the icon and takes the click.
  const item = page.locator('.activitybar .action-item').filter({ has: page.locator('[aria-label^="Rebound"]') }).first();
  await item.waitFor({ timeout: 60_000 });
  const sidebar = page.locator('#workbench\\.parts\\.sidebar');
  const title = sidebar.locator('.composite.title', { hasText: /rebound/i });
  for (let attempt = 0; attempt < 6; attempt++) {
    if (await title.isVisible().catch(() => false)) return sidebar;
    if (attempt > 0 || !(await title.waitFor({ state: 'visible', timeout: 2_000 }).then(() => true, () => false))) await item.click();
    if (await title.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) return sidebar;
  }
  await title.waitFor({ state: 'visible', timeout: 5_000 });
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

/**
 * The row of a tree view whose text matches `text`, scrolling the view's list until the row is
 * drawn. Trees draw only the rows inside their pane (a virtual list): with five views in the
 * container a pane can be a few rows high (VS Code 1.139 gives the Errors view about six), so a row
 * further down is not in the page until the list is scrolled to it. The list is scrolled from the
 * top a step at a time, and again from the top until `timeoutMs` (the tree may still be updating).
 */
export async function treeRow(pane: Locator, text: string | RegExp, timeoutMs = 30_000, page: Page = session().page): Promise<Locator> {
  const row = pane.locator('.monaco-list-row', { hasText: text }).first();
  const list = pane.locator('.monaco-list').first();
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await row.isVisible().catch(() => false)) return row;
    if (Date.now() > end) break;
    if (await list.isVisible().catch(() => false)) {
      await list.hover();
      await page.mouse.wheel(0, -100_000);
      // Step down by less than a pane, so no row is skipped; stop once the list no longer moves.
      let last = '';
      for (let step = 0; step < 50; step++) {
        if (await row.isVisible().catch(() => false)) return row;
        const top = await list.locator('.monaco-list-rows').getAttribute('style').catch(() => null) ?? '';
        if (step > 0 && top === last) break;
        last = top;
        await page.mouse.wheel(0, 60);
        await page.waitForTimeout(100);
      }
    }
    await page.waitForTimeout(250);
  }
  await row.waitFor({ state: 'visible', timeout: 1_000 });
  return row;
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
