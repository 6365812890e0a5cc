import { join } from 'node:path';

/** Where Rebound keeps its files in a workspace folder. */
export interface WorkspacePaths {
  root: string;
  /** `<root>/.rebound` */
  dir: string;
  /** `<root>/.rebound/rebound.db`, unless overridden (the `rebound.databasePath` setting). */
  db: string;
  /** `<root>/.rebound/config.json` */
  config: string;
}

export function workspacePaths(root: string, dbOverride?: string): WorkspacePaths {
  const dir = join(root, '.rebound');
  return { root, dir, db: dbOverride ?? join(dir, 'rebound.db'), config: join(dir, 'config.json') };
}
