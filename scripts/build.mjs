// Builds Rebound with esbuild.
//   node scripts/build.mjs               extension, migration worker, CLI and webview bundles into dist/ (development)
//   node scripts/build.mjs --production  the same, minified, without source maps
//   node scripts/build.mjs --watch       rebuild the bundles on change
//   node scripts/build.mjs --tests       the bundles plus every src/ and test/ file transpiled to out/
import * as esbuild from 'esbuild';
import { readdirSync, statSync, mkdirSync, copyFileSync, chmodSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const tests = args.has('--tests') || args.has('--transpile');
// --transpile: only src/ and test/ into out/ (fast, for unit tests while developing)
const transpileOnly = args.has('--transpile');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  absWorkingDir: root,
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: ['src/extension/main.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'better-sqlite3'],
    // Prefer ES modules: jsonc-parser's UMD entry loads its parts with dynamic requires.
    mainFields: ['module', 'main'],
  },
  {
    // The migration worker: a child process of the extension host that runs the user's SQL, so
    // that a long statement never blocks the host's thread (src/runner/migrations/worker).
    ...common,
    entryPoints: ['src/runner/migrations/worker/main.ts'],
    outfile: 'dist/migrationWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    mainFields: ['module', 'main'],
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    mainFields: ['module', 'main'],
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    entryPoints: ['webview/src/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    ...common,
    entryPoints: ['webview/src/issue.ts'],
    outfile: 'dist/issue.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

function walk(dir, out = []) {
  let entries;
  try { entries = readdirSync(join(root, dir)); } catch { return out; }
  for (const name of entries) {
    const rel = join(dir, name);
    if (rel === join('test', 'fixtures')) continue; // workspaces the tests open, not test code
    if (statSync(join(root, rel)).isDirectory()) walk(rel, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

if (transpileOnly) builds.length = 0;

if (tests) {
  // Every file on its own (no bundling) so mocha and the extension host load the same modules.
  builds.push({
    entryPoints: [...walk('src'), ...walk('test')],
    outdir: 'out',
    outbase: '.',
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'warning',
    absWorkingDir: root,
  });
}

function copyMedia() {
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const f of ['dashboard.css']) {
    try { copyFileSync(join(root, 'webview', f), join(root, 'dist', f)); } catch { /* optional */ }
  }
  // SQLite in WebAssembly for the memory-only sql.js driver (src/store/sqlJs.ts loads it from beside the bundle).
  copyFileSync(join(root, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'), join(root, 'dist', 'sql-wasm.wasm'));
}

/**
 * schemas/config.schema.json (contributed through jsonValidation) from the zod schema of
 * src/engine/config: bundled to a temporary file, loaded, written only when it changed.
 */
async function writeConfigSchema() {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-schema-'));
  try {
    const outfile = join(dir, 'config.cjs');
    await esbuild.build({
      entryPoints: [join(root, 'src/engine/config/jsonSchema.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      mainFields: ['module', 'main'],
      logLevel: 'warning',
    });
    const { configJsonSchema } = createRequire(import.meta.url)(outfile);
    const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    const target = join(root, 'schemas', 'config.schema.json');
    let current;
    try { current = readFileSync(target, 'utf8'); } catch { current = undefined; }
    if (current !== text) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await writeConfigSchema();

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  copyMedia();
  console.log('[rebound] watching for changes…');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyMedia();
  try { chmodSync(join(root, 'dist/cli.js'), 0o755); } catch { /* not built */ }
  console.log(`[rebound] built ${builds.length} target(s) in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
