import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');

/** A fresh copy of a fixture workspace, so a test run never changes the repository. */
export function copyWorkspace(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rb-ws-'));
  const target = join(dir, fixture.split('/').pop()!);
  cpSync(join(ROOT, fixture), target, { recursive: true, filter: (src) => !/rebound\.db(-wal|-shm)?$/.test(src) });
  return target;
}
