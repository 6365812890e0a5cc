/** What a migration file name says: `0007_add_users.sql` is version 7 named `add_users`. */
export interface MigrationFileName {
  /** The numeric version (the digits before the first underscore). */
  version: number;
  /** The digits as written (`0007`), which sets the width of new file names. */
  versionText: string;
  /** The part after the underscore, without `.sql`. */
  name: string;
  fileName: string;
}

const PATTERN = /^(\d+)_([^/\\]+)\.sql$/i;

/** Parses `NNNN_name.sql`; undefined for anything else (other files in the folder are ignored). */
export function parseMigrationFileName(fileName: string): MigrationFileName | undefined {
  const m = PATTERN.exec(fileName);
  if (!m) return undefined;
  const version = Number(m[1]);
  if (!Number.isSafeInteger(version)) return undefined;
  const name = m[2];
  if (name.trim() === '') return undefined;
  return { version, versionText: m[1], name, fileName };
}

/** The file name for `version` and `name`, with the version padded to `width` digits (default 4). */
export function formatMigrationFileName(version: number, name: string, width = 4): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'migration';
  return `${String(version).padStart(width, '0')}_${slug}.sql`;
}
