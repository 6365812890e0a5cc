import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../../crash/migrationsHarness';
import { migration, sandbox, type Sandbox } from '../runner/migrations/helpers';

/** The transpiled CLI of this very build. */
const CLI = resolve(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

const USERS = migration(['CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)'], ['DROP TABLE users']);
const POSTS = migration(['CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT)'], ['DROP TABLE posts']);

describe('`rebound migrate repair` (CLI, real processes)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  const cli = (...args: string[]) => runCli(CLI, sb.root, ['migrate', ...args]);
  const states = async () => {
    const r = await cli('status', '--json');
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { entries: Array<{ state: string }> }).entries.map((e) => e.state);
  };

  beforeEach(async () => {
    sb = sandbox();
    mkdirSync(join(sb.root, '.rebound'));
    writeFileSync(join(sb.root, '.rebound', 'config.json'), JSON.stringify({ databases: { app: { path: 'app.db', migrations: 'migrations' } } }));
    sb.write('0001_users.sql', USERS);
    sb.write('0002_posts.sql', POSTS);
    assert.equal((await cli('up')).code, 0);
  });
  afterEach(() => sb.dispose());

  it('without --accept lists the cosmetic changes and changes nothing; --accept V accepts them, after which validate passes', async () => {
    sb.write('0001_users.sql', '-- reformatted\n' + USERS.replace('CREATE TABLE users', 'create   table users'));
    const before = await cli('validate');
    assert.equal(before.code, 0, 'a cosmetic change is a warning, not an error');
    assert.match(before.stdout, /warning: .*changed cosmetically.*repair --accept 1/);
    const dry = await cli('repair');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Cosmetic changes that can be accepted: 1\. Nothing was changed: pass --accept 1/);
    assert.deepEqual(await states(), ['modified', 'applied']);
    const accepted = await cli('repair', '--accept', '1', '--json');
    assert.equal(accepted.code, 0, accepted.stderr);
    const report = JSON.parse(accepted.stdout) as { ok: boolean; command: string; accepted: number[]; refused: unknown[] };
    assert.deepEqual([report.ok, report.command, report.accepted, report.refused], [true, 'repair', [1], []]);
    assert.deepEqual(await states(), ['applied', 'applied']);
    const after = await cli('validate');
    assert.equal(after.code, 0);
    assert.match(after.stdout, /Valid: no findings\./);
  });

  it('refuses to accept a change to what the up section does: exit 1 with the reason, history unchanged', async () => {
    sb.write('0002_posts.sql', POSTS.replace('body TEXT', 'body BLOB'));
    const r = await cli('repair', '--accept', 'all');
    assert.equal(r.code, 0, 'there is nothing cosmetic to accept with "all"');
    assert.doesNotMatch(r.stdout, /Accepted/);
    const refused = await cli('repair', '--accept', '2');
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, /refused 2: .*not cosmetic/);
    assert.deepEqual(await states(), ['applied', 'modified']);
    assert.equal((await cli('validate')).code, 1);
  });

  it('--clear-failed makes a failed migration pending again', async () => {
    sb.write('0003_bad.sql', migration(['CREATE TABLE bad (x)', 'INSERT INTO nowhere VALUES (1)'], ['DROP TABLE bad']));
    assert.equal((await cli('up')).code, 1);
    assert.deepEqual(await states(), ['applied', 'applied', 'failed']);
    const r = await cli('repair', '--clear-failed');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Cleared the recorded failures of 3\./);
    assert.deepEqual(await states(), ['applied', 'applied', 'pending']);
  });

  it('exit 2 on a bad --accept value, naming the flag', async () => {
    const r = await cli('repair', '--accept', 'first');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--accept/);
  });
});
