import { z } from 'zod';
import { configSchema, taskSchema } from './schema';

/**
 * The JSON Schema of .rebound/config.json, generated from `configSchema` (draft-07, the dialect
 * VS Code's jsonValidation handles best). Objects reject unknown keys (additionalProperties:
 * false), every field keeps its description, a task requires exactly one of command and steps,
 * and `allowComments`/`allowTrailingCommas` (VS Code's own keywords) let the file be JSONC.
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
    },
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'Rebound configuration (.rebound/config.json)',
    ...schema,
    allowComments: true,
    allowTrailingCommas: true,
  };
}
