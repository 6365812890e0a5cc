import * as assert from 'node:assert/strict';
import { session } from './session';
import { eventually } from './frames';
import { openReboundContainer, openWorkbench, runCommand, screenshot, view } from './workbench';

/** The count the Errors view shows next to its Unresolved group. */
async function unresolvedCount(): Promise<number> {
  const row = view('Errors').locator('.monaco-list-row', { hasText: /^Unresolved/ }).first();
  const text = (await row.textContent()) ?? '';
  return Number(/(\d+)\s*$/.exec(text.trim())?.[1] ?? NaN);
}

describe('Keyboard: Rebound views without a mouse', function () {
  this.timeout(180_000);

  before(async () => {
    await openWorkbench();
    await runCommand('View: Close All Editors');
    await openReboundContainer();
  });

  /**
   * Moves the keyboard focus in the Errors view down to the issue row whose label starts with
   * `title`, expanding collapsed groups on the way (ArrowRight), as a keyboard user would.
   */
  async function focusIssue(title: string): Promise<void> {
    const { page } = session();
    await runCommand('Rebound: Focus on Errors View');
    await page.keyboard.press('Home');
    const focused = view('Errors').locator('.monaco-list-row.focused');
    const attr = (name: string) => focused.getAttribute(name, { timeout: 5_000 }).catch(() => null);
    for (let i = 0; i < 40; i++) {
      const level = await attr('aria-level');
      if (level === '3' && ((await attr('aria-label')) ?? '').startsWith(title)) return;
      // Open the groups (status, severity) on the way; leave issues closed (their events would follow).
      if (level !== '3' && (await attr('aria-expanded')) === 'false') await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowDown');
    }
    assert.fail(`no issue row "${title}" reached with the keyboard`);
  }

  it('resolves the focused issue with Alt+R and reopens it with Alt+O in the Errors view', async () => {
    const { page } = session();
    const errors = view('Errors');
    await errors.locator('.monaco-list-row', { hasText: /^Unresolved/ }).first().waitFor({ timeout: 30_000 });
    const before = await unresolvedCount();
    await focusIssue('SQLITE_BUSY');
    await page.keyboard.press('Alt+R');
    await eventually(async () => (await unresolvedCount()) === before - 1, 'the SQLITE_BUSY issue left Unresolved');
    assert.equal(await page.locator('.quick-input-widget input').isVisible(), false, 'no picker: the key acted on the focused row');
    await screenshot('keyboard-resolved');
    await focusIssue('SQLITE_BUSY');
    await page.keyboard.press('Alt+O');
    await eventually(async () => (await unresolvedCount()) === before, 'the issue is unresolved again');
  });

  it('reaches every inline action of a row through its context menu (Shift+F10)', async () => {
    const { page } = session();
    await runCommand('Rebound: Focus on Errors View');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Shift+F10');
    const menu = page.locator('.context-view .monaco-menu, .monaco-menu-container');
    await menu.first().waitFor({ timeout: 10_000 });
    const items = (await menu.first().locator('.action-label').allInnerTexts()).map((s) => s.trim());
    for (const expected of ['Open Issue…', 'Resolve Issue', 'Ignore Issue…', 'Show Guidance', 'Copy Issue']) {
      assert.ok(items.includes(expected), `"${expected}" in the context menu: ${items.join(' | ')}`);
    }
    assert.ok(!items.includes('Reopen Issue'), 'no Reopen on an unresolved issue');
    await screenshot('keyboard-context-menu');
    await page.keyboard.press('Escape');
  });
});
