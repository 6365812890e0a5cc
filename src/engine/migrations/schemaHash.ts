import { createHash } from 'node:crypto';
import { canonicalTokens } from './checksum';
import { tokenize } from './tokenizer';

/** One row of `sqlite_schema` (or its equivalent in another engine). */
export interface SchemaObject {
  type: string;
  name: string;
  tableName: string;
  sql: string | null;
}

export interface SchemaHashOptions {
  /** Names (lower-cased) to leave out, e.g. Rebound's own history tables. `sqlite_*` objects are always left out. */
  exclude?: (name: string) => boolean;
  /** Per-object digests by definition, reused between calls (hashing after every migration re-reads the whole schema). */
  cache?: Map<string, Uint8Array>;
}

/** The CREATE statement in canonical form: no comments, collapsed whitespace, lower-case words, simple identifiers unquoted. */
export function canonicalSchemaSql(sql: string): string {
  return canonicalTokens(tokenize(sql));
}

function counts(o: SchemaObject, options: SchemaHashOptions): boolean {
  const name = o.name.toLowerCase();
  return !name.startsWith('sqlite_') && !(options.exclude?.(name) ?? false);
}

function entryOf(o: SchemaObject): string {
  return `${o.type.toLowerCase()}\u0000${o.name.toLowerCase()}\u0000${o.tableName.toLowerCase()}\u0000${o.sql === null ? '' : canonicalSchemaSql(o.sql)}`;
}

/** The objects that count for the schema hash, in canonical form and a stable order. */
export function schemaEntries(objects: readonly SchemaObject[], options: SchemaHashOptions = {}): string[] {
  return objects.filter((o) => counts(o, options)).map(entryOf).sort();
}

/**
 * A hash of a database schema: every table, index, view and trigger definition in canonical form,
 * so the same schema reached by different paths (a table renamed and renamed back, a column added
 * and dropped, objects created in another order) hashes the same. Each object's SHA-256 digest is
 * combined without regard to order (names are unique), so with `cache` a schema of thousands of
 * objects is re-hashed cheaply after every migration.
 */
export function schemaHash(objects: readonly SchemaObject[], options: SchemaHashOptions = {}): string {
  return schemaHashOfKeys(
    objects.map((o) => schemaKey(o)),
    options,
  );
}

/** The key `schemaHashOfKeys` takes for one object: type, name, table name and SQL joined by NUL. */
export function schemaKey(o: SchemaObject): string {
  return `${o.type}\u0000${o.name}\u0000${o.tableName}\u0000${o.sql ?? ''}`;
}

/**
 * `schemaHash` over objects given as {@link schemaKey} strings (a database can produce them in one
 * query, which keeps re-hashing a large schema after every migration cheap).
 */
export function schemaHashOfKeys(keys: Iterable<string>, options: SchemaHashOptions = {}): string {
  const h = new SchemaHasher(options);
  for (const key of keys) h.add(key);
  return h.hex();
}

const EXCLUDED = new Uint8Array(0);

/**
 * The schema hash kept up to date object by object: `add` and `remove` {@link schemaKey} strings
 * as objects appear, change or disappear; `hex()` equals `schemaHash` of the current set.
 */
export class SchemaHasher {
  private readonly acc = new Uint8Array(32);
  private n = 0;

  constructor(private readonly options: SchemaHashOptions = {}) {}

  private digestOf(key: string): Uint8Array {
    let d = this.options.cache?.get(key);
    if (d === undefined) {
      const [type, name, tableName, ...rest] = key.split('\u0000');
      const sql = rest.join('\u0000');
      const o: SchemaObject = { type, name, tableName, sql: sql === '' ? null : sql };
      d = counts(o, this.options) ? createHash('sha256').update(entryOf(o)).digest() : EXCLUDED;
      this.options.cache?.set(key, d);
    }
    return d;
  }

  add(key: string): void {
    const d = this.digestOf(key);
    if (d === EXCLUDED) return;
    for (let i = 0; i < 32; i++) this.acc[i] ^= d[i];
    this.n++;
  }

  remove(key: string): void {
    const d = this.digestOf(key);
    if (d === EXCLUDED) return;
    for (let i = 0; i < 32; i++) this.acc[i] ^= d[i];
    this.n--;
  }

  hex(): string {
    return createHash('sha256').update(this.acc).update(String(this.n)).digest('hex');
  }
}
