import assert from 'node:assert/strict';
import fc from 'fast-check';
import { REDACTED, redact } from '../../../../src/engine/redact';
import { SECRET_SAMPLES } from './secretSamples';

describe('redaction', () => {
  it('removes tokens, keys, URL passwords, Authorization headers and secret-named assignments', () => {
    for (const [text, secret] of SECRET_SAMPLES) {
      const out = redact(text);
      assert.ok(!out.includes(secret), `${text} -> ${out}`);
      assert.ok(out.includes(REDACTED), out);
    }
  });

  it('keeps the names, so the message still says what was there', () => {
    assert.equal(redact('DB_PASSWORD=x1 ok'), `DB_PASSWORD=${REDACTED} ok`);
    assert.equal(redact('https://bob:pw@h/x'), `https://bob:${REDACTED}@h/x`);
    assert.equal(redact('{"password": "p"}'), `{"password": "${REDACTED}"}`);
  });

  it('leaves ordinary error text alone', () => {
    for (const s of ['connect ECONNREFUSED 127.0.0.1:5432', 'UNIQUE constraint failed: users.email', 'src/a.ts(3,4): error TS2304: x', 'exit code 1']) {
      assert.equal(redact(s), s);
    }
  });

  it('removes the secret whatever lines surround it, and never throws (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom(...SECRET_SAMPLES), fc.string({ unit: 'binary' }), (before, [text, secret], after) => {
        const out = redact(`${before}\n${text}\n${after}`);
        return !out.includes(secret) || `${before}${after}`.includes(secret);
      }),
      { numRuns: 1000 },
    );
  });

  it('is idempotent on the samples', () => {
    for (const [text] of SECRET_SAMPLES) assert.equal(redact(redact(text)), redact(text));
  });
});
