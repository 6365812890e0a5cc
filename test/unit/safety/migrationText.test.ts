import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyzeMigrationFile } from '../../../src/engine/migrations';
import { sqlite } from '../../../src/store/sqlite';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

/** Issue 15, case 4: a NUL byte made SQLite skip the rest of a migration, which was recorded as applied. */
describe('safety: migration text SQLite would stop at is refused (issue 15.4)', function () {
  this.timeout(60_000);
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-safety-sql-'));
    mkdirSync(join(root, '.rebound'));
    mkdirSync(join(root, 'migrations'));
    writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ databases: { app: { path: 'app.db' } } }));
    writeFileSync(join(root, 'migrations', '0001_base.sql'), '-- rebound:up\ncreate table base(a);\n-- rebound:down\ndrop table base;\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const migrate = (...args: string[]) => spawnSync(process.execPath, [CLI, '-C', root, 'migrate', ...args], { encoding: 'utf8', timeout: 30_000 });
  const tables = (): string[] => {
    const Database = sqlite();
    const db = new Database(join(root, 'app.db'));
    try {
      return (db.prepare("select name from sqlite_master where type = 'table' and name not like 'rebound_%' order by name").all() as Array<{ name: string }>).map((r) => r.name);
    } finally {
      db.close();
    }
  };

  it('a NUL before `create table t` is refused with file, line and column by validate and up; nothing is applied', () => {
    const file = join(root, 'migrations', '0002_nul.sql');
    writeFileSync(file, '-- rebound:up\ncreate table x(a);\nselect 1;\0\ncreate table t(a);\n-- rebound:down\ndrop table t;\n');
    const validate = migrate('validate');
    assert.notEqual(validate.status, 0);
    assert.ok(validate.stderr.includes(`${file}:3:10: a NUL character (U+0000)`), validate.stderr);
    const up = migrate('up');
    assert.equal(up.status, 1);
    assert.ok(up.stderr.includes(`${file}:3:10`), up.stderr);
    assert.match(up.stderr, /SQLite stops reading a statement there/);
    const status = migrate('status', '--json');
    assert.equal(status.status, 1, 'status refuses to read the folder too');
    // Not even the valid migration before it ran: the folder is refused as a whole, before the lock.
    assert.deepEqual(tables(), []);
    // Once removed, both migrations apply and t exists.
    writeFileSync(file, '-- rebound:up\ncreate table x(a);\nselect 1;\ncreate table t(a);\n-- rebound:down\ndrop table t;\ndrop table x;\n');
    const ok = migrate('up');
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(tables(), ['base', 't', 'x']);
  });

  it('bytes that are not UTF-8 are refused with the line (they would reach SQLite as U+FFFD)', () => {
    const file = join(root, 'migrations', '0002_latin1.sql');
    writeFileSync(file, Buffer.concat([Buffer.from("-- rebound:up\ninsert into base values ('caf"), Buffer.from([0xe9]), Buffer.from("');\n")]));
    const up = migrate('up');
    assert.equal(up.status, 1);
    assert.ok(up.stderr.includes(`${file}:2: line 2 is not valid UTF-8`), up.stderr);
  });

  it('the editor flags the NUL where it is', () => {
    const findings = analyzeMigrationFile('-- rebound:up\nselect 1;\0\ncreate table t(a);\n', '0002_nul.sql');
    const nul = findings.filter((f) => /NUL character/.test(f.message));
    assert.equal(nul.length, 1);
    assert.equal(nul[0].severity, 'error');
    assert.deepEqual(nul[0].range.start, { line: 1, character: 9 });
  });
});
