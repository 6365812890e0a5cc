// Packages Rebound as a VSIX (`npm run package`).
//
//   npm run package                                   universal VSIX (rebound.vsix): node:sqlite on
//                                                     VS Code 1.101+ on every platform
//   npm run package -- --target win32-x64 --better-sqlite3 path/to/better_sqlite3.node
//                                                     platform-specific VSIX (rebound-win32-x64.vsix)
//                                                     that also carries that better-sqlite3 binary
//
// The binary must be built for that platform's VS Code (its Electron), for example with
// `npx @electron/rebuild -f -w better-sqlite3 -v <Electron version>` on that platform, or taken
// from better-sqlite3's prebuilt releases (electron-v<ABI>-<platform>-<arch>). Without
// --better-sqlite3, --target makes a platform-specific VSIX that runs on node:sqlite alone.
// The package is staged in a temporary folder so nothing in node_modules is touched.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, readFileSync, rmSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = ['win32-x64', 'win32-arm64', 'linux-x64', 'linux-arm64', 'linux-armhf', 'alpine-x64', 'alpine-arm64', 'darwin-x64', 'darwin-arm64'];

function fail(message) {
  process.stderr.write(`package: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const out = { target: undefined, binary: undefined, out: undefined, skipBuild: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--target') out.target = value();
    else if (a === '--better-sqlite3') out.binary = resolve(value());
    else if (a === '--out') out.out = resolve(value());
    else if (a === '--skip-build') out.skipBuild = true;
    else fail(`unknown argument ${a} (expected --target PLATFORM, --better-sqlite3 FILE.node, --out FILE.vsix, --skip-build)`);
  }
  if (out.target && !TARGETS.includes(out.target)) fail(`--target ${out.target} is not a VS Code platform (expected one of ${TARGETS.join(', ')})`);
  if (out.binary && !out.target) fail('--better-sqlite3 needs --target: a native binary runs on one platform only');
  return out;
}

/** The executable format a platform loads, checked against the binary's first bytes. */
function checkBinary(file, target) {
  if (!existsSync(file)) fail(`--better-sqlite3 ${file}: no such file`);
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(4);
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  const format = head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
    ? 'ELF'
    : head.subarray(0, 2).toString('latin1') === 'MZ'
      ? 'PE'
      : [0xfeedfacf, 0xcffaedfe, 0xcafebabe, 0xbebafeca].includes(head.readUInt32BE(0))
        ? 'Mach-O'
        : 'unknown';
  const wanted = target.startsWith('win32') ? 'PE' : target.startsWith('darwin') ? 'Mach-O' : 'ELF';
  if (format !== wanted) fail(`--better-sqlite3 ${file} is ${format === 'unknown' ? 'not a native module' : `a ${format} file`}, but ${target} loads ${wanted} binaries: build it on (or for) ${target}`);
}

const args = parseArgs(process.argv.slice(2));
if (args.binary) checkBinary(args.binary, args.target);
const vsix = args.out ?? join(root, args.target ? `rebound-${args.target}.vsix` : 'rebound.vsix');

if (!args.skipBuild) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production'], { stdio: 'inherit', cwd: root });

const stage = mkdtempSync(join(tmpdir(), 'rebound-vsix-'));
try {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // The bundles carry every JavaScript dependency; better-sqlite3, when present, is staged below.
  pkg.dependencies = {};
  delete pkg.devDependencies;
  delete pkg.scripts;
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE']) copyFileSync(join(root, f), join(stage, f));
  mkdirSync(join(stage, 'dist'));
  // Every bundle and stylesheet the build made (extension, CLI, migration worker, each webview page)
  // and sql.js's WebAssembly (the memory-only driver where no other loads), no source maps.
  for (const f of readdirSync(join(root, 'dist'))) {
    if (/\.(js|css|wasm)$/.test(f)) copyFileSync(join(root, 'dist', f), join(stage, 'dist', f));
  }
  for (const f of ['extension.js', 'migrationWorker.js', 'webview.js', 'issue.js', 'cli.js', 'sql-wasm.wasm']) {
    if (!existsSync(join(stage, 'dist', f))) throw new Error(`dist/${f} is missing: run the build first`);
  }
  for (const d of ['media', 'schemas']) cpSync(join(root, d), join(stage, d), { recursive: true });
  if (args.binary) {
    // better-sqlite3's JavaScript (it loads the binary given as nativeBinding: no `bindings` lookup).
    const from = join(root, 'node_modules', 'better-sqlite3');
    const to = join(stage, 'native', 'better-sqlite3');
    mkdirSync(to, { recursive: true });
    copyFileSync(join(from, 'package.json'), join(to, 'package.json'));
    cpSync(join(from, 'lib'), join(to, 'lib'), { recursive: true });
    copyFileSync(args.binary, join(stage, 'native', 'better_sqlite3.node'));
  }
  writeFileSync(join(stage, '.vscodeignore'), '');
  const vsce = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
  const vsceArgs = ['package', '--no-dependencies', '--no-rewrite-relative-links', '--skip-license', '--out', vsix];
  if (args.target) vsceArgs.push('--target', args.target);
  execFileSync(vsce, vsceArgs, { stdio: 'inherit', cwd: stage });
  process.stdout.write(
    `package: ${vsix}: ${args.target ? `${args.target}, ` : 'universal, '}${args.binary ? `better-sqlite3 (${args.binary}) and node:sqlite` : 'node:sqlite (VS Code 1.101 or later)'}\n`,
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
