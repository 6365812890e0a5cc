import assert from 'node:assert/strict';
import {
  REDACTED,
  addSecretValues,
  clearSecretValues,
  isSecretEnvName,
  redact,
  secretEnvValues,
  taskEnvValues,
} from '../../../src/engine/redact';
import { PLANTED_SECRETS, PRIVATE_KEY_BODY, PRIVATE_KEY_PEM } from './secrets';

describe('safety: redaction by shape (table)', () => {
  it(`removes each of ${PLANTED_SECRETS.length} token shapes, keeping the surrounding text`, () => {
    assert.ok(PLANTED_SECRETS.length >= 25, 'at least 25 shapes');
    const failures: string[] = [];
    for (const { shape, text, secret } of PLANTED_SECRETS) {
      const out = redact(text);
      if (out.includes(secret) || !out.includes(REDACTED)) failures.push(`${shape}: ${text} -> ${out}`);
      // Redaction is stable: once redacted, nothing changes again.
      if (redact(out) !== out) failures.push(`${shape}: not idempotent: ${out} -> ${redact(out)}`);
    }
    assert.deepEqual(failures, []);
  });

  it('finds each shape inside longer output, next to others', () => {
    const all = PLANTED_SECRETS.map((s, i) => `line ${i}: ${s.text} (done)`).join('\n');
    const out = redact(all);
    for (const { shape, secret } of PLANTED_SECRETS) assert.ok(!out.includes(secret), `${shape} survived in combined output`);
    assert.equal(out.split('\n').length, PLANTED_SECRETS.length, 'one line per line: nothing but the secrets was removed');
  });

  it('leaves ordinary output alone (hashes, paths, task names, compiler errors)', () => {
    for (const s of [
      'task-build-frontend-and-backend finished in 3s',
      'commit 3f9a1c0b7e2d4a6f8b0c1e3d5f7a9b1c3e5d7f9a',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  package.tgz',
      'src/keys/skip.ts(12,4): error TS2304: Cannot find name "SKU".',
      'npm ERR! code ELIFECYCLE',
      'disk quota exceeded on /dev/sda1',
    ]) {
      assert.equal(redact(s), s);
    }
  });
});

describe('safety: private-key blocks wherever their lines fall', () => {
  it('a whole block, and a block whose END was cut off', () => {
    const out = redact(`before\n${PRIVATE_KEY_PEM}\nafter`);
    assert.ok(!out.includes(PRIVATE_KEY_BODY[1]), out);
    assert.match(out, /^before\n\[REDACTED\]\nafter$/);
    const cut = redact(`x\n${PRIVATE_KEY_PEM.split('\n').slice(0, 3).join('\n')}`);
    assert.equal(cut, `x\n${REDACTED}`);
  });

  it('an END whose BEGIN fell before the captured tail: the body lines above it go too', () => {
    const tail = PRIVATE_KEY_PEM.split('\n').slice(2).join('\n');
    const out = redact(`${tail}\nstep failed: exit 1`);
    for (const line of PRIVATE_KEY_BODY) assert.ok(!out.includes(line), out);
    assert.equal(out, `${REDACTED}\nstep failed: exit 1`);
    // With ordinary lines before the key body, those stay.
    const mixed = redact(`Loading key\n${tail}`);
    assert.equal(mixed, `Loading key\n${REDACTED}`);
  });

  it('a bare run of key body lines, neither BEGIN nor END in the tail', () => {
    const out = redact(`cat id_rsa\n${PRIVATE_KEY_BODY.slice(1, 4).join('\n')}\ncat: done`);
    for (const line of PRIVATE_KEY_BODY.slice(1, 4)) assert.ok(!out.includes(line), out);
    assert.match(out, /^cat id_rsa\n\[REDACTED\]\ncat: done$/);
  });
});

describe('safety: redaction by value', () => {
  afterEach(() => clearSecretValues());

  it('replaces a task env value printed bare, in any form', () => {
    addSecretValues(taskEnvValues({ DB_PASSWORD: 'pl4nted-Db-pass', CI: '1', MODE: 'production' }));
    assert.equal(redact('pw=pl4nted-Db-pass and again pl4nted-Db-pass'), `pw=${REDACTED} and again ${REDACTED}`);
    assert.equal(redact('connecting with xpl4nted-Db-passx'), `connecting with x${REDACTED}x`);
    // Trivial values (flags, modes, small numbers) are not secrets: text keeps them.
    assert.equal(redact('CI=1 MODE=production'), 'CI=1 MODE=production');
  });

  it('replaces values of secret-named process variables, URL-encoded and JSON-escaped forms too', () => {
    const env = { HOME: '/home/me', PATH: '/usr/bin', PWD: '/work/repo', MY_API_TOKEN: 'tok "with" quotes/and spaces', DEPLOY_KEY: 'k3y-v@lue!', SESSION_ID: 'zzzzzz' };
    const values = secretEnvValues(env);
    assert.deepEqual(values.sort(), ['k3y-v@lue!', 'tok "with" quotes/and spaces', 'zzzzzz'].sort());
    addSecretValues(values);
    assert.equal(redact('curl -H "x: tok \\"with\\" quotes/and spaces"'), `curl -H "x: ${REDACTED}"`);
    assert.equal(redact('https://h/?k=k3y-v%40lue!'), `https://h/?k=${REDACTED}`);
    assert.equal(redact('home is /home/me'), 'home is /home/me');
  });

  it('tells secret-looking variable names', () => {
    for (const n of ['GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'STRIPE_KEY', 'npm_config__authToken', 'PGPASSWORD', 'SENTRY_DSN', 'DATABASE_URL']) {
      assert.ok(isSecretEnvName(n), n);
    }
    for (const n of ['PATH', 'HOME', 'PWD', 'OLDPWD', 'KEYBOARD', 'NODE_ENV', 'SSH_AUTH_SOCK']) assert.ok(!isSecretEnvName(n), n);
  });
});
