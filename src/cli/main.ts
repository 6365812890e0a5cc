import { didYouMean } from '../engine/config/didYouMean';
import { parseCommandArgs, parseGlobal, type GlobalArgs } from './args';
import { COMMANDS } from './commands';
import { ensureRetryHandlers } from './commands/run';
import { isLockError } from '../engine/errors';
import { ConfigFileError } from '../runner/config';
import { workspacePaths } from '../store/location';
import { memoryOnlyNotice, sqliteDriver } from '../store/sqlite';
import { describeStoreFailure } from '../store/storeFailure';
import { EXIT, UsageError, type CliCommand, type CliContext, type Output } from './command';
import { guardStream, write } from './stdio';

const VERSION = '0.1.0';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: rebound [-C DIR] [--json] COMMAND [ARGS]',
    '',
    'Runs tasks and migrations under Rebound\'s recovery engine and triages their errors,',
    'on the same .rebound/rebound.db the VS Code extension uses.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -C DIR     the workspace folder (default: the current folder)',
    '  --json     print one JSON document on stdout',
    '  --help     show help (also: rebound help COMMAND)',
    '  --version  print the version',
    '',
    'Exit codes: 0 success, 1 the work failed, 2 bad usage or bad config, 3 a lock is held by another runner.',
  ].join('\n');
}

function makeOutput(json: boolean): Output {
  let printed = false;
  return {
    line: (text = '') => {
      if (!json) write(process.stdout, text + '\n');
    },
    json: (value) => {
      if (!json || printed) return;
      printed = true;
      write(process.stdout, JSON.stringify(value, null, 2) + '\n');
    },
    error: (text) => write(process.stderr, text + '\n'),
  };
}

export async function main(argv: string[]): Promise<number> {
  guardStream(process.stdout);
  guardStream(process.stderr);
  let parsed: GlobalArgs;
  try {
    parsed = parseGlobal(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    write(process.stderr, `rebound: ${err.message}\n\n${usage()}\n`);
    return EXIT.usage;
  }
  if (parsed.version) {
    write(process.stdout, VERSION + '\n');
    return EXIT.ok;
  }
  const wantsHelp = parsed.help || parsed.rest.includes('--help') || parsed.rest.includes('-h');
  const name = parsed.command === 'help' ? parsed.rest[0] : parsed.command;
  if (!name) {
    write(process.stdout, usage() + '\n');
    return wantsHelp || parsed.command === 'help' ? EXIT.ok : EXIT.usage;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    const near = didYouMean(name, COMMANDS.map((c) => c.name));
    write(process.stderr, `rebound: unknown command "${name}"${near ? `; did you mean ${near}?` : ''}\n\n${usage()}\n`);
    return EXIT.usage;
  }
  if (parsed.command === 'help' && parsed.rest.length > 1) {
    write(process.stderr, `rebound: help takes one command, got: ${parsed.rest.join(' ')}\n`);
    return EXIT.usage;
  }
  if (wantsHelp || parsed.command === 'help') {
    write(process.stdout, `${cmd.summary}\n\nUsage:\n${cmd.usage.map((u) => `  ${u}`).join('\n')}\n`);
    return EXIT.ok;
  }
  const json = parsed.json || parsed.rest.includes('--json');
  const out = makeOutput(json);
  let args: string[];
  let flags: Map<string, string | true>;
  try {
    ({ args, flags } = parseCommandArgs(cmd, parsed.rest));
  } catch (err) {
    return reportError(err, cmd, out);
  }
  ensureRetryHandlers();
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // No driver that saves to disk (only sql.js in memory): said once, before the command's own output.
    const memoryOnly = memoryOnlyDriver(workspacePaths(parsed.cwd).db);
    if (memoryOnly) out.error(`rebound: warning: ${memoryOnly}`);
    const ctx: CliContext = { cwd: parsed.cwd, json, args, flags, out, signal: controller.signal };
    return await cmd.run(ctx);
  } catch (err) {
    // A SQLite failure of the workspace database: a message naming the file and the next step (a held lock is exit 3).
    return reportError(cmd.name === 'migrate' ? err : describeStoreFailure(err, workspacePaths(parsed.cwd).db), cmd, out);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function memoryOnlyDriver(storeFile: string): string | undefined {
  try {
    return memoryOnlyNotice(sqliteDriver(), storeFile);
  } catch {
    return undefined; // a driver asked for that cannot load: the command says so when it opens the store
  }
}

/** Maps an error to the documented exit code and prints it without a stack trace. */
export function reportError(err: unknown, cmd: CliCommand | undefined, out: Output): number {
  const e = err as { name?: string; message?: string; code?: string; exitCode?: number };
  if (err instanceof UsageError) {
    out.error(`rebound: ${e.message}`);
    if (cmd) out.error(`Usage:\n${cmd.usage.map((u) => `  ${u}`).join('\n')}`);
    out.json({ ok: false, error: { code: 'USAGE', message: e.message } });
    return EXIT.usage;
  }
  if (err instanceof ConfigFileError) {
    // A bad .rebound/config.json: the message names the file, line, column and key.
    out.error(`rebound: ${err.message}`);
    out.json({ ok: false, error: { code: err.code, message: err.message } });
    return EXIT.usage;
  }
  const exit = typeof e?.exitCode === 'number' ? e.exitCode : isLockError(err) ? EXIT.locked : EXIT.failed;
  out.error(`rebound: ${e?.code ? `[${e.code}] ` : ''}${e?.message ?? String(err)}`);
  out.json({ ok: false, error: { code: e?.code ?? 'ERROR', message: e?.message ?? String(err) } });
  return exit;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      write(process.stderr, `rebound: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
