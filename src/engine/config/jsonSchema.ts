import { z } from 'zod';
import { databaseSchema } from '../migrations/configSchema';
import { configSchema, taskSchema } from './schema';

/**
 * The JSON Schema of .rebound/config.json, generated from `configSchema` (draft-07, the dialect
 * VS Code's jsonValidation handles best). Objects reject unknown keys (additionalProperties:
 * false), every field keeps its description, a task requires exactly one of command and steps (a
 * database one of path and url),
 * and `allowComments`/`allowTrailingCommas` (VS Code's own keywords) let the file be JSONC.
 *
 * String enums (retry presets, backoff kinds, problem matcher names…) are given as `examples`:
 * the editor still offers them as completions, but a misspelt value gets one squiggle, Rebound's,
 * which says what was meant and has a quick fix, instead of two for one mistake.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema === taskSchema) {
        ctx.jsonSchema.oneOf = [
          { required: ['command'], not: { required: ['steps'] } },
          { required: ['steps'], not: { required: ['command'] } },
        ];
      }
      if (ctx.zodSchema === databaseSchema) {
        ctx.jsonSchema.oneOf = [
          { required: ['path'], not: { required: ['url'] } },
          { required: ['url'], not: { required: ['path'] } },
        ];
      }
    },
  }) as Record<string, unknown>;
  enumsAsExamples(schema);
  return {
    $schema: schema.$schema,
    title: 'Rebound configuration (.rebound/config.json)',
    ...schema,
    allowComments: true,
    allowTrailingCommas: true,
  };
}

/** Turns every enum of strings into `examples` of a string, in place. */
function enumsAsExamples(node: unknown): void {
  if (Array.isArray(node)) {
    for (const x of node) enumsAsExamples(x);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const o = node as Record<string, unknown>;
  if (Array.isArray(o.enum) && o.enum.length > 0 && o.enum.every((v) => typeof v === 'string') && (o.type === undefined || o.type === 'string')) {
    o.type = 'string';
    o.examples = o.enum;
    delete o.enum;
  }
  for (const v of Object.values(o)) enumsAsExamples(v);
}
