import * as assert from 'node:assert/strict';
import { parseConfig, type ConfigProblem } from '../../../../src/engine/config';

function problems(text: string): ConfigProblem[] {
  const r = parseConfig(text, 'config.json');
  assert.equal(r.ok, false, 'the config should have problems');
  return r.ok ? [] : r.problems;
}

describe('config: "did you mean" for misspelt names and values', () => {
  it('suggests the task a misspelt fallback was meant to name, with the replacement', () => {
    const text = '{ "tasks": { "build": { "command": "make", "fallback": "bulid-offline" }, "build-offline": { "command": "make offline" } } }';
    const [p] = problems(text);
    assert.deepEqual(p.path, ['tasks', 'build', 'fallback']);
    assert.match(p.message, /did you mean "build-offline"\?/);
    assert.deepEqual(p.replacement, { value: 'bulid-offline', suggestion: 'build-offline' });
    // The squiggle is on the value itself (what the quick fix replaces).
    assert.equal(text.slice(p.column - 1, p.endColumn - 1), '"bulid-offline"');
  });

  it('suggests a defined breaker for a misspelt breaker key, also when other parts of the file are wrong', () => {
    const text = '{ "tasks": { "build": { "command": "make", "breaker": "registy", "timeoutMs": -1 } }, "breakers": { "registry": { "kind": "consecutive", "threshold": 3, "halfOpenAfterMs": 1000 } } }';
    const p = problems(text).find((x) => x.pathText === 'tasks.build.breaker')!;
    assert.ok(p, 'the breaker problem is reported');
    assert.deepEqual(p.replacement, { value: 'registy', suggestion: 'registry' });
  });

  it('names the presets when nothing is close, and suggests the preset a typo was meant to be', () => {
    const [typo] = problems('{ "tasks": { "build": { "command": "make", "retry": "standrd" } } }');
    assert.equal(typo.pathText, 'tasks.build.retry');
    assert.match(typo.message, /did you mean "standard"\?/);
    assert.deepEqual(typo.replacement, { value: 'standrd', suggestion: 'standard' });
    const [far] = problems('{ "tasks": { "build": { "command": "make", "retry": "sometimes" } } }');
    assert.match(far.message, /one of "quick", "standard", "patient", "network", "none"/);
    assert.equal(far.replacement, undefined);
  });

  it('reports one problem for one misspelt preset', () => {
    assert.equal(problems('{ "tasks": { "build": { "command": "make", "retry": "quik" } } }').length, 1);
  });
});
