import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from './browser';
import { OLDEST, startCodeServer, type VscodeFlavor } from './codeServer';
import { installedExtensions } from './installed';
import { findFiles, runMocha } from './mochaPhase';
import type { PhaseResult } from './phase';
import { ROOT, copyWorkspace } from './workspace';
import { setSession } from '../ui/session';
import { seedDemoStore } from '../ui/seed';
import { screenshot } from '../ui/workbench';
import type Mocha from 'mocha';

/** Runs the UI tests (playwright-core + Chromium) against the real workbench on the demo workspace. */
export async function runUi(flavor: VscodeFlavor = OLDEST): Promise<PhaseResult> {
  const workspace = copyWorkspace('demo');
  seedDemoStore(workspace);
  // A VS Code whose web client ignores extensionDevelopmentPath gets the universal VSIX installed.
  const installed = flavor.install ? await installedExtensions() : undefined;
  const server = await startCodeServer({ workspace, flavor, installExtensions: installed ? [installed.rebound] : undefined });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const resultsDir = join(ROOT, 'test-results', 'ui');
    // The workbench's console (the extension host's included) goes to a log next to the
    // screenshots, to read when a UI test fails.
    mkdirSync(resultsDir, { recursive: true });
    const consoleLog = join(resultsDir, 'console.log');
    writeFileSync(consoleLog, '');
    page.on('console', (msg) => appendFileSync(consoleLog, `${new Date().toISOString()} ${msg.type()} ${msg.text()}\n`));
    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${ROOT}`]];
    const workbenchUrl = installed
      ? `${server.url}/?folder=${encodeURIComponent(workspace)}`
      : `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    setSession({ server, browser, page, workspace, workbenchUrl, resultsDir });
    // A failed test leaves a screenshot of the workbench as it was, next to the others.
    const rootHooks = {
      async afterEach(this: Mocha.Context) {
        const t = this.currentTest;
        if (t?.state !== 'failed') return;
        const name = `failed-${t.fullTitle().replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80)}`;
        await screenshot(name).catch(() => undefined);
      },
    };
    return await runMocha(`ui@${flavor.name}`, findFiles(join(ROOT, 'out', 'test', 'ui'), '.test.js'), { timeout: 120_000, rootHooks });
  } finally {
    setSession(undefined);
    await browser.close();
    await server.stop();
  }
}
