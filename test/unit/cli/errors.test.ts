import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExecutionError } from '../../../src/engine/errors';
import { ErrorStore } from '../../../src/store';
import { workspacePaths } from '../../../src/store/location';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '-C', cwd, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('rebound errors / rebound health (CLI, real processes)', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-errors-cli-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function seed(): number[] {
    const store = ErrorStore.open(workspacePaths(root).db, { workspaceRoot: root });
    const ids = store
      .recordBatch([
        { error: new ExecutionError('deploy failed', { context: { task: 'deploy', exitCode: 1 } }), output: 'Error: connect ECONNRESET\n' },
        { error: new ExecutionError('deploy failed', { context: { task: 'deploy', exitCode: 1 } }), output: 'Error: connect ECONNRESET\n' },
        { message: 'disk full \u001b[31mred', output: 'ENOSPC: no space left on device', context: { task: 'build' } },
      ])
      .map((r) => r.issueId);
    store.close();
    return [...new Set(ids)];
  }

  it('reads an empty workspace without creating a database (exit 0)', () => {
    const list = cli(root, 'errors', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).issues, []);
    const health = cli(root, 'health');
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stdout, /Overall: healthy/);
    assert.ok(!existsSync(workspacePaths(root).db));
  });

  it('summary, list and show print tables and JSON; terminal control characters are neutralised', () => {
    const [deploy, disk] = seed();
    const summary = cli(root, 'errors', 'summary');
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /2 unresolved/);
    const s = JSON.parse(cli(root, 'errors', 'summary', '--json').stdout);
    assert.equal(s.statistics.totals.events, 3);
    const list = cli(root, 'errors', 'list');
    assert.match(list.stdout, /RB-NET-ECONNRESET/);
    assert.ok(!list.stdout.includes('\u001b'));
    const events = JSON.parse(cli(root, 'errors', 'list', '--events', '--task', 'deploy', '--json').stdout);
    assert.equal(events.events.length, 2);
    const show = cli(root, 'errors', 'show', String(deploy));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Connection reset/);
    assert.match(show.stdout, /What to do:/);
    const shown = JSON.parse(cli(root, 'errors', 'show', String(disk), '--json').stdout);
    assert.deepEqual([shown.issue.code, shown.guidance.code], ['RB-SYS-ENOSPC', 'RB-SYS-ENOSPC']);
  });

  it('resolve, ignore and reopen change the status; health follows; a missing issue exits 1', () => {
    const [deploy, disk] = seed();
    assert.equal(cli(root, 'health').code, 0); // degraded is not failing
    assert.equal(JSON.parse(cli(root, 'health', '--json').stdout).health.status, 'degraded');
    assert.equal(cli(root, 'errors', 'resolve', String(disk)).code, 0);
    const ig = JSON.parse(cli(root, 'errors', 'ignore', String(deploy), '--count', '5', '--json').stdout);
    assert.deepEqual([ig.issue.status, ig.issue.ignore], ['ignored', { mode: 'count', remaining: 5 }]);
    assert.equal(JSON.parse(cli(root, 'health', '--json').stdout).health.status, 'healthy');
    const re = JSON.parse(cli(root, 'errors', 'reopen', String(deploy), '--json').stdout);
    assert.equal(re.issue.status, 'unresolved');
    const missing = cli(root, 'errors', 'resolve', '999');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no issue 999/);
  });

  it('exports JSON and CSV to stdout and to a file', () => {
    seed();
    const json = cli(root, 'errors', 'export', '--format', 'json', '--status', 'all');
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).length, 3);
    const csv = cli(root, 'errors', 'export', '--format', 'csv', '--task', 'build');
    assert.equal(csv.stdout.trim().split('\r\n').length, 2);
    const out = join(root, 'out.csv');
    assert.equal(cli(root, 'errors', 'export', '--format', 'csv', '--output', out).code, 0);
    assert.equal(readFileSync(out, 'utf8').trim().split('\r\n').length, 4);
  });

  it('guidance works without a database, knows user rules, and exits 1 for an unknown code', () => {
    mkdirSync(join(root, '.rebound'));
    writeFileSync(
      join(root, '.rebound', 'config.json'),
      JSON.stringify({ rules: [{ match: { output: 'importer busy' }, category: 'transient', code: 'APP-IMPORTER', guidance: 'Wait for the nightly import.' }] }),
    );
    const g = cli(root, 'errors', 'guidance', 'RB-SQLITE-BUSY');
    assert.equal(g.code, 0);
    assert.match(g.stdout, /SQLITE_BUSY/);
    assert.match(cli(root, 'errors', 'guidance', 'APP-IMPORTER').stdout, /nightly import/);
    assert.equal(cli(root, 'errors', 'guidance', 'NOPE').code, 1);
    assert.ok(!existsSync(workspacePaths(root).db));
  });

  it('exit 2 on bad usage and bad config', () => {
    assert.equal(cli(root, 'errors').code, 2);
    assert.equal(cli(root, 'errors', 'frobnicate').code, 2);
    assert.equal(cli(root, 'errors', 'show', 'abc').code, 2);
    assert.equal(cli(root, 'errors', 'list', '--severity', 'HUGE').code, 2);
    assert.equal(cli(root, 'errors', 'list', '--since', 'yesterday').code, 2);
    assert.equal(cli(root, 'errors', 'export', '--format', 'xml').code, 2);
    mkdirSync(join(root, '.rebound'));
    writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ rules: [{ match: {}, category: 'transient', code: 'X' }] }));
    const bad = cli(root, 'errors', 'list');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /config\.json:1:\d+: rules\[0\]\.match/);
    writeFileSync(join(root, '.rebound', 'config.json'), '{ not json');
    assert.equal(cli(root, 'health').code, 2);
  });

  it('health exits 1 when a component is failing, and clear empties the store', () => {
    const store = ErrorStore.open(workspacePaths(root).db, { workspaceRoot: root });
    store.recordBatch(Array.from({ length: 60 }, (_, i) => ({ message: `distinct failure ${'x'.repeat(i)}`, context: { task: 'build' } })));
    store.close();
    const h = cli(root, 'health', '--json');
    assert.equal(h.code, 1);
    assert.equal(JSON.parse(h.stdout).health.status, 'failing');
    assert.equal(cli(root, 'errors', 'clear').code, 0);
    assert.equal(cli(root, 'health').code, 0);
  });
});
