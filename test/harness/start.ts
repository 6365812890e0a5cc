/**
 * `npm start`: builds and packages Rebound as a VSIX, installs it into the test VS Code
 * (code-server, installed on first use) and serves the demo workspace on 127.0.0.1.
 *
 *   npm start                  http://127.0.0.1:8080
 *   npm start -- --port 9000   (or REBOUND_PORT=9000 npm start)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, startCodeServer } from './codeServer';
import { cleanupAll, installExitHandlers, run } from './processes';
import { ROOT } from './workspace';

function port(): number {
  const i = process.argv.indexOf('--port');
  const raw = i >= 0 ? process.argv[i + 1] : (process.env.REBOUND_PORT ?? '8080');
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    process.stderr.write(`--port expects a TCP port (1-65535), got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  installExitHandlers();
  const p = port();
  const vsix = join(ROOT, 'rebound.vsix');
  process.stdout.write('[start] packaging the extension (production build + vsce)…\n');
  await run(join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--out', vsix, '--skip-license', '--no-rewrite-relative-links'], { cwd: ROOT, quiet: true, timeoutMs: 300_000 });
  const profile = join(cacheDir(), '..', 'demo-profile');
  mkdirSync(profile, { recursive: true });
  const workspace = join(ROOT, 'demo');
  process.stdout.write('[start] starting VS Code (code-server) with Rebound installed…\n');
  const server = await startCodeServer({
    workspace,
    port: p,
    userDataDir: join(profile, 'user'),
    extensionsDir: join(profile, 'extensions'),
    installExtensions: [vsix],
  });
  process.stdout.write(
    `\nRebound is running on the demo workspace (${workspace}).\n` +
      `Open ${server.url}/?folder=${encodeURIComponent(workspace)} in a browser.\n` +
      `Press Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
  process.stdout.write('[start] the server stopped.\n');
}

main().catch(async (err) => {
  process.stderr.write(`[start] ${(err as Error)?.stack ?? String(err)}\n`);
  await cleanupAll();
  process.exit(1);
});
