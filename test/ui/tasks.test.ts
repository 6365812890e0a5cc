import * as assert from 'node:assert/strict';
import { session } from './session';
import { openReboundContainer, openWorkbench, runCommand, screenshot, view, viewPane } from './workbench';

describe('Tasks in the workbench (demo workspace)', function () {
  this.timeout(120_000);

  before(async () => {
    await openWorkbench();
  });

  it('lists the configured tasks, runs one from the palette, and shows its compiler problems', async () => {
    const { page } = session();
    await openReboundContainer();
    const tasks = view('Tasks');
    if ((await tasks.getAttribute('class'))?.includes('expanded') === false) await viewPane('Tasks').click();
    for (const name of ['fetch-deps', 'build', 'deploy']) {
      await tasks.locator('.monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
    }

    await runCommand('Rebound: Run Task…');
    const pick = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^build$/ }) }).first();
    await pick.waitFor({ state: 'visible', timeout: 15_000 });
    await pick.click();

    // The run's output shows in a terminal, and its end is reported there.
    const terminal = page.locator('.terminal-wrapper, .xterm').first();
    await terminal.waitFor({ state: 'visible', timeout: 30_000 });
    // The Tasks view reports the failure with its code once the run ends.
    await tasks.locator('.monaco-list-row', { hasText: 'build' }).filter({ hasText: /failed/ }).first().waitFor({ timeout: 60_000 });

    await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const problems = page.locator('.markers-panel');
    await problems.locator('.monaco-list-row', { hasText: "Type 'string' is not assignable to type 'number'" }).first().waitFor({ timeout: 30_000 });
    const rows = await problems.locator('.monaco-list-row').allInnerTexts();
    assert.ok(rows.some((r) => /app\.ts/.test(r)), `the problems name src/app.ts: ${rows.join(' | ')}`);
    await screenshot('task-problems');
  });
});
