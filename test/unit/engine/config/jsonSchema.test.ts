import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configJsonSchema } from '../../../../src/engine/config';

const ROOT = resolve(__dirname, '..', '..', '..', '..', '..');

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  description?: string;
  [k: string]: unknown;
};

/**
 * A tiny hand check of the schema's object rules: the JSON paths of keys the schema does not
 * allow. Follows properties, additionalProperties and items; for anyOf/oneOf, the branches whose
 * type fits the value (a value is accepted when one such branch accepts it).
 */
function disallowedKeys(schema: Schema, value: unknown, path = ''): string[] {
  const typeFits = (s: Schema) => s.type === undefined || (s.type === 'object' ? typeof value === 'object' && value !== null && !Array.isArray(value) : s.type === 'array' ? Array.isArray(value) : typeof value === s.type || (s.type === 'integer' && typeof value === 'number'));
  const out: string[] = [];
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const results = branches.filter(typeFits).map((b) => disallowedKeys(b, value, path));
    out.push(...(results.find((r) => r.length === 0) ?? results[0] ?? []));
  }
  if (Array.isArray(value) && schema.items) return value.flatMap((v, i) => disallowedKeys(schema.items!, v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (sub) out.push(...disallowedKeys(sub, v, `${path}.${k}`));
    else if (schema.additionalProperties === false) out.push(`${path}.${k}`);
  }
  return out;
}

/** Paths of properties without a description. */
function undescribed(schema: unknown, path = '#'): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  if (Array.isArray(schema)) return schema.flatMap((s, i) => undescribed(s, `${path}/${i}`));
  const s = schema as Schema;
  const out: string[] = [];
  for (const [k, v] of Object.entries(s.properties ?? {})) if (!v.description) out.push(`${path}/properties/${k}`);
  for (const [k, v] of Object.entries(s)) out.push(...undescribed(v, `${path}/${k}`));
  return out;
}

describe('config: the JSON Schema for the editor', () => {
  const schema = configJsonSchema() as Schema;

  it('is draft-07, allows comments and trailing commas (VS Code keywords), and rejects unknown keys', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(schema.allowComments, true);
    assert.equal(schema.allowTrailingCommas, true);
    assert.equal(schema.additionalProperties, false);
    const task = (schema.properties!.tasks.additionalProperties as Schema);
    assert.equal(task.additionalProperties, false);
    assert.deepEqual(disallowedKeys(schema, { tasks: { build: { command: 'make' } }, retention: { days: 3 } }), []);
    assert.deepEqual(disallowedKeys(schema, { tasks: { build: { command: 'make', comand: 'x' } }, extra: 1 }), ['.tasks.build.comand', '.extra']);
    assert.deepEqual(disallowedKeys(schema, { tasks: { d: { steps: [{ name: 'a', command: 'x', undo: 'y', redo: 'z' }] } } }), ['.tasks.d.steps[0].redo']);
    assert.deepEqual(disallowedKeys(schema, { tasks: { b: { command: 'x', retry: { maxAttempts: 2, backof: {} } } } }), ['.tasks.b.retry.backof']);
    assert.deepEqual(disallowedKeys(schema, { tasks: { b: { command: 'x', retry: 'quick' } } }), []);
  });

  it('keeps a description on every property, and requires one of command and steps per task', () => {
    assert.deepEqual(undescribed(schema), []);
    assert.match(String(schema.properties!.tasks.description), /Tasks/);
    const task = schema.properties!.tasks.additionalProperties as Schema;
    assert.deepEqual(task.oneOf!.map((b) => (b as { required: string[] }).required), [['command'], ['steps']]);
    assert.ok((task.properties!.problems.items as Schema).anyOf!.some((b) => Array.isArray(b.examples) && (b.examples as string[]).includes('tsc')));
    assert.equal((schema.properties!.tasks as Schema).propertyNames !== undefined, true, 'task names are checked');
  });

  it('offers string enums (retry presets) as examples, so a misspelt preset gets only Rebound\'s squiggle', () => {
    const task = schema.properties!.tasks.additionalProperties as Schema;
    const preset = (task.properties!.retry as Schema).anyOf!.find((b) => b.type === 'string')!;
    assert.deepEqual(preset.examples, ['quick', 'standard', 'patient', 'network', 'none']);
    assert.equal(preset.enum, undefined);
    assert.equal(JSON.stringify(schema).includes('"enum"'), false, 'no enum is left to be validated twice');
  });

  it('is what schemas/config.schema.json holds (the build writes it)', () => {
    const committed = JSON.parse(readFileSync(resolve(ROOT, 'schemas', 'config.schema.json'), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(schema)));
  });
});
