import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';

/**
 * The harness runs this suite on each VS Code of the matrix and says, through
 * REBOUND_TEST_EXPECT_DRIVER, which driver that VS Code's extension host must end up with:
 * better-sqlite3 on code-server 1.100.3 (Node 20), node:sqlite on the newest code-server (Node 24,
 * where Rebound's better-sqlite3 binary cannot load).
 */
describe('SQLite driver in the extension host', function () {
  this.timeout(30_000);
  let api: ReboundApi;

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
  });

  it('opens the store with the driver this VS Code can load and names it in the Health view', () => {
    const expected = process.env.REBOUND_TEST_EXPECT_DRIVER ?? 'better-sqlite3';
    const handles = api.session!.store(true);
    assert.ok(handles, `the store opened (${api.session!.error?.message ?? ''})`);
    const driver = api.session!.driver();
    assert.ok(!(driver instanceof Error), String(driver));
    assert.equal(driver.name, expected, `Node ${process.versions.node}: ${driver.reason}`);
    const tree = api.ui!.health;
    const store = tree.getChildren().find((n) => n.kind === 'store');
    assert.ok(store, 'the Health view lists the store');
    const item = tree.getTreeItem(store);
    assert.match(String(item.description), new RegExp(`^${expected.replace(/[.:]/g, '\\$&')} · SQLite 3\\.\\d+\\.\\d+$`));
    // The store answers through that driver (the other suites write and read through it too).
    assert.equal(typeof handles.errors.statistics().totals.events, 'number');
  });
});
