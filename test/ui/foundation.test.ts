import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { session } from './session';
import { openReboundContainer, openWorkbench, runCommand, screenshot, viewPane } from './workbench';

describe('Rebound in the workbench', function () {
  this.timeout(120_000);

  before(async () => {
    await openWorkbench();
  });

  it('shows the Rebound container with its five views', async () => {
    const sidebar = await openReboundContainer();
    for (const name of ['Errors', 'Dead Letters', 'Tasks', 'Migrations', 'Health']) {
      await viewPane(name).waitFor({ timeout: 30_000 });
      assert.ok(await viewPane(name).isVisible(), `the ${name} view is not shown`);
    }
    assert.ok(await sidebar.isVisible());
    const file = await screenshot('rebound-container');
    assert.ok(existsSync(file) && statSync(file).size > 10_000, 'the screenshot is missing or empty');
  });

  it('runs a Rebound command from the command palette', async () => {
    const { page } = session();
    await runCommand('Rebound: Show Log');
    // The command reveals Rebound's log in the Output panel.
    const panel = page.locator('#workbench\\.parts\\.panel');
    await panel.waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('#workbench\\.parts\\.panel .monaco-select-box, #workbench\\.parts\\.panel select', { hasText: 'Rebound' }).first()
      .waitFor({ timeout: 30_000 });
    await screenshot('show-log');
  });
});
