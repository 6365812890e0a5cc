import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');
const SYSTEM_NODE = 'node'; // the Node on PATH, which node_modules/better-sqlite3 was built for

/** The VSIXs `npm run package` makes, unpacked and run through the CLI bundle they carry. */
describe('npm run package: universal and platform-specific VSIX', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rb-vsix-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function unpack(name: string, ...args: string[]): string {
    const vsix = join(dir, `${name}.vsix`);
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--skip-build', '--out', vsix, ...args], { cwd: ROOT, stdio: 'pipe' });
    const to = join(dir, name);
    mkdirSync(to);
    execFileSync('unzip', ['-q', vsix, '-d', to]);
    return join(to, 'extension');
  }

  function workspace(): string {
    const ws = mkdtempSync(join(dir, 'ws-'));
    mkdirSync(join(ws, '.rebound'));
    writeFileSync(join(ws, '.rebound', 'config.json'), JSON.stringify({ tasks: { broken: { command: 'exit 3', retry: 'none' } } }));
    return ws;
  }

  it('the platform-specific VSIX carries better-sqlite3 and loads it from native/ (no node_modules)', () => {
    const ext = unpack('linux', '--target', 'linux-x64', '--better-sqlite3', join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
    const ws = workspace();
    const env = { ...process.env, REBOUND_SQLITE_DRIVER: 'better-sqlite3' };
    const run = spawnSync(SYSTEM_NODE, [join(ext, 'dist', 'cli.js'), '-C', ws, 'run', 'broken'], { encoding: 'utf8', env });
    assert.equal(run.status, 1, run.stderr);
    const list = spawnSync(SYSTEM_NODE, [join(ext, 'dist', 'cli.js'), '-C', ws, 'errors', 'list', '--json'], { encoding: 'utf8', env });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /"broken"/);
  });

  it('refuses a binary of the wrong format for the target, and --better-sqlite3 without --target', () => {
    const notElf = join(dir, 'fake.node');
    writeFileSync(notElf, 'MZ not really a DLL');
    const wrong = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--skip-build', '--target', 'linux-x64', '--better-sqlite3', notElf], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /is a PE file, but linux-x64 loads ELF binaries/);
    const noTarget = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--skip-build', '--better-sqlite3', notElf], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(noTarget.status, 2);
    assert.match(noTarget.stderr, /needs --target/);
  });

  it('the universal VSIX has no native binary; where node:sqlite is missing too it runs in memory and says what to do', () => {
    const ext = unpack('universal');
    // Every page's script and stylesheet is in it (without issue.js the issue page opened blank).
    const built = readdirSync(join(ROOT, 'dist')).filter((f) => /\.(js|css|wasm)$/.test(f));
    for (const f of ['extension.js', 'cli.js', 'webview.js', 'issue.js', 'dashboard.css', 'sql-wasm.wasm']) assert.ok(built.includes(f), `the build makes dist/${f}`);
    const packaged = readdirSync(join(ext, 'dist'));
    assert.deepEqual(built.filter((f) => !packaged.includes(f)), [], 'built files missing from the VSIX');
    assert.deepEqual(packaged.filter((f) => f.endsWith('.map')), [], 'no source maps in the VSIX');
    const ws = workspace();
    const env = { ...process.env };
    delete env.REBOUND_SQLITE_DRIVER;
    const major = Number(spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim());
    const run = spawnSync(SYSTEM_NODE, [join(ext, 'dist', 'cli.js'), '-C', ws, 'errors', 'list'], { encoding: 'utf8', env });
    if (major >= 23 || major === 22) assert.equal(run.status, 0, run.stderr);
    else {
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /^rebound: warning: Rebound has no SQLite driver that can save to disk .*better-sqlite3 could not load .*node:sqlite could not load .*in memory only.*Node 22\.13 or later/);
    }
  });
});
