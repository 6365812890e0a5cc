import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureNode, NODE22_VERSION } from '../../harness/nodeRuntime';
import { sqlite } from '../../../src/store/sqlite';

const BROKEN = { command: 'echo "connect ECONNREFUSED 127.0.0.1:5432" >&2; exit 1', retry: 'none' };
const CLI = resolve(__dirname, '../../../src/cli/main.js');
const SYSTEM_NODE = 'node'; // Node 20, which node_modules/better-sqlite3 is built for

interface Outcome {
  who: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(who: string, node: string, driver: string, cwd: string, ...args: string[]): Promise<Outcome> {
  return new Promise((done) => {
    const env = { ...process.env, REBOUND_SQLITE_DRIVER: driver };
    const child = spawn(node, [CLI, '-C', cwd, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ who, code, stdout, stderr }));
  });
}

/**
 * Two real processes on one workspace at the same time: the CLI on better-sqlite3 under Node 20
 * and the CLI on node:sqlite under Node 22, both recording failures into .rebound/rebound.db and
 * both running `migrate up` (the same migration lock in the same app database). Nothing is lost,
 * nothing is applied twice, both files pass integrity_check.
 */
describe('mixed drivers on one workspace (better-sqlite3 on Node 20 + node:sqlite on Node 22, real processes)', function () {
  this.timeout(600_000);
  let ws: string;
  let node22: string;

  before(async () => {
    node22 = await ensureNode(NODE22_VERSION);
  });
  beforeEach(() => {
    ws = mkdtempSync(join(tmpdir(), 'rb-mixed-'));
    mkdirSync(join(ws, '.rebound'));
    mkdirSync(join(ws, 'migrations'));
    writeFileSync(
      join(ws, '.rebound', 'config.json'),
      JSON.stringify({ tasks: { 'broken-a': BROKEN, 'broken-b': BROKEN }, databases: { app: { path: 'data/app.db', migrations: 'migrations' } } }),
    );
    // Slow enough (a few hundred thousand rows) that the two runs meet at the lock.
    writeFileSync(join(ws, 'migrations', '0001_big.sql'), '-- rebound:up\nCREATE TABLE big (n INTEGER);\nWITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 300000) INSERT INTO big SELECT n FROM c;\n\n-- rebound:down\nDROP TABLE big;\n');
    writeFileSync(join(ws, 'migrations', '0002_small.sql'), '-- rebound:up\nCREATE TABLE small (x TEXT);\n\n-- rebound:down\nDROP TABLE small;\n');
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') process.stdout.write(`kept ${ws}\n`); else rmSync(ws, { recursive: true, force: true }); });

  it('records every failure from both, applies each migration once, and leaves both files intact', async () => {
    const ROUNDS = 4;
    const a = (...args: string[]) => cli('better-sqlite3@node20', SYSTEM_NODE, 'better-sqlite3', ws, ...args);
    const b = (...args: string[]) => cli('node:sqlite@node22', node22, 'node:sqlite', ws, ...args);

    const migrate = await Promise.all([a('migrate', 'up', '--json'), b('migrate', 'up', '--json')]);
    for (const m of migrate) assert.ok(m.code === 0 || m.code === 3, `${m.who}: migrate up exited ${m.code}: ${m.stderr}`);
    assert.ok(migrate.some((m) => m.code === 0), 'one of them applied the migrations');

    const runs: Outcome[] = [];
    // Two tasks: two runs of one task at once would stop the second (its owner lock, exit 3).
    for (let i = 0; i < ROUNDS; i++) runs.push(...(await Promise.all([a('run', 'broken-a'), b('run', 'broken-b')])));
    for (const r of runs) {
      assert.equal(r.code, 1, `${r.who}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /SQLITE_(BUSY|CORRUPT)|database is locked|malformed/, r.who);
    }

    // A failure that met the other process's write lock waited in a spool file beside the
    // database; the next open (either driver) imports it.
    const summary = await b('errors', 'summary');
    assert.equal(summary.code, 0, summary.stderr);

    const Database = sqlite();
    const store = new Database(join(ws, '.rebound', 'rebound.db'), { readonly: true });
    try {
      assert.deepEqual(store.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      const said = runs.map((r) => `${r.who}: ${r.stderr.trim()}`).join('\n');
      assert.equal(store.prepare("SELECT count(*) FROM events WHERE code = 'RB-NET-ECONNREFUSED'").pluck().get(), 2 * ROUNDS, `every failure of both processes is recorded; the runs said:\n${said}`);
      // One pending dead letter per task, counting every failure it stands for.
      const letters = store.prepare("SELECT context_json FROM dead_letters WHERE kind = 'task' AND state = 'pending'").pluck().all() as string[];
      assert.equal(letters.length, 2, 'one pending dead letter per task');
      assert.deepEqual(letters.map((c) => (JSON.parse(c) as { failures?: number }).failures), [ROUNDS, ROUNDS], 'each counts every failure of its task');
    } finally {
      store.close();
    }
    const app = new Database(join(ws, 'data', 'app.db'), { readonly: true });
    try {
      assert.deepEqual(app.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      assert.equal(app.prepare('SELECT count(*) FROM big').pluck().get(), 300000, 'the big migration ran exactly once');
      // The migration history: the table with the applied migrations' checksums.
      const history = app.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%up_checksum%'").pluck().all() as string[];
      assert.equal(history.length, 1, `one history table: ${history.join(', ')}`);
      const versions = app.prepare(`SELECT version FROM "${history[0]}" WHERE success = 1 ORDER BY version`).pluck().all();
      assert.deepEqual(versions.map(String), ['1', '2'], 'each migration applied once');
    } finally {
      app.close();
    }
  });
});
