import * as assert from 'node:assert/strict';
import { z } from 'zod';
import { allowedKeysAt, configSchema, didYouMean, editDistance } from '../../../../src/engine/config';
import { problemAt, problemsOf } from './helpers';

describe('config: unknown keys and "did you mean"', () => {
  describe('editDistance', () => {
    it('counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
      assert.equal(editDistance('retry', 'retry'), 0);
      assert.equal(editDistance('retyr', 'retry'), 1, 'a swap');
      assert.equal(editDistance('comand', 'command'), 1);
      assert.equal(editDistance('commandd', 'command'), 1);
      assert.equal(editDistance('cwd', 'env'), 3);
      assert.equal(editDistance('', 'abc'), 3);
      assert.equal(editDistance('retires', 'retry'), 3);
    });

    it('stops early past the limit', () => {
      assert.equal(editDistance('abcdefgh', 'zzzzzzzz', 2), 3);
      assert.equal(editDistance('a', 'abcdef', 2), 3);
    });
  });

  describe('didYouMean', () => {
    it('picks the closest candidate within two edits, the earlier one on a tie', () => {
      assert.equal(didYouMean('retyr', ['command', 'retry', 'breaker']), 'retry');
      assert.equal(didYouMean('fallbak', ['fallback', 'breaker']), 'fallback');
      assert.equal(didYouMean('ab', ['ax', 'ay']), 'ax');
      assert.equal(didYouMean('Retry', ['retry']), 'retry', 'case counts as a typo');
    });

    it('suggests nothing for an unrelated word or a word too short to judge', () => {
      assert.equal(didYouMean('colour', ['command', 'retry']), undefined);
      assert.equal(didYouMean('x', ['cwd', 'env']), undefined);
      assert.equal(didYouMean('retires', ['retry']), undefined, 'three edits away');
    });
  });

  describe('allowedKeysAt', () => {
    it('lists the keys of the object schema at a JSON path, through records, unions, arrays and optionals', () => {
      assert.deepEqual(allowedKeysAt(configSchema, [])?.sort(), ['$schema', 'breakers', 'databases', 'health', 'limits', 'retention', 'rules', 'tasks']);
      const task = allowedKeysAt(configSchema, ['tasks', 'build']);
      assert.ok(task?.includes('retry') && task.includes('command') && task.includes('fallback'), String(task));
      assert.deepEqual(allowedKeysAt(configSchema, ['tasks', 'build', 'steps', 0])?.sort(), ['command', 'name', 'rerun', 'undo']);
      // `retry` is a preset name or an inline policy: the inline policy's keys.
      assert.ok(allowedKeysAt(configSchema, ['tasks', 'build', 'retry'])?.includes('maxAttempts'));
      assert.ok(allowedKeysAt(configSchema, ['tasks', 'build', 'retry', 'backoff'])?.includes('baseMs'));
      // problems: a matcher name or an inline pattern.
      assert.ok(allowedKeysAt(configSchema, ['tasks', 'build', 'problems', 2])?.includes('regexp'));
    });

    it('says undefined for a record (any key), a scalar or a path the schema does not have', () => {
      assert.equal(allowedKeysAt(configSchema, ['tasks']), undefined);
      assert.equal(allowedKeysAt(configSchema, ['tasks', 'build', 'command']), undefined);
      assert.equal(allowedKeysAt(configSchema, ['nope', 'deeper']), undefined);
      assert.equal(allowedKeysAt(configSchema, ['tasks', 'build', 'steps', 'x']), undefined);
    });

    it('takes only the branch of a discriminated union its discriminator selects, or the keys common to all', () => {
      const path = ['breakers', 'k'];
      const rate = allowedKeysAt(configSchema, path, { breakers: { k: { kind: 'rate' } } });
      assert.ok(rate?.includes('minimumThroughput') && rate.includes('windowMs'), String(rate));
      const consecutive = allowedKeysAt(configSchema, path, { breakers: { k: { kind: 'consecutive' } } });
      assert.ok(consecutive?.includes('threshold') && consecutive.includes('halfOpenAfterMs'), String(consecutive));
      assert.ok(consecutive && !consecutive.includes('minimumThroughput') && !consecutive.includes('windowMs'), String(consecutive));
      for (const value of [{ breakers: { k: {} } }, { breakers: { k: { kind: 'leaky' } } }, { breakers: { k: { kind: 7 } } }, undefined]) {
        assert.deepEqual(allowedKeysAt(configSchema, path, value), consecutive, `common keys for ${JSON.stringify(value)}`);
      }
      const shapes = z.discriminatedUnion('type', [
        z.strictObject({ type: z.literal('circle'), radius: z.number(), colour: z.string() }),
        z.strictObject({ type: z.literal('square'), side: z.number(), colour: z.string() }),
      ]);
      assert.deepEqual(allowedKeysAt(shapes, [], { type: 'square' }), ['type', 'side', 'colour']);
      assert.deepEqual(allowedKeysAt(shapes, [], { type: 'oval' }), ['type', 'colour']);
      assert.deepEqual(allowedKeysAt(z.array(shapes), [1], [{ type: 'square' }, { type: 'circle' }]), ['type', 'radius', 'colour']);
      assert.deepEqual(allowedKeysAt(z.union([shapes, z.strictObject({ other: z.number() })]), []), ['type', 'colour', 'other'], 'a plain union takes every branch');
      // Deeper, through the selected branch (a key both branches have).
      assert.ok(allowedKeysAt(configSchema, [...path, 'breakBackoff'], { breakers: { k: { kind: 'rate' } } })?.includes('maxMs'));
    });

    it('follows pipes, defaults and lazy schemas', () => {
      const inner = z.strictObject({ alpha: z.number(), beta: z.string() });
      const s = z.strictObject({ a: inner.default({ alpha: 1, beta: 'x' }), b: z.lazy(() => inner), c: inner.transform((v) => v.alpha) });
      for (const k of ['a', 'b', 'c']) assert.deepEqual(allowedKeysAt(s, [k]), ['alpha', 'beta'], k);
    });
  });

  describe('parseConfig messages', () => {
    it('an unknown key close to an allowed one says "did you mean" and carries the suggestion', () => {
      const text = `{\n  "tasks": {\n    "build": { "command": "make", "retyr": 3 }\n  },\n  "retentoin": { "days": 3 }\n}`;
      const problems = problemsOf(text);
      const p = problemAt(problems, 'tasks.build.retyr');
      assert.equal(p.message, `unknown key "retyr"; did you mean 'retry'?`);
      assert.deepEqual(p.unknownKey, { key: 'retyr', suggestion: 'retry' });
      assert.equal(problemAt(problems, 'retentoin').message, `unknown key "retentoin"; did you mean 'retention'?`);
    });

    it('an unknown key inside a union branch (an inline retry policy) gets the branch keys', () => {
      const p = problemAt(problemsOf(`{ "tasks": { "b": { "command": "x", "retry": { "maxAttempts": 2, "bakoff": { "kind": "fixed", "baseMs": 1 } } } } }`), 'tasks.b.retry.bakoff');
      assert.equal(p.message, `unknown key "bakoff"; did you mean 'backoff'?`);
    });

    it('a typo in a breaker is matched against the keys of its own kind only', () => {
      const consecutive = problemAt(problemsOf(`{"breakers":{"k":{"kind":"consecutive","threshold":3,"minimumThroughpt":5}}}`), 'breakers.k.minimumThroughpt');
      assert.equal(consecutive.message, 'unknown key "minimumThroughpt"', 'no key of the rate breaker');
      assert.deepEqual(consecutive.unknownKey, { key: 'minimumThroughpt' });
      const rate = problemAt(problemsOf(`{"breakers":{"k":{"kind":"rate","threshold":0.5,"windowMs":1000,"minimumThroughpt":5}}}`), 'breakers.k.minimumThroughpt');
      assert.equal(rate.message, `unknown key "minimumThroughpt"; did you mean 'minimumThroughput'?`);
      assert.deepEqual(rate.unknownKey, { key: 'minimumThroughpt', suggestion: 'minimumThroughput' });
      const common = problemAt(problemsOf(`{"breakers":{"k":{"kind":"consecutive","threshold":3,"halfOpenAftrMs":5}}}`), 'breakers.k.halfOpenAftrMs');
      assert.equal(common.message, `unknown key "halfOpenAftrMs"; did you mean 'halfOpenAfterMs'?`);
    });

    it('does not suggest a key that is already there, nor an unrelated one', () => {
      const present = problemAt(problemsOf(`{ "tasks": { "b": { "command": "x", "comand": "y" } } }`), 'tasks.b.comand');
      assert.equal(present.message, 'unknown key "comand"');
      assert.deepEqual(present.unknownKey, { key: 'comand' });
      const unrelated = problemAt(problemsOf(`{ "tasks": { "b": { "command": "x", "colour": "red" } } }`), 'tasks.b.colour');
      assert.equal(unrelated.message, 'unknown key "colour"');
    });
  });
});
