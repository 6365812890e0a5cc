import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AhoCorasick } from '../../../../src/engine/classify/ahoCorasick';

function naive(keys: string[], text: string): string[] {
  const found: string[] = [];
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  for (let end = 1; end <= text.length; end++) {
    keys.forEach((k, id) => {
      const start = end - k.length;
      if (start >= 0 && lower.slice(start, end) === k.toLowerCase()) found.push(`${id}@${start}`);
    });
  }
  return found.sort();
}

describe('Aho-Corasick matcher', () => {
  it('finds every occurrence of every key, overlapping and nested, case-insensitively', () => {
    const keys = ['he', 'she', 'his', 'hers', 'ECONN', 'econnreset'];
    const a = new AhoCorasick(keys);
    const found: string[] = [];
    a.scan('uShers read ECONNRESET', (k, start, end) => {
      assert.equal(end - start, keys[k].length);
      found.push(`${keys[k]}@${start}`);
    });
    assert.deepEqual(found, ['she@1', 'he@2', 'hers@2', 'ECONN@12', 'econnreset@12']);
  });

  it('agrees with a naive search (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'c', ' '), minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'B', 'c', ' ', 'é'), maxLength: 40 }),
        (keys, text) => {
          const got: string[] = [];
          new AhoCorasick(keys).scan(text, (k, start) => got.push(`${k}@${start}`));
          return JSON.stringify(got.sort()) === JSON.stringify(naive(keys, text));
        },
      ),
      { numRuns: 500 },
    );
  });
});
