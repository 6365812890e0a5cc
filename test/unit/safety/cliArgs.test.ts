import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExecutionError } from '../../../src/engine/errors';
import { ErrorStore } from '../../../src/store';
import { workspacePaths } from '../../../src/store/location';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '-C', cwd, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Issue 15, case 7: strict arguments, EPIPE, -C, config BOM and depth. */
describe('safety: the CLI parses strictly and fails cleanly (issue 15.7)', function () {
  this.timeout(60_000);
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-safety-cli-'));
    mkdirSync(join(root, '.rebound'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function seed(n: number): void {
    const store = ErrorStore.open(workspacePaths(root).db, { workspaceRoot: root });
    const batch = Array.from({ length: n }, (_, i) => ({
      error: new ExecutionError(`step ${i} failed in module m${i}`, { context: { task: `t${i % 7}`, exitCode: 1 } }),
      output: `Error: module m${i} broke`,
    }));
    store.recordBatch(batch);
    store.close();
  }

  it('an unknown flag is exit 2 with "did you mean", and nothing is listed or exported', () => {
    seed(3);
    const list = cli(root, 'errors', 'list', '--stauts', 'resolved');
    assert.equal(list.code, 2);
    assert.match(list.stderr, /unknown option --stauts for errors list; did you mean --status\?/);
    assert.equal(list.stdout, '');
    const exp = cli(root, 'errors', 'export', '--fromat', 'csv');
    assert.equal(exp.code, 2);
    assert.match(exp.stderr, /did you mean --format\?/);
    assert.equal(exp.stdout, '', 'no JSON printed in place of the CSV asked for');
    // A flag of another subcommand is named as such.
    const misplaced = cli(root, 'errors', 'list', '--format', 'csv');
    assert.equal(misplaced.code, 2);
    assert.match(misplaced.stderr, /--format is an option of errors export, not of errors list/);
    // A global option misspelt, a command misspelt, a subcommand misspelt.
    assert.match(spawnSync(process.execPath, [CLI, '--jsn', 'health'], { encoding: 'utf8' }).stderr, /did you mean --json\?/);
    const cmd = cli(root, 'erors', 'list');
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /unknown command "erors"; did you mean errors\?/);
    const sub = cli(root, 'dlq', 'lst');
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /did you mean list\?/);
    // Values: a flag missing its value, a value given to a switch.
    assert.match(cli(root, 'errors', 'list', '--limit').stderr, /--limit expects a value/);
    assert.match(cli(root, 'errors', 'list', '--asc=yes').stderr, /--asc takes no value/);
    // The correct spelling works.
    const ok = cli(root, 'errors', 'list', '--status', 'unresolved', '--json');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).issues.length, 3);
  });

  it('extra arguments are exit 2: health extra, errors summary x, migrate up 3', () => {
    for (const args of [['health', 'extra'], ['errors', 'summary', 'x'], ['migrate', 'up', '3'], ['errors', 'show', '1', '2'], ['recovery', 'list', 'all']]) {
      const r = cli(root, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /takes (no arguments|at most)/, args.join(' '));
    }
  });

  it('a missing or non-folder -C is exit 2 naming it', () => {
    const missing = join(root, 'does-not-exist');
    const r = spawnSync(process.execPath, [CLI, '-C', missing, 'errors', 'list'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.ok(r.stderr.includes(`-C ${missing}: no such folder`), r.stderr);
    writeFileSync(join(root, 'file.txt'), 'x');
    const file = spawnSync(process.execPath, [CLI, '-C', join(root, 'file.txt'), 'health'], { encoding: 'utf8' });
    assert.equal(file.status, 2);
    assert.match(file.stderr, /not a folder/);
  });

  it('a reader that goes away (EPIPE) ends the CLI quietly with status 0', async () => {
    seed(3000);
    // Our end of the pipe is closed before the CLI writes a byte: every write meets EPIPE.
    const child = spawn(process.execPath, [CLI, '-C', root, 'errors', 'summary'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
    // The way people meet it: a shell pipeline into head, with output bigger than the pipe's buffer.
    for (const args of ['errors summary', 'errors export --format csv', 'errors list --limit 3000']) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" -C "${root}" ${args} | head -3 >/dev/null`], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.stderr, '', args);
      assert.equal(r.status, 0, args);
    }
  });

  it('config errors name the file: 2,000 levels of nesting (no stack overflow), while a UTF-8 BOM is accepted', () => {
    const file = join(root, '.rebound', 'config.json');
    writeFileSync(file, `{"tasks": ${'['.repeat(2000)}${']'.repeat(2000)}}`);
    const deep = cli(root, 'run', 'x');
    assert.equal(deep.code, 2, deep.stderr);
    assert.ok(deep.stderr.includes(`${file}:1:`), deep.stderr);
    assert.match(deep.stderr, /nest more than 64 levels deep/);
    assert.doesNotMatch(deep.stderr, /call stack|RangeError|at .*\.js:\d+/);
    const health = cli(root, 'errors', 'guidance');
    assert.equal(health.code, 2, 'every reader of the file refuses it the same way');
    assert.ok(health.stderr.includes(file));

    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{ "tasks": { "hello": { "command": "echo hello" } } }')]));
    const bom = cli(root, 'run', 'hello');
    assert.equal(bom.code, 0, bom.stderr);
    assert.equal(bom.stdout, 'hello\n');
    // A problem in a file with a BOM is placed where the editor shows it (the BOM is no column).
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{ "tasks": { "hello": { "comand": "echo hello" } } }')]));
    const bad = cli(root, 'run', 'hello');
    assert.equal(bad.code, 2);
    assert.ok(bad.stderr.includes(`${file}:1:25: tasks.hello.comand: unknown key "comand"`), bad.stderr);
  });
});
