import type { SqlStatement } from './splitter';
import { identifierOf, isNameToken, type Token } from './tokenizer';

export type StatementKind =
  | 'create-table'
  | 'create-virtual-table'
  | 'create-index'
  | 'create-view'
  | 'create-trigger'
  | 'drop-table'
  | 'drop-index'
  | 'drop-view'
  | 'drop-trigger'
  | 'alter-add-column'
  | 'alter-drop-column'
  | 'alter-rename-table'
  | 'alter-rename-column'
  | 'pragma'
  | 'vacuum'
  | 'transaction'
  | 'savepoint'
  | 'attach'
  | 'detach'
  | 'analyze'
  | 'reindex'
  | 'insert'
  | 'update'
  | 'delete'
  | 'select'
  | 'other';

/** A name as written in the statement (`text`, quotes kept) and as SQLite compares it (`id`). */
export interface NameRef {
  text: string;
  id: string;
  /** The schema qualifier as written (`main` in `main.users`), if any. */
  schema?: string;
}

export interface StatementInfo {
  kind: StatementKind;
  /** The object created, dropped, altered (the table for ALTER), or the pragma's name. */
  name?: NameRef;
  /** CREATE INDEX / CREATE TRIGGER: the table it is on. */
  table?: NameRef;
  /** ADD / DROP / RENAME COLUMN: the column (for RENAME, the old name). */
  column?: NameRef;
  /** RENAME TO / RENAME COLUMN ... TO: the new name. */
  newName?: NameRef;
  /** CREATE TABLE: the column names, lower-cased. */
  columns?: string[];
  /** PRAGMA name = value / PRAGMA name(value). */
  pragmaAssigned?: boolean;
  /** BEGIN, COMMIT, END, ROLLBACK (not ROLLBACK TO). */
  transactionVerb?: string;
  ifExists?: boolean;
  ifNotExists?: boolean;
  temp?: boolean;
  /** CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY (PostgreSQL). */
  concurrently?: boolean;
  /** Why the statement cannot run in a transaction, for statements only that says (PostgreSQL's). */
  outsideTransaction?: string;
}

const w = (t: Token | undefined): string => (t && t.kind === 'word' ? t.text.toUpperCase() : '');
const isPunct = (t: Token | undefined, c: string): boolean => t !== undefined && t.kind === 'punct' && t.text === c;

/** Reads `[schema.]name` at `i`; returns the name and the index after it. */
function readName(tokens: Token[], i: number): { ref: NameRef; next: number } | undefined {
  const a = tokens[i];
  if (!isNameToken(a)) return undefined;
  if (isPunct(tokens[i + 1], '.') && isNameToken(tokens[i + 2])) {
    const b = tokens[i + 2];
    return { ref: { text: b.text, id: identifierOf(b), schema: a.text }, next: i + 3 };
  }
  return { ref: { text: a.text, id: identifierOf(a) }, next: i + 1 };
}

function skipIf(tokens: Token[], i: number, words: string[]): number {
  for (let k = 0; k < words.length; k++) if (w(tokens[i + k]) !== words[k]) return i;
  return i + words.length;
}

/** Column names of a `CREATE TABLE name ( ... )` definition list. */
function tableColumns(tokens: Token[], open: number): string[] {
  if (!isPunct(tokens[open], '(')) return [];
  const columns: string[] = [];
  let depth = 0;
  let atElementStart = true;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i];
    if (isPunct(t, '(')) {
      depth++;
      if (depth === 1) {
        atElementStart = true;
        continue;
      }
    } else if (isPunct(t, ')')) {
      depth--;
      if (depth === 0) break;
    } else if (depth === 1 && isPunct(t, ',')) {
      atElementStart = true;
      continue;
    }
    if (depth === 1 && atElementStart) {
      atElementStart = false;
      const kw = w(t);
      if (['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'].includes(kw)) continue;
      if (isNameToken(t)) columns.push(identifierOf(t));
    }
  }
  return columns;
}

