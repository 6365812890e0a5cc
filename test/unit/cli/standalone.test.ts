import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

/**
 * The same bundle (with sql.js's WebAssembly beside it) on Node 20, where neither better-sqlite3
 * nor node:sqlite loads: the CLI still runs, retries and classifies a failing task, says once what
 * is missing, and writes nothing; a migration, which needs a file, is refused.
 */
describe('the CLI bundle alone on Node 20: no driver that saves, so memory only (sql.js)', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rb-cli-nodriver-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a failing task with its retries, says once that nothing is kept, writes no database; refuses a migration', () => {
    const node = 'node'; // the Node on PATH: Node 20, which has no node:sqlite
    const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    assert.ok(!hasNodeSqlite(version), `this test needs a Node without node:sqlite on PATH (Node 20); found ${version}`);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const f of ['cli.js', 'sql-wasm.wasm']) copyFileSync(join(dirname(BUNDLE), f), join(bin, f));
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, '.rebound'), { recursive: true });
    mkdirSync(join(ws, 'migrations'));
    writeFileSync(join(ws, 'migrations', '0001_a.sql'), '-- rebound:up\nCREATE TABLE a (id INTEGER);\n-- rebound:down\nDROP TABLE a;\n');
    writeFileSync(
      join(ws, '.rebound', 'config.json'),
      JSON.stringify({
        tasks: { fetch: { command: 'curl -sS --max-time 5 http://127.0.0.1:9/health', retry: { maxAttempts: 3, backoff: { kind: 'fixed', baseMs: 0 } } } },
        databases: { app: { path: 'app.db', migrations: 'migrations' } },
      }),
    );
    const env = { ...process.env };
    delete env.REBOUND_SQLITE_DRIVER;
    delete env.NODE_PATH;
    const cli = (...args: string[]) => spawnSync(node, [join(bin, 'cli.js'), '-C', ws, ...args], { encoding: 'utf8', env, timeout: 60_000 });

    const run = cli('run', 'fetch');
    assert.equal(run.status, 1, run.stderr);
    const warnings = run.stderr.match(/no SQLite driver that can save to disk/g) ?? [];
    assert.equal(warnings.length, 1, `said once: ${run.stderr}`);
    assert.match(run.stderr, /better-sqlite3 could not load .*node:sqlite could not load .*in memory only.*Node 22\.13 or later/);
    assert.equal(((run.stdout + run.stderr).match(/Couldn't connect to server/g) ?? []).length, 3 + 1, 'curl really ran three times (and the failure quotes it as evidence)');
    assert.match(run.stderr, /\(attempt 3\)/);
    assert.match(run.stderr, /failed at step 1 "fetch": \[RB-NET-ECONNREFUSED\]/);
    assert.match(run.stderr, /not recorded: no SQLite driver that saves to disk/);
    assert.doesNotMatch(run.stderr, /rebound errors show|dlq retry/, 'no pointer to an issue or dead letter that will not exist');
    assert.deepEqual(readdirSync(join(ws, '.rebound')), ['config.json'], 'nothing written');

    const migrate = cli('migrate', 'up');
    assert.equal(migrate.status, 1, migrate.stderr);
    assert.match(migrate.stderr, /\[RB-STORE-NATIVE\] .*needs a database file.*Node 22\.13 or later/);
    assert.equal(existsSync(join(ws, 'app.db')), false, 'no database created');
  });
});
