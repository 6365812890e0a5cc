import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../engine/clock';
import { systemClock } from '../../engine/clock';
import { MigrationError } from '../../engine/errors';
import { randomId } from './identity';
import type { MigrationSnapshots } from './target';

export interface SnapshotInfo {
  /** The id `rebound migrate restore` takes (the file name without `.db`). */
  id: string;
  file: string;
  createdAt: number;
  /** The applied version when it was taken. */
  version: number;
  /** What it was taken for (up, down, to, recover, restore). */
  reason: string;
  sizeBytes: number;
}

const NAME = /^(\d{8}T\d{9}Z)-v(\d+)-([a-z-]+)(?:-[0-9a-f]+)?\.db$/;

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('.', '');
}

function parseStamp(s: string): number {
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;
  return Date.parse(iso);
}

/**
 * Snapshots of one database in a folder: consistent copies (VACUUM INTO, written to a temporary
 * name and renamed, so a crash never leaves a half snapshot under a real name), newest kept.
 */
export class SnapshotStore {
  constructor(
    readonly dir: string,
    readonly keep = 10,
    private readonly clock: Clock = systemClock,
  ) {}

  async take(target: Pick<MigrationSnapshots, 'snapshotTo'>, version: number, reason: string): Promise<SnapshotInfo> {
    mkdirSync(this.dir, { recursive: true });
    const createdAt = this.clock.now();
    const id = `${stamp(createdAt)}-v${version}-${reason.replace(/[^a-z-]/g, '')}-${randomId(2)}`;
    const file = join(this.dir, `${id}.db`);
    const tmp = `${file}.tmp`;
    await target.snapshotTo(tmp);
    renameSync(tmp, file);
    this.prune();
    return { id, file, createdAt, version, reason, sizeBytes: statSync(file).size };
  }

  /** Snapshots, newest first. Leftover temporary files of interrupted snapshots are removed. */
  list(): SnapshotInfo[] {
    if (!existsSync(this.dir)) return [];
    const out: SnapshotInfo[] = [];
    for (const name of readdirSync(this.dir)) {
      const file = join(this.dir, name);
      if (name.endsWith('.db.tmp')) {
        rmSync(file, { force: true });
        continue;
      }
      const m = NAME.exec(name);
      if (!m) continue;
      out.push({ id: name.slice(0, -3), file, createdAt: parseStamp(m[1]), version: Number(m[2]), reason: m[3], sizeBytes: statSync(file).size });
    }
    return out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  /** A snapshot by id, or by a unique prefix of it; `latest` is the newest. */
  find(id: string): SnapshotInfo {
    const all = this.list();
    if (id === 'latest') {
      if (all.length === 0) throw new MigrationError(`There are no snapshots in ${this.dir}.`, { code: 'RB-MIGRATE-SNAPSHOT', guidance: 'RB-MIGRATE-001' });
      return all[0];
    }
    const exact = all.find((s) => s.id === id);
    if (exact) return exact;
    const prefixed = all.filter((s) => s.id.startsWith(id));
    if (prefixed.length === 1) return prefixed[0];
    throw new MigrationError(
      prefixed.length > 1 ? `"${id}" matches ${prefixed.length} snapshots; give more of the id.` : `No snapshot "${id}" in ${this.dir}; \`rebound migrate snapshots\` lists them.`,
      { code: 'RB-MIGRATE-SNAPSHOT', guidance: 'RB-MIGRATE-001' },
    );
  }

  prune(): void {
    const all = this.list();
    for (const s of all.slice(this.keep)) rmSync(s.file, { force: true });
  }
}
