import * as assert from 'node:assert/strict';
import { session } from './session';
import { clickForWebview, eventually, webviewFrame } from './frames';
import { openReboundContainer, openWorkbench, runCommand, screenshot, view } from './workbench';

/**
 * Editor tabs whose label starts with `prefix`. VS Code 1.139 shows a file's extension apart from
 * its name (`app` in .label-name, `.ts` in .label-suffix), so the label is the two together.
 */
async function tabs(prefix: string): Promise<string[]> {
  const labels = await session()
    .page.locator('.tabs-container .tab .tab-label')
    .evaluateAll((els) =>
      els.map((el) => ['.label-name', '.label-suffix'].map((s) => (el as unknown as { querySelector(s: string): { textContent: string | null } | null }).querySelector(s)?.textContent ?? '').join('')),
    );
  return labels.map((l) => l.trim()).filter((l) => l.startsWith(prefix));
}

describe('Issue page (Errors view and dashboard)', function () {
  this.timeout(180_000);

  before(async () => {
    await openWorkbench();
    await runCommand('View: Close All Editors');
  });

  it('opens an issue from the Errors view with its headline, culprit, evidence, output, events, guidance and actions', async () => {
    await openReboundContainer();
    const errors = view('Errors');
    // The dashboard suite resolved the ECONNRESET issue; the SQLITE_BUSY one (a transient failure of the report task) is open.
    const row = errors.locator('.monaco-list-row', { hasText: /SQLITE_BUSY/ }).first();
    await row.waitFor({ timeout: 30_000 });
    const page = await clickForWebview(row, '.issue-page .headline');
    assert.match((await page.locator('.headline').textContent()) ?? '', /SQLITE_BUSY: database is locked/);
    assert.match((await page.locator('.facts').textContent()) ?? '', /RB-SQLITE-BUSY · transient · unresolved \(new\) · 1 event /);
    assert.ok((await page.locator('.evidence li').count()) >= 1, 'evidence is listed');
    assert.match((await page.locator('pre.output').textContent()) ?? '', /Error: SQLITE_BUSY: database is locked/, 'the captured output tail');
    assert.equal(await page.locator('svg.timeline[role="img"]').count(), 1, 'events over time');
    assert.equal(await page.locator('table.events tbody tr').count(), 1, 'its event is listed');
    assert.ok((await page.locator('section[aria-label="Guidance"] h3').count()) === 1, 'the guidance is shown');
    // A transient failure of a task can be retried; it names no file, so no source location is offered.
    assert.equal(await page.locator('[data-action="retry"]').isVisible(), true);
    assert.equal(await page.locator('[data-action="openSource"]').isVisible(), false);
    assert.equal(await page.locator('[data-action="reopen"]').isVisible(), false);
    await screenshot('issue-page');

    await page.locator('[data-action="resolve"]').click();
    await page.locator('.status', { hasText: 'Resolved.' }).waitFor({ timeout: 15_000 });
    await page.locator('[data-action="reopen"]').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await page.locator('.facts').textContent()) ?? '', /resolved/);
    await page.locator('[data-action="reopen"]').click();
    await page.locator('.status', { hasText: 'Reopened.' }).waitFor({ timeout: 15_000 });
    await screenshot('issue-page-after-actions');
  });

  it('opens the issue a dashboard row names in the same tab, with its source location', async () => {
    await runCommand('Rebound: Open Dashboard');
    const dash = await webviewFrame('.kpis .kpi');
    const cell = dash.locator('vscode-data-grid-cell', { hasText: "Type 'string' is not assignable" }).first();
    await cell.waitFor({ timeout: 30_000 });
    await cell.click();
    await dash.locator('vscode-button', { hasText: 'Open Issue' }).click();
    const page = await webviewFrame('.issue-page .headline');
    await eventually(async () => /Type 'string'/.test((await page.locator('.headline').textContent()) ?? ''), 'the issue page shows the compile error');
    assert.deepEqual((await tabs('Issue:')).length, 1, 'one issue tab, reused');
    await page.locator('[data-action="openSource"]').waitFor({ state: 'visible' });
    await screenshot('issue-page-from-dashboard');
    await page.locator('[data-action="openSource"]').click();
    await eventually(async () => (await tabs('app.ts')).length === 1, 'src/app.ts opens at the error');
  });

  it('shows guidance read-only in one reused tab, never a dirty Untitled document', async () => {
    // Back to the issue tab (the source file took the focus), then its "Open Guidance".
    await session().page.locator('.tabs-container .tab', { hasText: 'Issue:' }).first().click();
    const page = await webviewFrame('.issue-page .headline');
    await page.locator('[data-action="guidance"]').click();
    await eventually(async () => (await tabs('Rebound Guidance')).length === 1, 'the guidance tab opens');
    await runCommand('Rebound: Show Error Guidance…');
    const { page: p } = session();
    await p.locator('.quick-input-widget input').fill('RB-NET');
    await p.locator('.quick-input-widget .monaco-list-row').first().click();
    await eventually(async () => (await tabs('Rebound Guidance')).length === 1, 'still one guidance tab');
    assert.equal((await tabs('Untitled')).length, 0, 'no Untitled document');
    assert.equal(await p.locator('.tabs-container .tab.dirty').count(), 0, 'nothing is dirty');
    await screenshot('guidance-tab');
  });
});
