import { schemaHash, type SchemaObject } from '../../../engine/migrations';
import type { MigrationSchema } from '../target';
import type { PostgresConnection } from './connection';
import type { Queryable } from './ledger';

/** Schemas that are PostgreSQL's own. */
const SYSTEM = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'`;
/** Objects that belong to an extension are the extension's (counted through it). */
const notExtension = (classid: string, oid: string) => `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${classid}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/**
 * The user's schema read from pg_catalog in a stable normal form, one object per row (type,
 * qualified name, its table, its definition): tables with their columns (in order: name, type,
 * not null, default), constraints, indexes (with validity), views, functions, triggers, sequences,
 * enums, extensions and schemas. Positions (attnum), oids and sequence values are left out, so the
 * same schema reached by other paths hashes the same. Rebound's own tables (and what hangs off
 * them) are left out.
 */
export const CATALOG_QUERY = `
SELECT 'schema' AS type, n.nspname AS name, '' AS tbl, '' AS def FROM pg_catalog.pg_namespace n WHERE ${SYSTEM} AND n.nspname <> 'public'
  AND ${notExtension('pg_namespace', 'n.oid')}
UNION ALL
SELECT CASE c.relkind WHEN 'p' THEN 'partitioned table' ELSE 'table' END, n.nspname || '.' || c.relname, c.relname,
  coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
      || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
      || coalesce(' default ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '')
      || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
      || CASE WHEN a.attgenerated <> '' THEN ' generated' ELSE '' END, ', ' ORDER BY a.attnum)
    FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND ${SYSTEM} AND ${notExtension('pg_class', 'c.oid')}
UNION ALL
SELECT 'constraint', n.nspname || '.' || c.relname || '.' || con.conname, c.relname, pg_catalog.pg_get_constraintdef(con.oid, true)
FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${SYSTEM} AND ${notExtension('pg_class', 'c.oid')}
UNION ALL
SELECT 'index', n.nspname || '.' || ic.relname, c.relname, pg_catalog.pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' invalid' END
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
WHERE ${SYSTEM} AND ${notExtension('pg_class', 'c.oid')}
UNION ALL
SELECT CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END, n.nspname || '.' || c.relname, c.relname, pg_catalog.pg_get_viewdef(c.oid, true)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND ${SYSTEM} AND ${notExtension('pg_class', 'c.oid')}
UNION ALL
SELECT 'sequence', n.nspname || '.' || c.relname, coalesce((SELECT t.relname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1), c.relname),
  pg_catalog.format_type(s.seqtypid, NULL) || ' ' || s.seqstart || ' ' || s.seqincrement || ' ' || s.seqmin || ' ' || s.seqmax || ' ' || s.seqcache || ' ' || s.seqcycle
FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${SYSTEM} AND ${notExtension('pg_class', 'c.oid')}
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', '',
  pg_catalog.pg_get_functiondef(p.oid)
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p') AND ${SYSTEM} AND ${notExtension('pg_proc', 'p.oid')}
UNION ALL
SELECT 'trigger', n.nspname || '.' || c.relname || '.' || t.tgname, c.relname, pg_catalog.pg_get_triggerdef(t.oid, true)
FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND ${SYSTEM}
UNION ALL
SELECT 'type', n.nspname || '.' || t.typname, '',
  CASE t.typtype WHEN 'e' THEN 'enum ' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)
    WHEN 'd' THEN 'domain ' || pg_catalog.format_type(t.typbasetype, t.typtypmod) ELSE 'type ' || t.typtype::text END
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd') AND ${SYSTEM} AND ${notExtension('pg_type', 't.oid')}
UNION ALL
SELECT 'extension', e.extname, '', e.extversion FROM pg_catalog.pg_extension e WHERE e.extname <> 'plpgsql'
`;

/** The schema of a PostgreSQL target: its objects (catalog normal form) and their hash. */
export class PostgresSchema implements MigrationSchema {
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    private readonly conn: PostgresConnection,
    /** A scratch database for replays (see PostgresScratch). */
    private readonly replay: (objects: readonly SchemaObject[] | null, statements: readonly string[]) => Promise<string>,
  ) {}

  private excluded = (name: string): boolean => {
    const own = this.conn.own;
    const parts = name.split('.');
    return parts.some((p) => own.has(p)) || [...own].some((t) => name.includes(`.${t}_`) && /_(pkey|id_seq)$/.test(name));
  };

  /** The objects as read through `q` (the work connection, or a transaction's client). */
  async objectsVia(q: Queryable): Promise<SchemaObject[]> {
    const { rows } = await q.query(CATALOG_QUERY);
    return rows
      .map((r) => ({ type: r.type as string, name: r.name as string, tableName: r.tbl as string, sql: (r.def as string | null) ?? null }))
      .filter((o) => !this.excluded(o.name.toLowerCase()) && !this.conn.own.has(o.tableName.toLowerCase()));
  }

  async hashVia(q: Queryable): Promise<string> {
    return schemaHash(await this.objectsVia(q), { cache: this.cache });
  }

  async schemaObjects(): Promise<SchemaObject[]> {
    if (!(await this.conn.exists())) return [];
    return this.objectsVia(await this.conn.client());
  }

  async schemaHash(): Promise<string> {
    if (!(await this.conn.exists())) return schemaHash([]);
    return this.hashVia(await this.conn.client());
  }

  /** The hash of a database without objects. */
  hashOfEmpty(): string {
    return schemaHash([], { cache: this.cache });
  }

  replayHash(objects: readonly SchemaObject[] | null, statements: readonly string[]): Promise<string> {
    return this.replay(objects, statements);
  }
}
