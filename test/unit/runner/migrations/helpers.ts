import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '../../../../src/engine/clock';
import { Migrator, SnapshotStore, SqliteTarget, type MigratorOptions } from '../../../../src/runner/migrations';
import { sqlite, type Database } from '../../../../src/store/sqlite';

export interface Sandbox {
  root: string;
  dir: string;
  db: string;
  write(fileName: string, text: string): void;
  remove(fileName: string): void;
  open(options?: Partial<MigratorOptions>): { migrator: Migrator; target: SqliteTarget };
  /** A second, plain connection to the target database. */
  raw(): Database;
  dispose(): void;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'rebound-mig-test-'));
  const dir = join(root, 'migrations');
  mkdirSync(dir);
  const db = join(root, 'app.db');
  const opened: SqliteTarget[] = [];
  const raws: Database[] = [];
  return {
    root,
    dir,
    db,
    write: (f, t) => writeFileSync(join(dir, f), t),
    remove: (f) => rmSync(join(dir, f)),
    open: (options = {}) => {
      const target = (options.target as SqliteTarget | undefined) ?? new SqliteTarget({ file: db, busyTimeoutMs: 200 });
      opened.push(target);
      const migrator = new Migrator({
        target,
        migrationsDir: dir,
        database: 'app',
        snapshots: new SnapshotStore(join(root, 'snapshots'), 5),
        scratchDir: root,
        lock: { waitMs: 0 },
        ...options,
      });
      return { migrator, target };
    },
    raw: () => {
      const d = new (sqlite())(db);
      raws.push(d);
      return d;
    },
    dispose: () => {
      for (const t of opened) t.close();
      for (const r of raws) if (r.open) r.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** `-- rebound:up` / `-- rebound:down` text. */
export function migration(up: string[], down?: string[], noTransaction = false): string {
  const lines = [...(noTransaction ? ['-- rebound:no-transaction'] : []), '-- rebound:up', ...up.map((s) => `${s};`)];
  if (down) lines.push('-- rebound:down', ...down.map((s) => `${s};`));
  return lines.join('\n') + '\n';
}

/** A fake clock as the engine's Clock, plus the controls of @sinonjs/fake-timers. */
export function fakeClock(start = 1_700_000_000_000): { clock: Clock; fake: FakeTimers.Clock } {
  const fake = FakeTimers.createClock(start);
  return {
    fake,
    clock: {
      now: () => fake.now,
      setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
      clearTimeout: (h) => fake.clearTimeout(h as FakeTimers.TimerId),
    },
  };
}

export function tables(db: Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'rebound_%' ORDER BY name").all() as Array<{ name: string }>).map(
    (r) => r.name,
  );
}
