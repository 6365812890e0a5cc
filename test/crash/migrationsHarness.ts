import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { recordedStatements, schemaHash, type SchemaObject } from '../../src/engine/migrations';
import { sqlite } from '../../src/store/sqlite';
import { crashFixture } from './migrationsFixture';

/** The CLI to run: REBOUND_CLI, else the bundle dist/cli.js, else the transpiled out/src/cli/main.js. */
export function defaultCli(): string {
  if (process.env.REBOUND_CLI) return resolve(process.env.REBOUND_CLI);
  const root = resolve(__dirname, '..', '..', '..');
  const dist = join(root, 'dist', 'cli.js');
  if (existsSync(dist)) return dist;
  return join(root, 'out', 'src', 'cli', 'main.js');
}

export interface Workspace {
  root: string;
  db: string;
  dispose(): void;
}

/** A temp workspace with `.rebound/config.json` naming database `app` and the fixture's migrations. */
export function createWorkspace(options: { scale?: number; count?: number; lock?: Record<string, number>; snapshots?: boolean } = {}): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'rebound-mig-'));
  mkdirSync(join(root, '.rebound'), { recursive: true });
  mkdirSync(join(root, 'migrations'));
  const migrations = crashFixture(options.scale ?? 1).slice(0, options.count ?? 30);
  for (const m of migrations) writeFileSync(join(root, 'migrations', m.fileName), m.text);
  const db: Record<string, unknown> = { path: 'data/app.db', migrations: 'migrations' };
  if (options.lock) db.lock = options.lock;
  if (options.snapshots !== undefined) db.snapshots = options.snapshots ? { keep: 3 } : false;
  writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ databases: { app: db } }, null, 2));
  return { root, db: join(root, 'data', 'app.db'), dispose: () => rmSync(root, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts `node CLI -C root ...args`; `killAfterMs` sends SIGKILL after that long. */
export function startCli(cli: string, root: string, args: string[], killAfterMs?: number): { child: ChildProcess; done: Promise<CliResult> } {
  const started = Date.now();
  const child = spawn(process.execPath, [cli, '-C', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  let timer: NodeJS.Timeout | undefined;
  if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolveDone({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return { child, done };
}

export function runCli(cli: string, root: string, args: string[], killAfterMs?: number): Promise<CliResult> {
  return startCli(cli, root, args, killAfterMs).done;
}

export interface DbCheck {
  ok: boolean;
  problems: string[];
  applied: number[];
  liveHash: string;
  replayHash: string;
  lockHeld: boolean;
}

const OWN = new Set(['rebound_migrations', 'rebound_migrations_journal', 'rebound_migrations_runs', 'rebound_migrations_lock']);

/**
 * Checks a target database independently of the migrator: integrity_check ok, foreign_key_check
 * empty, no lock row, and the live schema hash equal to a fresh in-memory replay of the up SQL
 * recorded in history (in the order applied).
 */
export function checkDatabase(file: string): DbCheck {
  const Database = sqlite();
  const db = new Database(file);
  const problems: string[] = [];
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (!(integrity.length === 1 && integrity[0] === 'ok')) problems.push(`integrity_check: ${integrity.join('; ')}`);
    const fk = db.pragma('foreign_key_check') as unknown[];
    if (fk.length > 0) problems.push(`foreign_key_check: ${fk.length} violation(s)`);
    const hasHistory = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'rebound_migrations'").get() as { n: number };
    const history =
      hasHistory.n > 0
        ? (db.prepare('SELECT version, up_sql, success FROM rebound_migrations ORDER BY applied_at, version').all() as Array<{ version: number; up_sql: string; success: number }>)
        : [];
    if (history.some((h) => h.success !== 1)) problems.push('history has failed rows left');
    const applied = history.filter((h) => h.success === 1);
    const lockHeld = hasHistory.n > 0 && (db.prepare('SELECT count(*) AS n FROM rebound_migrations_lock').get() as { n: number }).n > 0;
    if (lockHeld) problems.push('the lock is still held');
    const exclude = (n: string) => OWN.has(n);
    const liveHash = schemaHash(db.prepare('SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master').all() as SchemaObject[], { exclude });
    const scratch = new Database(':memory:');
    let replayHash = '';
    try {
      for (const h of applied) for (const s of recordedStatements(h.up_sql)) scratch.exec(s);
      replayHash = schemaHash(scratch.prepare('SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master').all() as SchemaObject[], { exclude });
    } catch (err) {
      problems.push(`replay failed: ${(err as Error).message}`);
    } finally {
      scratch.close();
    }
    if (replayHash !== liveHash) problems.push(`schema hash ${liveHash.slice(0, 12)} differs from the replay of the ${applied.length} recorded migration(s) (${replayHash.slice(0, 12)})`);
    return { ok: problems.length === 0, problems, applied: applied.map((h) => h.version).sort((a, b) => a - b), liveHash, replayHash, lockHeld };
  } finally {
    db.close();
  }
}

/** A small seeded random source (mulberry32), so a campaign can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
