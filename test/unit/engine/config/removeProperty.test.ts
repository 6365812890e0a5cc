import * as assert from 'node:assert/strict';
import { parse, type ParseError } from 'jsonc-parser';
import { parseConfig, removeProperty, type Deletion } from '../../../../src/engine/config';

/** The text with the deletions applied (from the end, so the offsets hold). */
function apply(text: string, deletions: Deletion[]): string {
  let out = text;
  for (const d of [...deletions].sort((a, b) => b.offset - a.offset)) out = out.slice(0, d.offset) + out.slice(d.offset + d.length);
  return out;
}

/** Removes the property at `path`, asserting the result is JSON with comments (no trailing comma) and returning it. */
function remove(text: string, path: (string | number)[]): string {
  const deletions = removeProperty(text, path);
  assert.ok(deletions.length > 0, `nothing to remove at ${path.join('.')}`);
  const out = apply(text, deletions);
  const errors: ParseError[] = [];
  parse(out, errors, { allowTrailingComma: false, disallowComments: false });
  assert.deepEqual(errors, [], `not valid JSON with comments:\n${out}`);
  return out;
}

describe('config: removeProperty', () => {
  it('removes a property in the middle up to the next one', () => {
    const text = `{\n  "a": 1,\n  "colour": "red",\n  "b": 2\n}\n`;
    assert.equal(remove(text, ['colour']), `{\n  "a": 1,\n  "b": 2\n}\n`);
  });

  it('removes the first property with its comma', () => {
    const text = `{\n  "colour": "red",\n  "a": 1\n}\n`;
    assert.equal(remove(text, ['colour']), `{\n  "a": 1\n}\n`);
  });

  it('removes the last property with the comma before it', () => {
    const text = `{\n  "a": 1,\n  "b": { "c": true },\n  "colour": "red"\n}\n`;
    assert.equal(remove(text, ['colour']), `{\n  "a": 1,\n  "b": { "c": true }\n}\n`);
  });

  it('removes the only property and nothing else', () => {
    assert.equal(remove(`{ "colour": "red" }`, ['colour']), `{  }`);
    assert.equal(remove(`{\n  "x": {\n    "colour": [1, 2]\n  }\n}`, ['x', 'colour']), `{\n  "x": {\n    \n  }\n}`);
  });

  it('keeps a trailing comment on the line before the removed last property', () => {
    const text = `{\n  "retention": { "days": 3 }, // keep 3 days\n  "colour": "red"\n}\n`;
    assert.equal(remove(text, ['colour']), `{\n  "retention": { "days": 3 } // keep 3 days\n}\n`);
    const block = `{\n  "a": 1, /* one */\n  "colour": "red"\n}`;
    assert.equal(remove(block, ['colour']), `{\n  "a": 1 /* one */\n}`);
  });

  it('keeps the comments on the lines before the next property, and the ones before the removed one', () => {
    const text = `{\n  // about a\n  "a": 1,\n  "colour": "red", // the colour\n  // about b\n  "b": 2\n}`;
    assert.equal(remove(text, ['colour']), `{\n  // about a\n  "a": 1,\n  // about b\n  "b": 2\n}`);
    // Without comments in between, the next property simply moves up.
    assert.equal(remove(`{\n  "colour": "red", // the colour\n  "b": 2\n}`, ['colour']), `{\n  "b": 2\n}`);
  });

  it('keeps a one-line object on one line', () => {
    assert.equal(remove(`{ "t": { "command": "x", "colour": "red", "b": 2 } }`, ['t', 'colour']), `{ "t": { "command": "x", "b": 2 } }`);
    assert.equal(remove(`{ "t": { "colour": "red", "b": 2 } }`, ['t', 'colour']), `{ "t": { "b": 2 } }`);
    assert.equal(remove(`{ "t": { "command": "x", "colour": "red" } }`, ['t', 'colour']), `{ "t": { "command": "x" } }`);
  });

  it('takes a trailing comma and a same-line comment of the last property along', () => {
    assert.equal(remove(`{\n  "a": 1,\n  "colour": "red", // red\n}`, ['colour']), `{\n  "a": 1\n}`);
    assert.equal(remove(`{ "a": 1, "colour": "red", }`, ['colour']), `{ "a": 1 }`);
  });

  it('keeps CRLF line breaks as they are', () => {
    const text = `{\r\n  "a": 1, // keep\r\n  "colour": "red"\r\n}\r\n`;
    assert.equal(remove(text, ['colour']), `{\r\n  "a": 1 // keep\r\n}\r\n`);
  });

  it('removes nothing for a path that is not a property of an object', () => {
    const text = `{ "a": [1, 2], "b": 1 }`;
    assert.deepEqual(removeProperty(text, ['nope']), []);
    assert.deepEqual(removeProperty(text, ['a', 0]), []);
    assert.deepEqual(removeProperty(text, []), []);
    assert.deepEqual(removeProperty('[1]', [0]), []);
  });

  it('fixes the unknown-key problem parseConfig reports, leaving the rest valid', () => {
    const text = `{\n  "tasks": {\n    "build": {\n      "command": "make", // build it\n      "colour": "red"\n    }\n  },\n  "retention": { "days": 3 }, // keep 3 days\n  "flavour": 1\n}\n`;
    const before = parseConfig(text, '/ws/.rebound/config.json');
    assert.equal(before.ok, false);
    let out = text;
    for (const path of before.ok ? [] : before.problems.map((p) => p.path)) out = remove(out, path);
    assert.equal(out, `{\n  "tasks": {\n    "build": {\n      "command": "make" // build it\n    }\n  },\n  "retention": { "days": 3 } // keep 3 days\n}\n`);
    const after = parseConfig(out, '/ws/.rebound/config.json');
    assert.ok(after.ok, JSON.stringify(after.ok ? [] : after.problems.map((p) => p.message)));
  });
});
