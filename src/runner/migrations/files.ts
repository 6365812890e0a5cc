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
    const def = defineMigration(name, readFileSync(full, 'utf8'));
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
