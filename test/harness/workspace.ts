import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');

/**
 * A fresh copy of a fixture workspace (a folder of the repository, or an absolute path), so a test
 * run never changes the original. A store left in the fixture is not copied unless `keepStore`.
 */
export function copyWorkspace(fixture: string, options: { keepStore?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'rb-ws-'));
  const target = join(dir, basename(fixture));
  cpSync(isAbsolute(fixture) ? fixture : join(ROOT, fixture), target, { recursive: true, filter: (src) => options.keepStore === true || !/rebound\.db(-wal|-shm)?$/.test(src) });
  return target;
}
