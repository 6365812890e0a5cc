import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureNode, NODE22_VERSION } from '../../harness/nodeRuntime';

const BUNDLE = resolve(__dirname, '../../../../dist/cli.js');

function hasNodeSqlite(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

/**
 * `dist/cli.js` alone in a folder with no node_modules (so no better-sqlite3 to load), run by Node
 * 22: it must choose node:sqlite by itself and work end to end.
 */
describe('the CLI bundle alone, without node_modules, on Node 22 (node:sqlite)', function () {
  this.timeout(300_000);
  let dir: string;
  let node: string;

  before(async () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: build it first (node scripts/build.mjs)`);
    node = hasNodeSqlite(process.versions.node) ? process.execPath : await ensureNode(NODE22_VERSION);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rb-cli-alone-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a failing task, records it and lists it', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    copyFileSync(BUNDLE, join(bin, 'cli.js'));
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, '.rebound'), { recursive: true });
    writeFileSync(join(ws, '.rebound', 'config.json'), JSON.stringify({ tasks: { broken: { command: 'echo "fatal: permission denied" >&2; exit 1', retry: 'none' } } }));
    const env = { ...process.env };
    delete env.REBOUND_SQLITE_DRIVER;
    delete env.NODE_PATH;
    const cli = (...args: string[]) => spawnSync(node, [join(bin, 'cli.js'), '-C', ws, ...args], { encoding: 'utf8', env, timeout: 60_000 });
    // Nothing to find: better-sqlite3 does not resolve from the bundle's folder.
    const probe = spawnSync(node, ['-e', "try { require.resolve('better-sqlite3'); console.log('found') } catch { console.log('absent') }"], { cwd: bin, encoding: 'utf8', env });
    assert.equal(probe.stdout.trim(), 'absent');

    const run = cli('run', 'broken');
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /fatal: permission denied/);
    assert.doesNotMatch(run.stderr, /ExperimentalWarning/, 'node:sqlite loads without its warning');
    assert.doesNotMatch(run.stderr, /cannot load a SQLite driver/);
    assert.ok(existsSync(join(ws, '.rebound', 'rebound.db')), 'the failure was recorded in .rebound/rebound.db');

    const list = cli('errors', 'list', '--json');
    assert.equal(list.status, 0, list.stderr);
    const doc = JSON.parse(list.stdout) as { items?: Array<{ code: string; task?: string | null }>; issues?: Array<{ code: string; task?: string | null }> };
    const issues = doc.items ?? doc.issues ?? [];
    assert.ok(issues.some((i) => i.code === 'RB-FS-EACCES'), list.stdout);
  });
});
