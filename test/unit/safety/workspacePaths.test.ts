import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve, win32 } from 'node:path';
import { isConfigurationError } from '../../../src/engine/errors';
import { resolveDatabase } from '../../../src/runner/migrations/databases';
import { isInsideFolder } from '../../../src/runner/paths';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

/** Issue 15, case 6: database paths and migrations folders outside the workspace. */
describe('safety: paths outside the workspace folder are refused (issue 15.6)', function () {
  this.timeout(60_000);
  let base: string;
  let root: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'rebound-safety-paths-'));
    root = join(base, 'deep', 'ws');
    mkdirSync(join(root, '.rebound'), { recursive: true });
    mkdirSync(join(root, 'migrations'));
    writeFileSync(join(root, 'migrations', '0001_t.sql'), '-- rebound:up\ncreate table t(a);\n-- rebound:down\ndrop table t;\n');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const config = (databases: unknown) => writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ databases }));
  const migrate = (...args: string[]) => spawnSync(process.execPath, [CLI, '-C', root, 'migrate', ...args], { encoding: 'utf8', timeout: 30_000 });

  it('`migrate up` refuses ../../x.db and an absolute path (exit 2, naming the key), and creates no folder', () => {
    const escapes = ['../../outside/x.db', join(base, 'abs', 'x.db')];
    for (const path of escapes) {
      config({ app: { path, migrations: 'migrations' } });
      const r = migrate('up');
      assert.equal(r.status, 2, r.stderr);
      assert.ok(r.stderr.includes(`databases.app.path "${path}" leads outside the workspace folder ${root}`), r.stderr);
      assert.match(r.stderr, /"databases\.app\.allowOutsideWorkspace": true/);
      assert.match(r.stderr, /\.rebound\/config\.json/);
    }
    assert.ok(!existsSync(join(base, 'outside')), 'no folder created outside');
    assert.ok(!existsSync(join(base, 'abs')));
    config({ app: { path: 'data/app.db', migrations: '../../elsewhere' } });
    const m = migrate('status');
    assert.equal(m.status, 2);
    assert.match(m.stderr, /databases\.app\.migrations "\.\.\/\.\.\/elsewhere" leads outside/);
    config({ app: { path: 'data/app.db', snapshots: { dir: '/tmp/snaps-of-app' } } });
    assert.match(migrate('status').stderr, /databases\.app\.snapshots\.dir "\/tmp\/snaps-of-app" leads outside/);
  });

  it('a symbolic link out of the workspace is outside too', () => {
    mkdirSync(join(base, 'target'));
    symlinkSync(join(base, 'target'), join(root, 'data'));
    config({ app: { path: 'data/app.db' } });
    const r = migrate('up');
    assert.equal(r.status, 2);
    assert.ok(r.stderr.includes(`(to ${join(base, 'target', 'app.db')})`), r.stderr);
    assert.ok(!existsSync(join(base, 'target', 'app.db')));
  });

  it('allowOutsideWorkspace allows it, but the folder outside must exist: Rebound does not create it', () => {
    const outside = join(base, 'shared');
    config({ app: { path: join(outside, 'app.db'), migrations: 'migrations', allowOutsideWorkspace: true } });
    const missing = migrate('up');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /does not exist\. Rebound does not create folders outside the workspace/);
    assert.ok(!existsSync(outside));
    mkdirSync(outside);
    const ok = migrate('up');
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(existsSync(join(outside, 'app.db')));
  });

  it('inside paths still work, folders inside are created, and the resolver says the same thing in-process', () => {
    config({ app: { path: 'data/nested/app.db' } });
    const r = migrate('up');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(root, 'data', 'nested', 'app.db')));
    assert.throws(() => resolveDatabase(root, 'x', { path: '/etc/x.db' }), (e) => isConfigurationError(e) && /databases\.x\.path/.test(e.message));
    assert.equal(resolveDatabase(root, 'x', { path: join(root, 'in.db') }).file, join(root, 'in.db'), 'an absolute path inside is fine');
  });

  it('the containment check in Windows form: drive letters, backslashes, spaces, case, UNC shares', () => {
    const ws = 'C:\\Users\\Ann Lee\\My Project';
    const inside = ['data\\app.db', 'data/app.db', 'C:\\Users\\Ann Lee\\My Project\\db\\x.db', 'c:\\users\\ann lee\\my project\\X.db', '.\\a\\..\\b.db', '.'];
    const outside = ['..\\..\\tmp\\x.db', '../x.db', 'D:\\data\\x.db', 'C:\\Users\\Ann Lee\\My Project2\\x.db', '\\\\server\\share\\x.db', 'C:\\x.db', 'data\\..\\..\\x.db'];
    for (const p of inside) assert.equal(isInsideFolder(ws, p, win32), true, p);
    for (const p of outside) assert.equal(isInsideFolder(ws, p, win32), false, p);
    // A name starting with two dots is not a parent step.
    assert.equal(isInsideFolder(ws, '..data\\x.db', win32), true);
    assert.equal(isInsideFolder('/home/ann/my project', '..data/x.db', posix), true);
    assert.equal(isInsideFolder('/home/ann/my project', '/home/ann/my project2/x.db', posix), false);
    assert.equal(isInsideFolder('/home/ann/my project', '/home/ann/My Project/x.db', posix), false, 'POSIX paths are case-sensitive');
  });
});
