import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineMigration, type MigrationDefinition } from '../../engine/migrations';
import { MigrationError } from '../../engine/errors';

export interface LoadedMigrations {
  definitions: MigrationDefinition[];
  /** `.sql` files whose name is not NNNN_name.sql. */
  ignored: string[];
  /** The folder does not exist. */
  missingFolder: boolean;
}

/** Reads every `NNNN_name.sql` file of a folder, sorted by version; two files with one version are an error. */
export function loadMigrations(dir: string): LoadedMigrations {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { definitions: [], ignored: [], missingFolder: true };
  const definitions: MigrationDefinition[] = [];
  const ignored: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = entry.name;
    if (!name.toLowerCase().endsWith('.sql')) continue;
    const full = join(dir, name);
    if (!(entry.isFile() || (entry.isSymbolicLink() && statSync(full).isFile()))) continue;
    const def = defineMigration(name, readMigrationText(full));
    if (def) definitions.push(def);
    else ignored.push(name);
  }
  definitions.sort((a, b) => a.version - b.version || (a.fileName < b.fileName ? -1 : 1));
  const dupes = definitions.filter((d, i) => i > 0 && definitions[i - 1].version === d.version);
  if (dupes.length > 0) {
    const list = dupes.map((d) => `${d.version} (${definitions.filter((x) => x.version === d.version).map((x) => x.fileName).join(', ')})`);
    throw new MigrationError(`Several migration files share a version in ${dir}: ${[...new Set(list)].join('; ')}. Give each its own number.`, {
      code: 'RB-MIGRATE-DUPLICATE', guidance: 'RB-MIGRATE-001',
      context: { component: 'migrations', file: dir },
    });
  }
  return { definitions, ignored, missingFolder: false };
}

/** Characters SQLite stops reading a statement at: anything after them would be skipped silently. */
const STOPPERS: ReadonlyArray<{ char: string; name: string }> = [{ char: '\0', name: 'a NUL character (U+0000)' }];

/**
 * The text of a migration file, refused (a MigrationError naming the file, line and column) when
 * SQLite would not run it as written: a NUL character ends SQLite's reading of a statement there,
 * so the SQL after it would be skipped while the migration is recorded as applied; bytes that are
 * not UTF-8 would reach the database as U+FFFD instead of what the file holds.
 */
export function readMigrationText(file: string): string {
  const bytes = readFileSync(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const line = firstInvalidUtf8Line(bytes);
    throw textError(file, line, undefined, `line ${line} is not valid UTF-8: save the file as UTF-8`);
  }
  for (const { char, name } of STOPPERS) {
    const at = text.indexOf(char);
    if (at < 0) continue;
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const count = text.split(char).length - 1;
    throw textError(file, line, column, `${name}${count > 1 ? ` (and ${count - 1} more)` : ''}: SQLite stops reading a statement there, so what follows would be skipped silently. Remove it`);
  }
  return text;
}

function firstInvalidUtf8Line(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}

function textError(file: string, line: number, column: number | undefined, what: string): MigrationError {
  return new MigrationError(`${file}:${line}${column === undefined ? '' : `:${column}`}: ${what}. Nothing was applied.`, {
    code: 'RB-MIGRATE-TEXT', guidance: 'RB-MIGRATE-001',
    context: { component: 'migrations', file, line, ...(column === undefined ? {} : { column }) },
  });
}
