import { resolve } from 'node:path';
import { COMMANDS } from './commands';
import { ensureRetryHandlers } from './commands/run';
import { isLockError } from '../engine/errors';
import { ConfigFileError } from '../runner/config';
import { workspacePaths } from '../store/location';
import { describeStoreFailure } from '../store/storeFailure';
import { EXIT, UsageError, type CliCommand, type CliContext, type Output } from './command';

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

interface Parsed {
  cwd: string;
  json: boolean;
  help: boolean;
  version: boolean;
  command?: string;
  rest: string[];
}

function parseGlobal(argv: string[]): Parsed {
  const p: Parsed = { cwd: process.cwd(), json: false, help: false, version: false, rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-C') {
      if (i + 1 >= argv.length) throw new UsageError('-C expects a folder');
      p.cwd = resolve(argv[++i]);
    } else if (a.startsWith('-C') && a.length > 2) p.cwd = resolve(a.slice(2));
    else if (a === '--json') p.json = true;
    else if (a === '--help' || a === '-h') p.help = true;
    else if (a === '--version' || a === '-V') p.version = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else break;
  }
  p.command = argv[i];
  // Global options may also follow the command (`rebound errors list --json`).
  for (const a of argv.slice(i + 1)) {
    if (a === '--json') p.json = true;
    else if (a === '--help' || a === '-h') p.help = true;
    else p.rest.push(a);
  }
  return p;
}

function parseCommandArgs(cmd: CliCommand, rest: string[]): { args: string[]; flags: Map<string, string | true> } {
  const args: string[] = [];
  const flags = new Map<string, string | true>();
  const valued = new Set(cmd.valueFlags ?? []);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-C') throw new UsageError('-C must come before the command');
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags.set(name, a.slice(eq + 1));
      else if (valued.has(name)) {
        if (i + 1 >= rest.length) throw new UsageError(`--${name} expects a value`);
        flags.set(name, rest[++i]);
      } else flags.set(name, true);
    } else args.push(a);
  }
  return { args, flags };
}

function makeOutput(json: boolean): Output {
  let printed = false;
  return {
    line: (text = '') => {
      if (!json) process.stdout.write(text + '\n');
    },
    json: (value) => {
      if (!json || printed) return;
      printed = true;
      process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    },
    error: (text) => process.stderr.write(text + '\n'),
  };
}

export async function main(argv: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseGlobal(argv);
  } catch (err) {
    process.stderr.write(`rebound: ${(err as Error).message}\n\n${usage()}\n`);
    return EXIT.usage;
  }
  if (parsed.version) {
    process.stdout.write(VERSION + '\n');
    return EXIT.ok;
  }
  const name = parsed.command === 'help' ? parsed.rest[0] : parsed.command;
  if (!name) {
    process.stdout.write(usage() + '\n');
    return parsed.help || parsed.command === 'help' ? EXIT.ok : EXIT.usage;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`rebound: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT.usage;
  }
  if (parsed.help || parsed.command === 'help') {
    process.stdout.write(`${cmd.summary}\n\nUsage:\n${cmd.usage.map((u) => `  ${u}`).join('\n')}\n`);
    return EXIT.ok;
  }
  const out = makeOutput(parsed.json);
  ensureRetryHandlers();
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { args, flags } = parseCommandArgs(cmd, parsed.rest);
    const ctx: CliContext = { cwd: parsed.cwd, json: parsed.json, args, flags, out, signal: controller.signal };
    return await cmd.run(ctx);
  } catch (err) {
    // A SQLite failure of the workspace database: a message naming the file and the next step (a held lock is exit 3).
    return reportError(cmd.name === 'migrate' ? err : describeStoreFailure(err, workspacePaths(parsed.cwd).db), cmd, out);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
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
      process.stderr.write(`rebound: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
