import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../../src/store/database';
import { STORE_STEPS } from '../../../src/store/schema';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '-C', cwd, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A pid no process has (a dead run owner). */
const DEAD_PID = 2 ** 22 - 3;

describe('safety: only what .rebound/config.json says now is ever run (issue 15.1)', function () {
  this.timeout(60_000);
  let root: string;
  let db: string;

  const config = (tasks: unknown) => writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ tasks }));

  /** Plants a `running` run of a dead owner straight into the database, as a committed rebound.db could carry it. */
  function plantRun(id: string, name: string, definition: unknown, steps: string[], version = STORE_STEPS.length, hash: string | null = null): void {
    const { db: conn } = openDatabase(db, { steps: STORE_STEPS.slice(0, version) });
    try {
      const cols = version >= 4 ? ', definition_hash' : '';
      conn
        .prepare(
          `INSERT INTO runs (id, kind, name, state, owner_pid, owner_host, owner_start, started_at, heartbeat, definition_json${cols})
           VALUES (?, 'task', ?, 'running', ?, ?, NULL, 1, 1, ?${version >= 4 ? ', ?' : ''})`,
        )
        .run(id, name, DEAD_PID, hostname(), JSON.stringify(definition), ...(version >= 4 ? [hash] : []));
      steps.forEach((s, i) => conn.prepare(`INSERT INTO run_steps (run_id, idx, name, state) VALUES (?, ?, ?, 'pending')`).run(id, i, s));
      conn.prepare(`INSERT INTO journal (run_id, time, entry, step_idx, data_json) VALUES (?, 1, 'run-started', NULL, ?)`).run(id, JSON.stringify({ steps }));
    } finally {
      conn.close();
    }
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-defs-'));
    mkdirSync(join(root, '.rebound'));
    db = join(root, '.rebound', 'rebound.db');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a run of a task missing from the config, with a command only in the database, is never executed (resume nor automatic)', () => {
    config({ other: { command: 'true' } });
    plantRun('evil', 'ghost', { name: 'ghost', steps: [{ name: 'ghost', command: 'echo PWNED > pwned.txt' }], cwd: '.', env: {} }, ['ghost']);
    for (const strategy of ['guided', 'automatic']) {
      const r = cli(root, 'recovery', 'execute', 'evil', '--action', 'resume', '--strategy', strategy);
      assert.notEqual(r.code, 0, r.stderr);
      assert.match(r.stderr, /no longer defines the task "ghost"/);
      assert.match(r.stderr, /--action abandon/);
    }
    assert.ok(!existsSync(join(root, 'pwned.txt')), 'the stored command did not run');
    // Rollback has nothing from the config to run either; abandon closes it without running anything.
    assert.notEqual(cli(root, 'recovery', 'execute', 'evil', '--action', 'rollback').code, 0);
    const abandon = cli(root, 'recovery', 'execute', 'evil', '--action', 'abandon');
    assert.equal(abandon.code, 0, abandon.stderr);
    assert.ok(!existsSync(join(root, 'pwned.txt')));
  });

  it('an old database (store v3) keeps opening: full definitions are rewritten as redacted copies with their hash', () => {
    const full = {
      name: 'deploy',
      steps: [{ name: 'push', command: 'deploy --token=pl4nted-old-token', undo: 'undeploy' }],
      cwd: '.',
      env: { DB_PASSWORD: 'pl4nted-old-env-value' },
      retry: 'none',
      problems: [],
      rules: [{ match: { output: 'x'.repeat(5000) }, category: 'transient', code: 'APP-X' }],
    };
    plantRun('old1', 'deploy', full, ['push'], 3);
    config({ deploy: { steps: [{ name: 'push', command: 'deploy --token=pl4nted-old-token', undo: 'undeploy' }], env: { DB_PASSWORD: 'pl4nted-old-env-value' }, retry: 'none' } });
    const details = cli(root, 'recovery', 'details', 'old1', '--json');
    assert.equal(details.code, 0, details.stderr);
    const { db: conn } = openDatabase(db);
    try {
      const row = conn.prepare(`SELECT definition_json, definition_hash FROM runs WHERE id = 'old1'`).get() as { definition_json: string; definition_hash: string };
      assert.ok(!row.definition_json.includes('pl4nted'), row.definition_json);
      assert.ok(!row.definition_json.includes('xxxxx'), 'no rules: not a second copy of the config');
      assert.match(row.definition_hash, /^[0-9a-f]{64}$/);
    } finally {
      conn.close();
    }
    const bytes = readFileSync(db).toString('latin1') + (existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`).toString('latin1') : '');
    assert.ok(!bytes.includes('pl4nted-old-env-value') && !bytes.includes('pl4nted-old-token'), 'the old text is gone from the files too');
  });

  it('a changed config: resume is refused with the differences shown; rollback runs the config\'s undo; the same config resumes', () => {
    writeFileSync(join(root, 'log.txt'), '');
    const steps = [
      { name: 'a', command: 'echo a >> log.txt', undo: 'echo undo-a >> log.txt' },
      { name: 'b', command: 'echo b >> log.txt; exit 1', undo: 'echo undo-b >> log.txt' },
    ];
    config({ job: { steps, retry: 'none' } });
    assert.equal(cli(root, 'run', 'job').code, 1);
    const { db: conn } = openDatabase(db);
    const id = conn.prepare(`SELECT id FROM runs WHERE name = 'job' ORDER BY started_at DESC LIMIT 1`).pluck().get() as string;
    conn.close();
    // The step b's command changes in the config: resuming would run something else than the run started.
    config({ job: { steps: [steps[0], { ...steps[1], command: 'echo CHANGED >> log.txt' }], retry: 'none' } });
    const refused = cli(root, 'recovery', 'execute', id, '--action', 'resume');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no longer defines what it started with/);
    assert.match(refused.stderr, /steps\[1\]\.command: "echo b >> log.txt; exit 1" -> "echo CHANGED >> log.txt"/);
    assert.ok(!readFileSync(join(root, 'log.txt'), 'utf8').includes('CHANGED'));
    const rollback = cli(root, 'recovery', 'execute', id, '--action', 'rollback');
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.deepEqual(readFileSync(join(root, 'log.txt'), 'utf8').trim().split('\n'), ['a', 'b', 'undo-a']);
    // With the config as the run started, resume works as before.
    config({ job: { steps: [steps[0], { ...steps[1], command: 'echo b2 >> log.txt' }], retry: 'none' } });
    assert.equal(cli(root, 'run', 'job').code, 0);
  });
});