/** Recognises what a statement does, from its tokens (no SQL engine needed). */
export function describeStatement(statement: SqlStatement | Token[]): StatementInfo {
  const t = Array.isArray(statement) ? statement : statement.tokens;
  const k0 = w(t[0]);
  switch (k0) {
    case 'CREATE': {
      let i = 1;
      let temp = false;
      if (w(t[i]) === 'TEMP' || w(t[i]) === 'TEMPORARY') {
        temp = true;
        i++;
      }
      let unique = false;
      if (w(t[i]) === 'UNIQUE') {
        unique = true;
        i++;
      }
      const what = w(t[i]);
      if (what === 'DATABASE') return { kind: 'other', outsideTransaction: 'CREATE DATABASE cannot run inside a transaction' };
      const virtual = what === 'VIRTUAL' && w(t[i + 1]) === 'TABLE';
      i += virtual ? 2 : 1;
      const concurrently = what === 'INDEX' && w(t[i]) === 'CONCURRENTLY';
      if (concurrently) i++;
      const afterIf = skipIf(t, i, ['IF', 'NOT', 'EXISTS']);
      const ifNotExists = afterIf !== i;
      const name = readName(t, afterIf);
      if (virtual) return { kind: 'create-virtual-table', name: name?.ref, ifNotExists, temp };
      if (what === 'TABLE' && !unique) {
        return { kind: 'create-table', name: name?.ref, ifNotExists, temp, columns: name ? tableColumns(t, name.next) : [] };
      }
      if (what === 'INDEX') {
        const on = name && w(t[name.next]) === 'ON' ? readName(t, name.next + 1) : undefined;
        if (concurrently) return { kind: 'create-index', name: name?.ref, table: on?.ref, ifNotExists, temp, concurrently, outsideTransaction: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction' };
        return { kind: 'create-index', name: name?.ref, table: on?.ref, ifNotExists, temp };
      }
      if (what === 'VIEW' && !unique) return { kind: 'create-view', name: name?.ref, ifNotExists, temp };
      if (what === 'TRIGGER' && !unique) {
        let table: NameRef | undefined;
        for (let j = name?.next ?? t.length; j < t.length; j++) {
          const kw = w(t[j]);
          if (kw === 'BEGIN') break;
          if (kw === 'ON') {
            table = readName(t, j + 1)?.ref;
            break;
          }
        }
        return { kind: 'create-trigger', name: name?.ref, table, ifNotExists, temp };
      }
      return { kind: 'other' };
    }
    case 'DROP': {
      const what = w(t[1]);
      const kinds: Record<string, StatementKind> = { TABLE: 'drop-table', INDEX: 'drop-index', VIEW: 'drop-view', TRIGGER: 'drop-trigger' };
      const kind = kinds[what];
      if (what === 'DATABASE') return { kind: 'other', outsideTransaction: 'DROP DATABASE cannot run inside a transaction' };
      if (!kind) return { kind: 'other' };
      const concurrently = what === 'INDEX' && w(t[2]) === 'CONCURRENTLY';
      const from = concurrently ? 3 : 2;
      const afterIf = skipIf(t, from, ['IF', 'EXISTS']);
      if (concurrently) return { kind, name: readName(t, afterIf)?.ref, ifExists: afterIf !== from, concurrently, outsideTransaction: 'DROP INDEX CONCURRENTLY cannot run inside a transaction' };
      return { kind, name: readName(t, afterIf)?.ref, ifExists: afterIf !== 2 };
    }
    case 'ALTER': {
      if (w(t[1]) === 'SYSTEM') return { kind: 'other', outsideTransaction: 'ALTER SYSTEM cannot run inside a transaction' };
      if (w(t[1]) !== 'TABLE') return { kind: 'other' };
      const table = readName(t, 2);
      if (!table) return { kind: 'other' };
      let i = table.next;
      const verb = w(t[i]);
      if (verb === 'RENAME') {
        i++;
        if (w(t[i]) === 'TO') return { kind: 'alter-rename-table', name: table.ref, newName: readName(t, i + 1)?.ref };
        if (w(t[i]) === 'COLUMN') i++;
        const from = readName(t, i);
        const to = from && w(t[from.next]) === 'TO' ? readName(t, from.next + 1) : undefined;
        return { kind: 'alter-rename-column', name: table.ref, column: from?.ref, newName: to?.ref };
      }
      if (verb === 'ADD') {
        i++;
        if (w(t[i]) === 'COLUMN') i++;
        return { kind: 'alter-add-column', name: table.ref, column: readName(t, i)?.ref };
      }
      if (verb === 'DROP') {
        i++;
        if (w(t[i]) === 'COLUMN') i++;
        return { kind: 'alter-drop-column', name: table.ref, column: readName(t, i)?.ref };
      }
      return { kind: 'other', name: table.ref };
    }
    case 'PRAGMA': {
      const name = readName(t, 1);
      const next = name ? t[name.next] : undefined;
      return { kind: 'pragma', name: name?.ref, pragmaAssigned: isPunct(next, '=') || isPunct(next, '(') };
    }
    case 'VACUUM':
      return { kind: 'vacuum' };
    case 'BEGIN':
    case 'COMMIT':
    case 'END':
      return { kind: 'transaction', transactionVerb: k0 };
    case 'ROLLBACK': {
      // ROLLBACK [TRANSACTION] TO [SAVEPOINT] x works inside a transaction.
      const i = w(t[1]) === 'TRANSACTION' ? 2 : 1;
      if (w(t[i]) === 'TO') return { kind: 'savepoint' };
      return { kind: 'transaction', transactionVerb: k0 };
    }
    case 'SAVEPOINT':
    case 'RELEASE':
      return { kind: 'savepoint' };
    case 'ATTACH':
      return { kind: 'attach' };
    case 'DETACH':
      return { kind: 'detach' };
    case 'ANALYZE':
      return { kind: 'analyze' };
    case 'REINDEX':
      if (t.some((x) => w(x) === 'CONCURRENTLY')) return { kind: 'reindex', concurrently: true, outsideTransaction: 'REINDEX ... CONCURRENTLY cannot run inside a transaction' };
      return { kind: 'reindex' };
    case 'INSERT':
    case 'REPLACE': {
      // INSERT [OR x] INTO name / REPLACE INTO name
      const into = t.findIndex((tok, i) => i > 0 && i < 4 && w(tok) === 'INTO');
      return { kind: 'insert', name: into > 0 ? readName(t, into + 1)?.ref : undefined };
    }
    case 'UPDATE': {
      const at = w(t[1]) === 'OR' ? 3 : 1;
      return { kind: 'update', name: readName(t, at)?.ref };
    }
    case 'DELETE':
      return { kind: 'delete', name: w(t[1]) === 'FROM' ? readName(t, 2)?.ref : undefined };
    case 'SELECT':
    case 'VALUES':
      return { kind: 'select' };
    case 'WITH': {
      // The verb after the CTEs (depth 0).
      let depth = 0;
      for (let i = 1; i < t.length; i++) {
        const tok = t[i];
        if (isPunct(tok, '(')) depth++;
        else if (isPunct(tok, ')')) depth--;
        else if (depth === 0 && ['INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'SELECT', 'VALUES'].includes(w(tok))) return describeStatement(t.slice(i));
      }
      return { kind: 'other' };
    }
    default:
      return { kind: 'other' };
  }
}

/**
 * Pragmas that fail, or are silently ignored, inside a transaction (checked on SQLite 3.53:
 * journal_mode and synchronous fail, wal_checkpoint fails, foreign_keys is a documented no-op,
 * page_size and auto_vacuum only take effect through a VACUUM, which cannot run in a transaction).
 */
const NON_TRANSACTIONAL_PRAGMAS: Record<string, string> = {
  journal_mode: 'PRAGMA journal_mode cannot change the journal mode inside a transaction',
  synchronous: 'PRAGMA synchronous cannot be changed inside a transaction',
  foreign_keys: 'PRAGMA foreign_keys is silently ignored inside a transaction',
  wal_checkpoint: 'PRAGMA wal_checkpoint cannot run inside a transaction',
  page_size: 'PRAGMA page_size only takes effect with a VACUUM, which cannot run inside a transaction',
  auto_vacuum: 'PRAGMA auto_vacuum only takes effect with a VACUUM, which cannot run inside a transaction',
};

/**
 * Why SQLite cannot run this statement inside Rebound's transaction (undefined when it can):
 * VACUUM, BEGIN/COMMIT/END/ROLLBACK, DETACH and the pragmas above.
 */
export function nonTransactionalReason(info: StatementInfo): string | undefined {
  if (info.outsideTransaction) return info.outsideTransaction;
  switch (info.kind) {
    case 'vacuum':
      return 'VACUUM cannot run inside a transaction';
    case 'transaction':
      return `${info.transactionVerb} would end or nest the transaction Rebound runs the migration in`;
    case 'detach':
      return 'DETACH fails inside a transaction';
    case 'pragma': {
      const name = info.name?.id ?? '';
      const reason = NON_TRANSACTIONAL_PRAGMAS[name];
      if (!reason) return undefined;
      if (name === 'wal_checkpoint' || info.pragmaAssigned) return reason;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** DROP TABLE and ALTER TABLE ... DROP COLUMN lose data. */
export function isDestructive(info: StatementInfo): boolean {
  return info.kind === 'drop-table' || info.kind === 'alter-drop-column';
}

/** Statements that change neither the schema nor data Rebound tracks, so a partial run needs no undo for them. */
export function isSchemaNeutral(info: StatementInfo): boolean {
  return ['pragma', 'vacuum', 'analyze', 'reindex', 'select', 'transaction', 'savepoint'].includes(info.kind);
}

function qualified(ref: NameRef, schema?: string): string {
  return schema ? `${schema}.${ref.text}` : ref.schema ? `${ref.schema}.${ref.text}` : ref.text;
}

/**
 * The statement that undoes a simple schema statement, or undefined when none can be derived
 * (data changes, DROP TABLE, anything not recognised):
 * CREATE TABLE/VIEW/INDEX/TRIGGER -> DROP ..., ADD COLUMN -> DROP COLUMN, RENAME -> RENAME back.
 */
export function inverseStatement(info: StatementInfo): string | undefined {
  const n = info.name;
  switch (info.kind) {
    case 'create-table':
    case 'create-virtual-table':
      return n ? `DROP TABLE ${qualified(n)}` : undefined;
    case 'create-index':
      return n ? `DROP INDEX ${qualified(n)}` : undefined;
    case 'create-view':
      return n ? `DROP VIEW ${qualified(n)}` : undefined;
    case 'create-trigger':
      return n ? `DROP TRIGGER ${qualified(n)}` : undefined;
    case 'alter-add-column':
      return n && info.column ? `ALTER TABLE ${qualified(n)} DROP COLUMN ${info.column.text}` : undefined;
    case 'alter-rename-table':
      return n && info.newName ? `ALTER TABLE ${qualified(info.newName, n.schema)} RENAME TO ${n.text}` : undefined;
    case 'alter-rename-column':
      return n && info.column && info.newName ? `ALTER TABLE ${qualified(n)} RENAME COLUMN ${info.newName.text} TO ${info.column.text}` : undefined;
    default:
      return undefined;
  }
}
