import type { z } from 'zod';

type Path = readonly (string | number)[];

/**
 * The keys an object may have at `path` of a value checked by `schema`, in the schema's order:
 * the shape of the object schema found there, through optional, default, nullable, pipe (its
 * input side), lazy, record values, array elements and every branch of a union. Undefined when
 * the path leads to no object schema, or to a record (any key is allowed there).
 */
export function allowedKeysAt(schema: z.core.$ZodType, path: Path): string[] | undefined {
  const found = new Set<string>();
  let any = false;
  const visit = (s: z.core.$ZodType, rest: Path, depth: number): void => {
    if (depth > 64) return;
    const def = (s as z.core.$ZodTypes)._zod.def;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'nonoptional':
      case 'readonly':
      case 'catch':
        return visit(def.innerType, rest, depth + 1);
      case 'pipe':
        return visit(def.in, rest, depth + 1);
      case 'lazy':
        return visit(def.getter(), rest, depth + 1);
      case 'union':
        for (const option of def.options) visit(option, rest, depth + 1);
        return;
      case 'object':
        if (rest.length === 0) {
          for (const key of Object.keys(def.shape)) found.add(key);
          return;
        }
        if (typeof rest[0] === 'string' && Object.hasOwn(def.shape, rest[0])) visit(def.shape[rest[0]], rest.slice(1), depth + 1);
        return;
      case 'record':
        if (rest.length === 0) any = true;
        else if (typeof rest[0] === 'string') visit(def.valueType, rest.slice(1), depth + 1);
        return;
      case 'array':
        if (typeof rest[0] === 'number') visit(def.element, rest.slice(1), depth + 1);
        return;
      default:
        return;
    }
  };
  visit(schema, path, 0);
  return any || found.size === 0 ? undefined : [...found];
}
