import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spoolFiles } from '../../../src/store/spool';
import { sqlite } from '../../../src/store/sqlite';
import { PLANTED_SECRETS, PRIVATE_KEY_BODY } from './secrets';

const CLI = resolve(__dirname, '../../../src/cli/main.js');
const SQLITE = require.resolve('better-sqlite3');

const ENV_SECRET = 'pl4nted-task-env-Value-91';
const PROCESS_SECRET = 'pl4nted-process-TOKEN-value-37';

function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, '-C', cwd, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every secret planted, and every key body line: none may be found in any file Rebound writes. */
const NEEDLES = [...new Set([...PLANTED_SECRETS.map((s) => s.secret), ENV_SECRET, PROCESS_SECRET, ...PRIVATE_KEY_BODY.slice(1, -1)])];

/** The planted texts in chunks that fit the details an event keeps (the last 4000 characters of output). */
function chunks(): string[] {
  const out: string[] = [];
  let cur = '';
  for (const s of PLANTED_SECRETS) {
    if (cur.length + s.text.length > 3000) {
      out.push(cur);
      cur = '';
    }
    cur += `${s.text}\n`;
  }
  out.push(cur);
  return out;
}

describe('safety: no planted secret at rest (database, WAL, spool), also after errors clear', function () {
  this.timeout(180_000);
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-secrets-'));
    mkdirSync(join(root, '.rebound'));
  });
  afterEach(() => {
    for (const f of spoolFiles(join(root, '.rebound', 'rebound.db'))) rmSync(f, { force: true });
    rmSync(root, { recursive: true, force: true });
  });

  /** The files Rebound wrote for this workspace: everything in .rebound/ and the spool files. */
  function files(): string[] {
    const dir = join(root, '.rebound');
    return [...readdirSync(dir).filter((f) => f !== 'config.json').map((f) => join(dir, f)), ...spoolFiles(join(dir, 'rebound.db'))];
  }

  /** Which needles are in the raw bytes of the files, or in any text value of any table (overflow pages split long text). */
  function found(): string[] {
    const hits = new Set<string>();
    for (const f of files()) {
      if (!existsSync(f)) continue;
      const bytes = readFileSync(f).toString('latin1');
      for (const n of NEEDLES) if (bytes.includes(n)) hits.add(`${n} in ${f}`);
    }
    const Database = sqlite();
    const conn = new Database(join(root, '.rebound', 'rebound.db'), { readonly: true });
    try {
      const tables = conn.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all() as string[];
      for (const t of tables) {
        for (const row of conn.prepare(`SELECT * FROM "${t}"`).iterate() as IterableIterator<Record<string, unknown>>) {
          const text = Object.values(row).filter((v) => typeof v === 'string').join('\n');
          for (const n of NEEDLES) if (text.includes(n)) hits.add(`${n} in table ${t}`);
        }
      }
    } finally {
      conn.close();
    }
    return [...hits];
  }

  it(`plants ${NEEDLES.length} secrets (${PLANTED_SECRETS.length} token shapes, task env, process env, a key whose BEGIN is outside the tail), runs real tasks, and finds none`, () => {
    const parts = chunks();
    parts.forEach((text, i) => writeFileSync(join(root, `chunk${i}.txt`), text));
    // A private key whose BEGIN line is more than 4000 characters before the end of the output.
    const body = Array.from({ length: 80 }, (_, i) => PRIVATE_KEY_BODY[1 + (i % 3)]).join('\n');
    writeFileSync(join(root, 'key.txt'), `${PRIVATE_KEY_BODY[0]}\n${body}\n${PRIVATE_KEY_BODY[4]}\n${PRIVATE_KEY_BODY[5]}\n`);
    writeFileSync(join(root, 'holder.js'), `const D = require(${JSON.stringify(SQLITE)}); const db = new D(process.argv[2]); db.exec('BEGIN IMMEDIATE'); require('fs').writeFileSync(process.argv[3], String(process.pid)); setTimeout(() => process.exit(0), 20000);`);
    const tasks: Record<string, unknown> = {};
    parts.forEach((_, i) => {
      tasks[`leak${i}`] = { command: `cat chunk${i}.txt; echo "pw=$DB_PASSWORD tok=$MY_SERVICE_TOKEN"; exit 1`, env: { DB_PASSWORD: ENV_SECRET }, retry: 'none' };
    });
    tasks.key = { command: 'cat key.txt; echo "ssh: could not load key"; exit 1', retry: 'none' };
    tasks.flags = {
      steps: [
        { name: 'push', command: `echo pushing; true --token=${PLANTED_SECRETS[12].secret}`, undo: `echo undo --password ${ENV_SECRET}` },
        { name: 'fail', command: `echo "remote: ${PLANTED_SECRETS[0].text}"; exit 1` },
      ],
      env: { DB_PASSWORD: ENV_SECRET },
      retry: 'none',
    };
    // The database is locked by another process while this one fails: its event goes to the spool.
    tasks.spooled = {
      command: `node holder.js .rebound/rebound.db ready >/dev/null 2>&1 & while [ ! -f ready ]; do sleep 0.05; done; cat chunk0.txt; echo "pw=$DB_PASSWORD"; exit 1`,
      env: { DB_PASSWORD: ENV_SECRET },
      retry: 'none',
    };
    writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ tasks }));
    const env = { MY_SERVICE_TOKEN: PROCESS_SECRET };
    for (const name of Object.keys(tasks).filter((n) => n !== 'spooled')) {
      const r = cli(root, ['run', name], env);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    }
    const locked = cli(root, ['run', 'spooled'], env);
    const holder = Number(readFileSync(join(root, 'ready'), 'utf8'));
    assert.equal(locked.code, 3, locked.stderr);
    assert.ok(spoolFiles(join(root, '.rebound', 'rebound.db')).length > 0, 'something was spooled');
    // Checked while the spool still holds its event, and the WAL its pages.
    const whileSpooled = files().filter((f) => f.includes('.spool-'));
    for (const f of whileSpooled) for (const n of NEEDLES) assert.ok(!readFileSync(f, 'utf8').includes(n), `${n} in ${f}`);
    process.kill(holder);
    // Resume and rollback journal and plan too.
    const list = cli(root, ['errors', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout) as { issues: unknown[] }).issues.length >= parts.length + 2);
    const evidence = cli(root, ['errors', 'export', '--format', 'json'], env);
    assert.equal(evidence.code, 0);
    assert.ok(evidence.stdout.includes('[REDACTED]'), 'redacted text was stored');
    assert.deepEqual(found(), []);
    const cleared = cli(root, ['errors', 'clear'], env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.deepEqual(found(), []);
  });

  it('errors clear leaves no deleted text in the database file or its WAL (secure_delete, WAL truncated)', () => {
    // The text only in the output (so only in events, which clear deletes; runs and dead letters keep the command).
    writeFileSync(join(root, 'out.txt'), 'fatal: MARKERTEXT-q7Zx9-deleted-on-clear\n');
    writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ tasks: { marker: { command: 'cat out.txt; exit 1', retry: 'none' } } }));
    for (let i = 0; i < 3; i++) assert.equal(cli(root, ['run', 'marker']).code, 1);
    const db = join(root, '.rebound', 'rebound.db');
    const before = readFileSync(db).toString('latin1') + (existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`).toString('latin1') : '');
    assert.ok(before.includes('MARKERTEXT-q7Zx9'), 'the text was stored');
    assert.equal(cli(root, ['errors', 'clear']).code, 0);
    const after = readFileSync(db).toString('latin1') + (existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`).toString('latin1') : '');
    assert.ok(!after.includes('MARKERTEXT-q7Zx9'), 'deleted text is gone from the files');
  });
});
