/**
 * The test harness behind `npm test`: unit tests (mocha in Node), integration tests (mocha inside
 * a real VS Code extension host: code-server + Chromium here, @vscode/test-electron with
 * REBOUND_TEST_VSCODE=electron) and UI tests (playwright-core driving the real workbench).
 *
 *   node out/test/harness/run.js [unit|integration|ui ...]
 *
 * Prints every suite's results and a closing `N passed, N failed` line; exits non-zero on any
 * failure; stops every process it started, also after a failure, a timeout or Ctrl-C.
 */
import { join } from 'node:path';
import { flavorsFromEnv } from './codeServer';
import { runNodeSqliteUnit, runSqlJsUnit } from './driverPhase';
import { cleanupAll, installExitHandlers } from './processes';
import { PROFILES, runIntegration } from './integration';
import { findFiles, runMocha } from './mochaPhase';
import { PG_URL_ENV, startTestPostgres } from './postgres';
import type { PhaseResult } from './phase';
import { ROOT } from './workspace';
import { runUi } from './ui';

type PhaseName = 'unit' | 'integration' | 'ui';
const ALL: PhaseName[] = ['unit', 'integration', 'ui'];

async function phase(name: string, fn: () => Promise<PhaseResult | PhaseResult[]>): Promise<PhaseResult[]> {
  const started = Date.now();
  process.stdout.write(`\n━━ ${name} ━━\n`);
  try {
    const r = await fn();
    const list = Array.isArray(r) ? r : [r];
    process.stdout.write(`━━ ${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return list;
  } catch (err) {
    process.stdout.write(`✗ ${name} could not run: ${(err as Error)?.stack ?? String(err)}\n`);
    return [{ name, passed: 0, failed: 1, errors: [`${name}: ${(err as Error)?.message ?? String(err)}`] }];
  }
}

async function main(): Promise<number> {
  installExitHandlers();
  const wanted = process.argv.slice(2).filter((a): a is PhaseName => (ALL as string[]).includes(a));
  const bad = process.argv.slice(2).filter((a) => !(ALL as string[]).includes(a));
  if (bad.length) {
    process.stderr.write(`unknown phase(s): ${bad.join(', ')} (expected ${ALL.join(', ')})\n`);
    return 2;
  }
  const phases = wanted.length ? wanted : ALL;
  const results: PhaseResult[] = [];
  const started = Date.now();
  if (phases.includes('unit')) {
    // A real PostgreSQL server for the migration suites that run on both engines.
    const pg = process.env[PG_URL_ENV] ? undefined : await startTestPostgres();
    if (pg) process.env[PG_URL_ENV] = pg.url;
    try {
      results.push(...(await phase('unit', () => runMocha('unit', findFiles(join(ROOT, 'out', 'test', 'unit'), '.test.js')))));
    } finally {
      pg?.stop();
      if (pg) delete process.env[PG_URL_ENV];
    }
    // The SQLite suites once more on the other driver (node:sqlite, Node 22).
    if (process.env.REBOUND_TEST_NODE_SQLITE !== '0') results.push(...(await phase('unit (node:sqlite)', () => runNodeSqliteUnit())));
    // And on sql.js, the memory-only driver where neither loads (desktop VS Code 1.100, the CLI on Node 20 without a build).
    results.push(...(await phase('unit (sql.js)', () => runSqlJsUnit())));
  }
  // Each VS Code of the matrix (code-server 4.100.3 on Node 20, the newest code-server on Node 24).
  // The integration phases share one PostgreSQL server (the extension host gets its url), stopped
  // after them, also when one fails.
  const pg =
    phases.includes('integration') && !process.env[PG_URL_ENV]
      ? await startTestPostgres().catch((err: unknown) => {
          // The PostgreSQL suite then fails saying so; the others run.
          process.stderr.write(`could not start PostgreSQL for the integration phases: ${(err as Error)?.message ?? String(err)}\n`);
          return undefined;
        })
      : undefined;
  if (pg) process.env[PG_URL_ENV] = pg.url;
  try {
    for (const flavor of flavorsFromEnv()) {
      if (phases.includes('integration')) {
        for (const profile of profilesFromEnv()) results.push(...(await phase(`${profile.name}@${flavor.name}`, () => runIntegration(profile, flavor))));
      }
      if (phases.includes('ui')) {
        results.push(...(await phase(`ui@${flavor.name}`, () => runUi(flavor))));
      }
    }
  } finally {
    pg?.stop();
    if (pg) delete process.env[PG_URL_ENV];
  }
  await cleanupAll();

  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  process.stdout.write(`\nSummary (${((Date.now() - started) / 1000).toFixed(0)} s):\n`);
  for (const r of results) {
    process.stdout.write(`  ${r.name.padEnd(22)} ${r.passed} passed, ${r.failed} failed\n`);
    for (const e of r.errors) process.stdout.write(`    ✗ ${e}\n`);
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    await cleanupAll();
    process.exit(1);
  },
);

/** The integration profiles to run: all, or those REBOUND_TEST_PROFILE names (comma-separated). */
function profilesFromEnv(): typeof PROFILES {
  const wanted = process.env.REBOUND_TEST_PROFILE?.split(',').map((p) => p.trim()).filter(Boolean);
  if (!wanted?.length) return PROFILES;
  const unknown = wanted.filter((w) => !PROFILES.some((p) => p.name === w));
  if (unknown.length) throw new Error(`REBOUND_TEST_PROFILE: unknown profile(s) ${unknown.join(', ')} (expected ${PROFILES.map((p) => p.name).join(', ')})`);
  return PROFILES.filter((p) => wanted.includes(p.name));
}
