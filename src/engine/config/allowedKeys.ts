import type { z } from 'zod';

type Path = readonly (string | number)[];

/** What may be at a place: these keys, any key (a record), or no object at all (undefined). */
type Found = Set<string> | 'any' | undefined;

/**
 * The keys an object may have at `path` of a value checked by `schema`, in the schema's order:
 * the shape of the object schema found there, through optional, default, nullable, pipe (its
 * input side), lazy, record values, array elements and the branches of a union. `value` is the
 * document's value (the one `path` is relative to): a discriminated union contributes only the
 * branch its discriminator there selects, and when it selects none (missing or unknown), only
 * the keys every branch has. A plain union contributes every branch. Undefined when the path
 * leads to no object schema, or to a record (any key is allowed there).
 */
export function allowedKeysAt(schema: z.core.$ZodType, path: Path, value?: unknown): string[] | undefined {
  const found = visit(schema, path, value, 0);
  return found === 'any' || !found || found.size === 0 ? undefined : [...found];
}

function visit(s: z.core.$ZodType, rest: Path, value: unknown, depth: number): Found {
  if (depth > 64) return undefined;
  const def = (s as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return visit(def.innerType, rest, value, depth + 1);
    case 'pipe':
      return visit(def.in, rest, value, depth + 1);
    case 'lazy':
      return visit(def.getter(), rest, value, depth + 1);
    case 'union': {
      const discriminator = (def as { discriminator?: unknown }).discriminator;
      if (typeof discriminator === 'string') {
        const chosen = def.options.find((o) => claims(o, discriminator, value));
        if (chosen) return visit(chosen, rest, value, depth + 1);
        return intersect(def.options.map((o) => visit(o, rest, value, depth + 1)));
      }
      return unite(def.options.map((o) => visit(o, rest, value, depth + 1)));
    }
    case 'object':
      if (rest.length === 0) return new Set(Object.keys(def.shape));
      if (typeof rest[0] === 'string' && Object.hasOwn(def.shape, rest[0])) return visit(def.shape[rest[0]], rest.slice(1), child(value, rest[0]), depth + 1);
      return undefined;
    case 'record':
      if (rest.length === 0) return 'any';
      if (typeof rest[0] === 'string') return visit(def.valueType, rest.slice(1), child(value, rest[0]), depth + 1);
      return undefined;
    case 'array':
      if (typeof rest[0] === 'number') return visit(def.element, rest.slice(1), child(value, rest[0]), depth + 1);
      return undefined;
    default:
      return undefined;
  }
}

/** Whether a branch of a discriminated union is the one for `value` (as zod picks it: by the discriminator's literal values). */
function claims(option: z.core.$ZodType, discriminator: string, value: unknown): boolean {
  const values = option._zod.propValues?.[discriminator];
  if (!values) return false;
  const v = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[discriminator] : undefined;
  return values.has(v as z.core.util.Primitive);
}

function child(value: unknown, key: string | number): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string | number, unknown>)[key] : undefined;
}

/** The keys of any branch (in the order first met); any key when one branch takes any key. */
function unite(results: Found[]): Found {
  let out: Set<string> | undefined;
  for (const r of results) {
    if (r === 'any') return 'any';
    if (r) for (const k of r) (out ??= new Set()).add(k);
  }
  return out;
}

/** The keys every branch that has an object there allows (a branch taking any key restricts nothing). */
function intersect(results: Found[]): Found {
  let out: Set<string> | 'any' | undefined;
  for (const r of results) {
    if (!r || r === 'any') {
      out ??= r;
      continue;
    }
    out = out === undefined || out === 'any' ? new Set(r) : new Set([...out].filter((k) => r.has(k)));
  }
  return out;
}
