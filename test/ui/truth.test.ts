import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { actUntil } from './retry';
import { session } from './session';
import { openReboundContainer, openWorkbench, runCommand, screenshot, treeRow, view, viewPane } from './workbench';

/** The editor tells the truth (issue 13): what each view says is what happened. */
describe('The editor tells the truth (demo workspace)', function () {
  this.timeout(240_000);
  const ws = () => session().workspace;
  const page = () => session().page;
  const row = (v: Locator, text: string | RegExp) => v.locator('.monaco-list-row', { hasText: text }).first();
  const toasts = () => page().locator('.notifications-toasts .notification-toast');

  /** The text the visible terminal shows (the DOM renderer is on, see `before`). */
  const terminalText = async () => (await page().locator('.terminal-wrapper.active .xterm-rows, .xterm-rows').allInnerTexts()).join('\n');

  /**
   * Opens the quick fixes at the cursor (Ctrl+.) until one titled `title` is listed: the first key
   * can land while the editor a double-click in the Problems panel opened is still taking the focus.
   */
  const quickFix = (title: string): Promise<Locator> => {
    const item = page().locator('.action-widget .monaco-list-row, .context-view .action-label', { hasText: title }).first();
    return actUntil(
      () => page().keyboard.press('Control+.'),
      (timeout) => item.waitFor({ state: 'visible', timeout }).then(() => item),
      { waitMs: 5_000, lastWaitMs: 15_000, between: () => page().keyboard.press('Escape') },
    );
  };

  const expand = async (name: string) => {
    const pane = viewPane(name);
    if ((await pane.getAttribute('aria-expanded')) === 'false') await pane.click();
  };

  before(async () => {
    // Terminal text readable from the DOM; and a task that fails slowly, to fail unwatched.
    mkdirSync(join(ws(), '.vscode'), { recursive: true });
    writeFileSync(join(ws(), '.vscode', 'settings.json'), JSON.stringify({ 'terminal.integrated.gpuAcceleration': 'off' }, null, 2));
    const configFile = join(ws(), '.rebound', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { tasks: Record<string, unknown> };
    config.tasks['slow-fetch'] = { command: "sleep 4; echo 'npm ERR! code ECONNRESET' >&2; exit 1", retry: 'none' };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    await openWorkbench();
    await openReboundContainer();
  });

  afterEach(async () => {
    // A picker left open by a failed step must not swallow the next test's keys.
    if (await page().locator('.quick-input-widget input').isVisible().catch(() => false)) await page().keyboard.press('Escape');
    // So must a context menu left open.
    if (await page().locator('.context-view .monaco-menu').isVisible().catch(() => false)) await page().keyboard.press('Escape');
    // Close whatever toasts a test left.
    for (const close of await page().locator('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close').all()) await close.click().catch(() => undefined);
  });

  it('2, 3: a run shows its attempts, breaker and fallback in the terminal, one verdict everywhere, and the Tasks view follows it live', async () => {
    await expand('Tasks');
    const tasks = view('Tasks');
    await treeRow(tasks, /^report/, 30_000);
    await runCommand('Rebound: Run Task…');
    await pickQuick('report');
    // Live: the current attempt and the countdown to the next one.
    await treeRow(tasks, /^report.*attempt \d\/5/, 30_000);
    await screenshot('truth-3-tasks-view-live');
    await treeRow(tasks, /^report.*succeeded through its fallback "report-offline"/, 60_000);
    await page().waitForTimeout(1500);
    const text = await terminalText();
    await screenshot('truth-2-report-terminal-and-tasks-view');
    // The terminal's DOM holds the rows on screen: the end of the run.
    for (const marker of ['[attempt] attempt 3/5 failed [DEMO-DB-LOCKED', '[wait] retrying in', '[breaker] breaker "reporting" closed → open', '[fallback] "report" gave up: running its fallback "report-offline"', '[result] ✓ report succeeded through its fallback "report-offline"']) {
      assert.ok(text.includes(marker), `the terminal shows ${marker}:\n${text}`);
    }
    assert.equal(text.split('[result]').length - 1, 1, 'one summary line');
    assert.ok(!/failed to launch/.test(text), text);
  });

  it('2: a fast failure ends with its verdict, not "failed to launch", and nothing asks about scanning the output', async () => {
    // (That Rebound tasks define their problem matchers, so Run Task asks nothing, is held by the
    // integration suite "Rebound tasks in the editor".)
    await runCommand('Rebound: Run Task…');
    await pickQuick('lint');
    const tasks = view('Tasks');
    await treeRow(tasks, /^lint.*failed \(RB-/, 60_000);
    assert.equal(await page().locator('.quick-input-widget .monaco-list-row', { hasText: /scanning the task output|scan the task output/i }).count(), 0, 'no question about scanning the output');
    await page().waitForTimeout(1500);
    const text = await terminalText();
    await screenshot('truth-2-fast-failure-terminal');
    assert.match(text, /\[result\] ✗ lint failed \(RB-/);
    assert.ok(!/failed to launch/.test(text), `VS Code reported a failed launch:\n${text}`);
  });

  it('3: a failure the user did not watch is notified, with Show Issue and Retry', async () => {
    await runCommand('Rebound: Run Task…');
    await pickQuick('slow-fetch');
    await treeRow(view('Tasks'), /^slow-fetch.*running…/, 30_000);
    // The user turns to another terminal: the run's terminal is no longer the one in front.
    await runCommand('Terminal: Create New Terminal');
    const toast = toasts().filter({ hasText: 'task "slow-fetch" failed' }).first();
    await toast.waitFor({ timeout: 60_000 });
    const buttons = await toast.locator('.monaco-button').allInnerTexts();
    assert.ok(buttons.includes('Show Issue') && buttons.includes('Retry'), `buttons: ${buttons.join(', ')}`);
    await screenshot('truth-3-unwatched-failure-notification');
  });

  it('5, 8: health by thresholds in the view and the status bar; one badge for open issues; a new migration file shows without Refresh', async () => {
    await expand('Health');
    const health = view('Health');
    await treeRow(health, /^tasks.*(degraded|failing): \d+ failed run/, 30_000);
    const status = page().locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'Rebound' }).first();
    await assertEventually(async () => /Rebound: (degraded|failing)/.test((await status.innerText()) ?? ''), 'the status bar names the worst health');
    const open = Number(/(\d+) open/.exec(await status.innerText())?.[1]);
    assert.ok(open > 0, await status.innerText());
    const badge = page().locator('.activitybar .action-item').filter({ has: page().locator('[aria-label^="Rebound"]') }).locator('.badge-content').first();
    await assertEventually(async () => Number(await badge.innerText().catch(() => 'NaN')) === open, 'the badge counts the open issues once');
    await screenshot('truth-5-health-and-status-bar');

    await expand('Migrations');
    const migrations = view('Migrations');
    await treeRow(migrations, /0004/, 30_000);
    writeFileSync(join(ws(), 'migrations', '0005_add_report_index.sql'), '-- rebound:up\nCREATE INDEX report_idx ON users(id);\n-- rebound:down\nDROP INDEX report_idx;\n');
    await treeRow(migrations, /0005 add_report_index/, 30_000);
    await screenshot('truth-5-new-migration-without-refresh');
  });

  it('6: Resume is not offered on a failed run; Discard offers Undo; Escape in the Ignore picker changes nothing', async () => {
    const tasks = view('Tasks');
    const lint = await treeRow(tasks, /^lint/);
    await lint.hover();
    assert.equal(await lint.locator('[aria-label^="Resume Interrupted Run"]').count(), 0, 'no Resume on a failed run');

    await expand('Dead Letters');
    const dead = view('Dead Letters');
    const letter = await treeRow(dead, /lint|slow-fetch/);
    const name = ((await letter.locator('.label-name').innerText()) ?? '').trim();
    await letter.hover();
    await letter.locator('[aria-label^="Discard Dead Letter"]').click();
    const toast = toasts().filter({ hasText: 'discarded the dead letter' }).first();
    await toast.waitFor({ timeout: 15_000 });
    await screenshot('truth-6-discard-undo');
    await toast.locator('.monaco-button', { hasText: 'Undo' }).click();
    await treeRow(dead, new RegExp(`^${name}`), 15_000);

    const errors = view('Errors');
    const issue = await treeRow(errors, /ECONNRESET/);
    await issue.click({ button: 'right' });
    const ignore = page().locator('.context-view .action-label', { hasText: 'Ignore Issue…' }).first();
    await ignore.waitFor({ state: 'visible' });
    // A context menu ignores a click that comes right after it opened (the right button's release).
    await page().waitForTimeout(400);
    await ignore.click();
    await page().locator('.quick-input-widget .monaco-list-row', { hasText: 'Forever' }).first().waitFor({ state: 'visible' });
    await page().keyboard.press('Escape');
    await page().waitForTimeout(1000);
    assert.equal(await toasts().filter({ hasText: /Ignored|ignored/ }).count(), 0, 'nothing is reported');
    assert.ok(await (await treeRow(errors, /ECONNRESET/, 10_000)).isVisible(), 'the issue is still listed as it was');
    assert.equal(await row(errors, /^Ignored/).count(), 0, 'no Ignored group appeared');
    await screenshot('truth-6-ignore-escape');
  });

  it('1: Group Errors By from the title bar, with an event selected, groups the view and writes no setting', async () => {
    await expand('Errors');
    const errors = view('Errors');
    // Select a row of the tree (the High severity node; an issue row would open its page): VS Code
    // passes the selected node to title-bar commands.
    const selected = await treeRow(errors, /^High/);
    await selected.click();
    await page().waitForTimeout(500);
    await viewPane('Errors').hover();
    await viewPane('Errors').locator('[aria-label^="Group Errors By"]').first().click();
    await pickQuick('By task');
    // Task names keep their case.
    await treeRow(errors, /^fetch-deps/, 15_000);
    await treeRow(errors, /^build/, 15_000);
    const labels = await errors.locator('.monaco-list-row[aria-level="1"] .label-name').allInnerTexts();
    assert.ok(labels.length > 0 && labels.every((l) => l !== 'High' && l !== 'Unresolved'), `grouped by task: ${labels.join(', ')}`);
    assert.ok(!labels.some((l) => /^[A-Z]/.test(l) && l.toLowerCase() !== l && ['Fetch-deps', 'Build'].includes(l)), `no capitalised task names: ${labels.join(', ')}`);
    await screenshot('truth-1-group-by-task');
    const settings = readFileSync(join(ws(), '.vscode', 'settings.json'), 'utf8');
    assert.ok(!settings.includes('rebound.errors.groupBy'), `settings.json was written: ${settings}`);
    assert.equal(await toasts().filter({ hasText: 'Cannot read properties' }).count(), 0, 'no error toast');
  });

  it('6: Cancel Task is not offered with nothing running (no picker of idle tasks); Roll Back refuses a blocked plan before asking to confirm', async () => {
    // With nothing running, the palette does not offer Cancel Task at all (it lists what runs when something does).
    const commandCenter = page().locator('.command-center .command-center-center').first();
    if (await commandCenter.isVisible().catch(() => false)) await commandCenter.click();
    else await page().keyboard.press('Control+Shift+P');
    const input = page().locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('>Rebound: Cancel');
    await page().locator('.quick-input-widget .monaco-list-row', { hasText: 'Cancel Running Migration' }).first().waitFor({ state: 'visible' }).catch(() => undefined);
    const labels = await page().locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts();
    assert.ok(!labels.some((l) => l.trim() === 'Rebound: Cancel Task'), `the palette offers Cancel Task with nothing running: ${labels.join(' | ')}`);
    await page().keyboard.press('Escape');

    await expand('Migrations');
    const migrations = view('Migrations');
    await runCommand('Rebound: Apply Pending Migrations');
    await treeRow(migrations, /^app.*v5/, 30_000);
    // Rolling back to before 0004 would need 0004's down section, which it does not have.
    const m4 = await treeRow(migrations, /0004 create_audit_log/);
    await m4.click({ button: 'right' });
    const rollBack = page().locator('.context-view .action-label', { hasText: 'Roll Back Migration…' }).first();
    await rollBack.waitFor({ state: 'visible' });
    await page().waitForTimeout(400); // a context menu ignores the click right after it opened
    await rollBack.click();
    const refused = toasts().filter({ hasText: 'app cannot be rolled back' }).first();
    await refused.waitFor({ timeout: 15_000 });
    assert.match(await refused.innerText(), /0004[\s\S]*down section[\s\S]*Nothing was changed/);
    assert.equal(await page().locator('.monaco-dialog-box').count(), 0, 'no confirmation was asked first');
    await treeRow(migrations, /^app.*v5/, 5_000);
    await page().waitForTimeout(500); // the toast has slid in
    await screenshot('truth-6-rollback-refused-before-confirm');
  });

  it('9: a misspelt preset is one problem whose quick fix corrects it; a failed migration is marked at its statement with Run Again', async () => {
    const problems = page().locator('.markers-panel');
    const problemRow = (text: string | RegExp) => problems.locator('.monaco-list-row', { hasText: text });
    // A typo written on disk, as a teammate's commit would bring it.
    const configFile = join(ws(), '.rebound', 'config.json');
    const before = readFileSync(configFile, 'utf8');
    assert.ok(before.includes('"retry": "standard"'), 'the demo config has the standard preset');
    writeFileSync(configFile, before.replace('"retry": "standard"', '"retry": "standrd"'));
    await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const typo = problemRow('did you mean "standard"?').first();
    await typo.waitFor({ timeout: 30_000 });
    // Open the file at the problem: the JSON language server then validates it against the schema too.
    await typo.dblclick();
    await page().locator('.monaco-editor .view-lines', { hasText: 'standrd' }).first().waitFor({ timeout: 15_000 });
    await page().waitForTimeout(2500);
    const rows = await problems.locator('.monaco-list-row').allInnerTexts();
    assert.equal(rows.filter((r) => /"standard"|not accepted|Valid values/.test(r)).length, 1, `one problem for one mistake: ${rows.join(' | ')}`);
    await screenshot('truth-9-one-squiggle-for-a-misspelt-preset');
    // The quick fix, from the keyboard where the double-click left the cursor (on the problem, editor focused).
    const change = await quickFix('Change to "standard"');
    await screenshot('truth-9-quick-fix-change-to');
    // The fix the widget focuses first is the one Enter applies (a click can land while the widget still animates).
    assert.match((await change.getAttribute('class')) ?? '', /focused/, 'the correction is the first quick fix');
    await page().keyboard.press('Enter');
    await page().keyboard.press('Control+S');
    await assertEventually(async () => readFileSync(configFile, 'utf8') === before, 'the fix wrote "standard" back and nothing else');
    await assertEventually(async () => (await problemRow(/standrd|did you mean "standard"/).count()) === 0, 'the problem is gone');

    // A migration that fails at its second statement.
    writeFileSync(join(ws(), 'migrations', '0006_add_notes.sql'), '-- rebound:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);\n\n-- rebound:down\nDROP TABLE notes;\n');
    await runCommand('Rebound: Apply Pending Migrations');
    await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const failed = problemRow(/no such table: no_such_table/).first();
    await failed.waitFor({ timeout: 30_000 });
    assert.match(await failed.innerText(), /statement 2 of the up section failed[\s\S]*\[Ln 3, Col 1\]/);
    await failed.dblclick();
    await page().locator('.monaco-editor .view-lines', { hasText: 'no_such_table' }).first().waitFor({ timeout: 15_000 });
    await quickFix('Apply the pending migrations of app again');
    assert.equal(await page().locator('.action-widget .monaco-list-row, .context-view .action-label', { hasText: /Retry|retry/ }).count(), 0, 'no retry offered for an SQL mistake');
    await screenshot('truth-9-failed-migration-at-its-statement');
    await page().keyboard.press('Escape');
  });
});

/** Picks a row of the open quick pick by typing its label and pressing Enter on the exact match. */
async function pickQuick(text: string, label: RegExp = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)): Promise<void> {
  const page = session().page;
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: label }) }).first();
  // The picker may still be filling itself when first shown: type until the filter holds, then Enter.
  for (let attempt = 0; ; attempt++) {
    await input.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text, { delay: 20 });
    const narrowed = await assertEventually(async () => (await exact.isVisible()) && label.test((await rows.first().locator('.label-name').innerText()).trim()), `"${text}" first`, 5_000).then(() => true, () => false);
    if (narrowed) break;
    if (attempt >= 3) throw new Error(`the quick pick did not narrow to ${text}: ${(await rows.allInnerTexts()).join(' | ')}`);
  }
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 15_000 });
}

async function assertEventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out: ${what}`);
}

