import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './browser';
import { installedExtensions } from './installed';
import { OLDEST, startCodeServer, VSCODE_VERSION, type VscodeFlavor } from './codeServer';
import { failureLine, type PhaseResult } from './phase';
import { PG_URL_ENV } from './postgres';
import { ROOT, copyWorkspace } from './workspace';

export interface IntegrationProfile {
  name: string;
  /** Fixture workspace folder (copied before the run). */
  fixture: string;
  /** Sub-folder of out/test/integration whose *.test.js run in this profile. */
  suite: string;
  workspaceTrust?: boolean;
  settings?: Record<string, unknown>;
  /** Copy the fixture's .rebound/rebound.db too (benchmarks over a prepared store). */
  keepStore?: boolean;
  /** Environment of the extension host. */
  env?: Record<string, string>;
}

export const PROFILES: IntegrationProfile[] = [
  { name: 'integration', fixture: 'test/fixtures/workspace', suite: 'suite' },
  { name: 'restricted', fixture: 'test/fixtures/restricted', suite: 'restricted', workspaceTrust: true },
  // No SQLite driver that saves: the memory-only sql.js driver, as where neither better-sqlite3 nor node:sqlite loads.
  { name: 'memory-only', fixture: 'test/fixtures/workspace', suite: 'memoryOnly', env: { REBOUND_SQLITE_DRIVER: 'sql.js' } },
];

const TAG = '[rebound:test] ';
const TIMEOUT_MS = Number(process.env.REBOUND_INTEGRATION_TIMEOUT_MS ?? 10 * 60_000);

/** Runs one profile's mocha suites inside a real VS Code extension host. */
export async function runIntegration(profile: IntegrationProfile, flavor: VscodeFlavor = OLDEST): Promise<PhaseResult> {
  const workspace = copyWorkspace(profile.fixture, { keepStore: profile.keepStore });
  const resultsDir = mkdtempSync(join(tmpdir(), 'rb-results-'));
  const resultsFile = join(resultsDir, 'results.json');
  const env: Record<string, string> = { ...profile.env, REBOUND_TEST_RESULTS: resultsFile, REBOUND_TEST_SUITE: profile.suite, REBOUND_TEST_WORKSPACE: workspace, REBOUND_TEST_EXPECT_DRIVER: flavor.expectDriver, REBOUND_TEST_VSCODE_VERSION_EXPECTED: flavor.vscode.split('.').slice(0, 2).join('.') };
  // The PostgreSQL server of the run (run.ts starts one for the integration phases): the
  // PostgreSQL suite fails without it.
  const pgUrl = process.env[PG_URL_ENV];
  if (pgUrl) env[PG_URL_ENV] = pgUrl;
  const name = `${profile.name}@${flavor.name}`;
  const testsPath = join(ROOT, 'out', 'test', 'integration', 'index.js');
  try {
    if (process.env.REBOUND_TEST_VSCODE === 'electron') {
      await runElectron(workspace, testsPath, env, profile);
    } else {
      await runCodeServer(workspace, testsPath, env, profile, flavor);
    }
    if (!existsSync(resultsFile)) return { name, passed: 0, failed: 1, errors: ['the test run wrote no results'] };
    const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as { passed: number; failed: number; failures: Array<{ title: string; error?: string }> };
    return { name, passed: r.passed, failed: r.failed, errors: r.failures.map((f) => failureLine(f.title, f.error)) };
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
    rmSync(join(workspace, '..'), { recursive: true, force: true });
  }
}

async function runCodeServer(workspace: string, testsPath: string, env: Record<string, string>, profile: IntegrationProfile, flavor: VscodeFlavor) {
  const installed = flavor.install ? await installedExtensions() : undefined;
  const server = await startCodeServer({
    workspace,
    env: installed ? { ...env, REBOUND_TEST_INDEX: testsPath } : env,
    flavor,
    workspaceTrust: profile.workspaceTrust,
    settings: profile.settings,
    installExtensions: installed ? [installed.rebound, installed.runner] : undefined,
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const exited = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    page.on('console', (msg) => {
      const text = msg.text();
      // The extension host's console arrives decorated ("%c INFO color: … [rebound:test] …").
      const at = text.indexOf(TAG);
      // Newer workbenches append the %c styles ("color: blue color: ") after the text.
      if (at >= 0) process.stdout.write(`  ${text.slice(at + TAG.length).replace(/(\s+color:[^:]*?)+\s*$/, '')}\n`);
      else if (process.env.REBOUND_TEST_VERBOSE) process.stdout.write(`  [page] ${text}\n`);
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(testsPath)],
    ];
    // Installed: the test-runner extension starts the tests and they write the results file.
    const url = installed
      ? `${server.url}/?folder=${encodeURIComponent(workspace)}`
      : `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the integration run did not finish within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    });
    const written = new Promise<number>((resolve) => {
      if (!installed) return;
      poll = setInterval(() => {
        if (existsSync(env.REBOUND_TEST_RESULTS)) resolve(0);
      }, 500);
    });
    try {
      const code = await Promise.race([exited, written, timeout]);
      process.stdout.write(`  (VS Code ${flavor.vscode} via code-server ${flavor.codeServer} on Node ${flavor.node ?? process.versions.node}${installed ? ', Rebound installed from its universal VSIX' : ''}: the test run exited with ${code})\n`);
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
    }
  } catch (err) {
    process.stdout.write(`  --- code-server log (tail) ---\n${server.log().slice(-4000)}\n`);
    throw err;
  } finally {
    await browser.close();
    await server.stop();
  }
}

async function runElectron(workspace: string, testsPath: string, env: Record<string, string>, profile: IntegrationProfile) {
  // Only where VS Code can be downloaded (a laptop, a hosted CI). better-sqlite3 must be built for
  // that VS Code's Electron first: see README ("Running the suites in desktop VS Code").
  const { runTests } = await import('@vscode/test-electron');
  const launchArgs = [workspace, '--disable-extensions'];
  if (!profile.workspaceTrust) launchArgs.push('--disable-workspace-trust');
  await runTests({
    version: process.env.REBOUND_TEST_VSCODE_VERSION ?? VSCODE_VERSION,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: testsPath,
    extensionTestsEnv: env,
    launchArgs,
  }).catch((err: unknown) => {
    // A non-zero exit is reported through the results file; only a failure to launch is fatal.
    if (!existsSync(env.REBOUND_TEST_RESULTS)) throw err;
  });
}
