import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes';
import { ROOT } from './workspace';

/**
 * Rebound as users install it, for the VS Codes whose web client no longer loads an extension
 * under development from the URL payload (code-server 4.139.1 ignores extensionDevelopmentPath
 * there): the universal VSIX (`npm run package`: no better-sqlite3 in it, so node:sqlite runs),
 * plus a small test-runner extension that starts the mocha entry named by REBOUND_TEST_INDEX once
 * the workbench has started.
 */
let built: Promise<{ rebound: string; runner: string }> | undefined;

export function installedExtensions(): Promise<{ rebound: string; runner: string }> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-vsix-'));
    const rebound = join(dir, 'rebound.vsix');
    await run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--out', rebound], { cwd: ROOT, quiet: true, timeoutMs: 300_000 });
    const src = join(dir, 'runner');
    mkdirSync(src);
    writeFileSync(
      join(src, 'package.json'),
      JSON.stringify(
        {
          name: 'rebound-test-runner',
          displayName: 'Rebound test runner',
          description: 'Runs the Rebound integration tests named by REBOUND_TEST_INDEX (tests only).',
          publisher: 'rebound-dev',
          version: '0.0.1',
          license: 'MIT',
          engines: { vscode: '^1.100.0' },
          main: './runner.js',
          activationEvents: ['onStartupFinished'],
          // The restricted-mode suite runs in an untrusted workspace: the runner must start there too.
          capabilities: { untrustedWorkspaces: { supported: true } },
        },
        null,
        2,
      ),
    );
    writeFileSync(
      join(src, 'runner.js'),
      [
        "'use strict';",
        'exports.activate = function () {',
        '  const index = process.env.REBOUND_TEST_INDEX;',
        '  if (!index) return;',
        '  setTimeout(() => {',
        '    require(index).run().catch((err) => console.error(`[rebound:test] ${err && err.message}`));',
        '  }, 0);',
        '};',
        'exports.deactivate = function () {};',
        '',
      ].join('\n'),
    );
    writeFileSync(join(src, 'README.md'), '# Rebound test runner\n\nStarts the Rebound integration tests (harness only).\n');
    writeFileSync(join(src, 'LICENSE'), 'MIT\n');
    const runner = join(dir, 'runner.vsix');
    await run(join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '--skip-license', '--out', runner], { cwd: src, quiet: true, timeoutMs: 120_000 });
    if (!existsSync(rebound) || !existsSync(runner)) throw new Error('packaging the VSIX for the installed-extension test run failed');
    return { rebound, runner };
  })();
  return built;
}
