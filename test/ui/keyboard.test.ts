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

  it('resolves the focused issue with Alt+R and reopens it with Alt+O in the Errors view', async () => {
    const { page } = session();
    const errors = view('Errors');
    await errors.locator('.monaco-list-row', { hasText: /^Unresolved/ }).first().waitFor({ timeout: 30_000 });
    const before = await unresolvedCount();
    await runCommand('Rebound: Focus on Errors View');
    await page.keyboard.press('Home');
    // Unresolved › a severity › its first issue.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const focused = errors.locator('.monaco-list-row.focused');
    assert.equal(await focused.getAttribute('aria-level'), '3', 'an issue row has the focus');
    const title = ((await focused.getAttribute('aria-label')) ?? '').split(',')[0];
    await page.keyboard.press('Alt+R');
    await eventually(async () => (await unresolvedCount()) === before - 1 || (before === 1 && (await errors.locator('.monaco-list-row', { hasText: /^Unresolved/ }).count()) === 0), `the issue "${title}" left Unresolved`);
    await screenshot('keyboard-resolved');
    // Reopen it: focus it in the Resolved group and press Alt+O.
    await runCommand('Rebound: Focus on Errors View');
    const resolvedGroup = errors.locator('.monaco-list-row', { hasText: /^Resolved/ }).first();
    await resolvedGroup.waitFor();
    if ((await resolvedGroup.getAttribute('aria-expanded')) !== 'true') {
      await resolvedGroup.click();
      await page.keyboard.press('ArrowRight');
    }
    const issue = errors.locator('.monaco-list-row[aria-level="3"]', { hasText: title.slice(0, 20) }).first();
    await issue.waitFor();
    await issue.click({ position: { x: 5, y: 5 } }).catch(() => undefined);
    await runCommand('Rebound: Focus on Errors View');
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
