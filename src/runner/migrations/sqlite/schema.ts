import { schemaHash, schemaHashOfKeys, SchemaHasher, describeStatement, tokenize, type SchemaObject } from '../../../engine/migrations';
import { fileSqlite, type Database } from '../../../store/sqlite';
import type { MigrationSchema } from '../target';
import type { SqliteConnection } from './connection';

/**
 * The schema of a SQLite target: its objects, its hash (without Rebound's own tables), the hash of
 * a replay on a scratch database, and the hash kept up to date incrementally inside a group
 * transaction (see trackedHash).
 */
export class SqliteSchema implements MigrationSchema {
  readonly canonicalCache = new Map<string, Uint8Array>();
  /** The schema hash kept up to date inside a group transaction (see trackedHash). */
  tracker:
    | { sv: number; hasher: SchemaHasher; rows: Map<string, TrackedRow>; byTable: Map<string, Set<string>>; maxRowid: number; incremental: boolean }
    | undefined;
  /** Set once an incremental hash disagreed with a full read: full reads only from then on. */
  incrementalOff = false;

  constructor(private readonly conn: SqliteConnection) {}

  schemaObjects(): SchemaObject[] {
    if (!this.conn.exists()) return [];
    return (this.conn.db.prepare('SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master').all() as SchemaObject[]).filter(
      (o) => !this.conn.own.has(o.name.toLowerCase()),
    );
  }

  schemaHash(): string {
    if (!this.conn.exists()) return schemaHash([], { exclude: (n) => this.conn.own.has(n) });
    const keys = (this.conn.cached(`SELECT ${KEY_COLUMNS} FROM sqlite_master`).raw().all() as string[][]).map((k) => k.join('\u0000'));
    return schemaHashOfKeys(keys, { exclude: (n) => this.conn.own.has(n), cache: this.canonicalCache });
  }

  /** Starts keeping the schema hash up to date incrementally (a full read); returns the hash. */
  startTracking(): string {
    const hasher = new SchemaHasher({ exclude: (n) => this.conn.own.has(n), cache: this.canonicalCache });
    this.tracker = { sv: this.conn.db.pragma('schema_version', { simple: true }) as number, hasher, rows: new Map(), byTable: new Map(), maxRowid: 0, incremental: false };
    for (const row of this.conn.cached(`SELECT rowid, ${KEY_COLUMNS}, lower(name), lower(tbl_name) FROM sqlite_master`).raw().all() as SelectedRow[]) this.track(rawRow(row));
    return hasher.hex();
  }

  private track([rowid, key, name, table]: RawRow): void {
    const t = this.tracker!;
    this.untrack(name);
    t.hasher.add(key);
    t.rows.set(name, { key, table, rowid });
    if (t.maxRowid >= 0 && rowid > t.maxRowid) t.maxRowid = rowid;
    let set = t.byTable.get(table);
    if (!set) t.byTable.set(table, (set = new Set()));
    set.add(name);
  }

  private untrack(name: string): void {
    const t = this.tracker!;
    const r = t.rows.get(name);
    if (!r) return;
    t.hasher.remove(r.key);
    t.rows.delete(name);
    t.byTable.get(r.table)?.delete(name);
    if (r.rowid === t.maxRowid) t.maxRowid = -1; // recomputed when next needed
  }

  /**
   * The schema hash after `statements` ran, without re-reading the whole schema: unchanged when
   * SQLite's schema_version did not move; else dropped objects (and their indexes and triggers)
   * are taken out, altered tables are read again by rowid, and created objects are read from past
   * the highest rowid left (SQLite gives a new schema row the next rowid). A rename, a virtual
   * table or any statement not recognised reads everything. A full read checks the result before
   * every commit (see applyGroup).
   */
  trackedHash(statements: readonly string[]): string {
    const t = this.tracker;
    if (!t || this.incrementalOff) return this.schemaHash();
    const sv = this.conn.db.pragma('schema_version', { simple: true }) as number;
    if (sv === t.sv) return t.hasher.hex();
    const effect = schemaEffect(statements);
    if (!effect) return this.startTracking();
    for (const name of effect.dropped) {
      for (const dependent of [...(t.byTable.get(name) ?? [])]) this.untrack(dependent);
      this.untrack(name);
    }
    for (const name of effect.altered) {
      const r = t.rows.get(name);
      if (!r) continue;
      const selected = this.conn.cached(`SELECT rowid, ${KEY_COLUMNS}, lower(name), lower(tbl_name) FROM sqlite_master WHERE rowid = ?`).raw().get(r.rowid) as SelectedRow | undefined;
      const row = selected && rawRow(selected);
      if (row && row[2] === name) this.track(row);
      else return this.startTracking();
    }
    if (effect.created) {
      if (t.maxRowid < 0) {
        t.maxRowid = 0;
        for (const r of t.rows.values()) if (r.rowid > t.maxRowid) t.maxRowid = r.rowid;
      }
      const max = t.maxRowid;
      for (const row of this.conn.cached(`SELECT rowid, ${KEY_COLUMNS}, lower(name), lower(tbl_name) FROM sqlite_master WHERE rowid > ?`).raw().all(max) as SelectedRow[]) {
        this.track(rawRow(row));
      }
    }
    t.sv = sv;
    t.incremental = true;
    return t.hasher.hex();
  }

  replayHash(objects: readonly SchemaObject[] | null, statements: readonly string[]): string {
    const Database = fileSqlite();
    const scratch = new Database(':memory:');
    try {
      if (objects) recreateSchema(scratch, objects, this.conn.own);
      for (const s of statements) scratch.exec(s);
      const rows = scratch.prepare('SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master').all() as SchemaObject[];
      return schemaHash(rows, { exclude: (n) => this.conn.own.has(n) });
    } finally {
      scratch.close();
    }
  }
}

// An object's key is these four joined by NUL, joined here rather than in SQL: node:sqlite reads
// TEXT only up to its first NUL, so a key built with char(0) would come back cut short.
const KEY_COLUMNS = "type, name, tbl_name, coalesce(sql, '')";

type RawRow = [number, string, string, string];
type SelectedRow = [number, string, string, string, string, string, string];

function rawRow([rowid, type, name, table, sql, lowerName, lowerTable]: SelectedRow): RawRow {
  return [rowid, `${type}\u0000${name}\u0000${table}\u0000${sql}`, lowerName, lowerTable];
}
interface TrackedRow {
  key: string;
  table: string;
  rowid: number;
}

/**
 * What the statements do to the main schema, by lower-cased name: objects created, tables altered
 * in place (ADD/DROP COLUMN), objects dropped. Undefined when that cannot be told from the
 * statements alone (a rename rewrites other objects, a virtual table creates shadow tables, a
 * non-main schema, anything not recognised).
 */
export function schemaEffect(statements: readonly string[]): { created: boolean; altered: Set<string>; dropped: Set<string> } | undefined {
  const effect = { created: false, altered: new Set<string>(), dropped: new Set<string>() };
  for (const sql of statements) {
    const info = describeStatement(tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment'));
    const n = info.name;
    const mainName = (): string | undefined => {
      if (!n || !/^[\x20-\x7e]*$/.test(n.id)) return undefined;
      if (n.schema !== undefined && n.schema.replace(/^["`[]|["`\]]$/g, '').toLowerCase() !== 'main') return undefined;
      return n.id;
    };
    switch (info.kind) {
      case 'create-table':
      case 'create-index':
      case 'create-view':
      case 'create-trigger':
        if (info.temp) break;
        if (!mainName()) return undefined;
        effect.created = true;
        break;
      case 'drop-table':
      case 'drop-index':
      case 'drop-view':
      case 'drop-trigger': {
        const name = mainName();
        if (!name) return undefined;
        effect.dropped.add(name);
        break;
      }
      case 'alter-add-column':
      case 'alter-drop-column': {
        const name = mainName();
        if (!name) return undefined;
        effect.altered.add(name);
        break;
      }
      case 'insert':
      case 'update':
      case 'delete':
      case 'select':
      case 'pragma':
      case 'analyze':
      case 'reindex':
      case 'vacuum':
      case 'savepoint':
      case 'transaction':
        break;
      default:
        return undefined;
    }
  }
  return effect;
}

/** Creates schema objects on an empty database: virtual tables first (their shadow tables come with them), then tables, indexes, views, triggers. */
function recreateSchema(db: Database, objects: readonly SchemaObject[], own: Set<string>): void {
  const rank = (o: SchemaObject) => (/^\s*create\s+virtual\s+table/i.test(o.sql ?? '') ? 0 : o.type === 'table' ? 1 : o.type === 'index' ? 2 : o.type === 'view' ? 3 : 4);
  const wanted = objects.filter((o) => o.sql && !o.name.toLowerCase().startsWith('sqlite_') && !own.has(o.name.toLowerCase()));
  for (const o of [...wanted].sort((a, b) => rank(a) - rank(b))) {
    const exists = db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(o.name);
    if (exists) continue;
    db.exec(o.sql!);
  }
}
