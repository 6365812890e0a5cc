import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../engine/config/didYouMean';
import { UsageError, type ArgSpec, type CliCommand } from './command';

/** The options before the command: `rebound [-C DIR] [--json] [--help] [--version] COMMAND ...`. */
export interface GlobalArgs {
  cwd: string;
  json: boolean;
  help: boolean;
  version: boolean;
  command?: string;
  /** Everything after the command name, untouched. */
  rest: string[];
}

const GLOBAL_OPTIONS = ['-C', '--json', '--help', '-h', '--version', '-V'];

/** `, did you mean "x"?` or nothing. */
function suggest(word: string, candidates: Iterable<string>): string {
  const best = didYouMean(word, candidates);
  return best === undefined ? '' : `; did you mean ${best}?`;
}

/**
 * Reads the global options up to the command name. Unknown options are usage errors (with the
 * nearest known option); `-C` must name an existing folder.
 */
export function parseGlobal(argv: readonly string[], cwd = process.cwd()): GlobalArgs {
  const p: GlobalArgs = { cwd, json: false, help: false, version: false, rest: [] };
  let folder: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-C') {
      if (i + 1 >= argv.length) throw new UsageError('-C expects a folder');
      folder = argv[++i];
    } else if (a.startsWith('-C') && a.length > 2) folder = a.slice(2);
    else if (a.startsWith('--C=') || a.startsWith('-C=')) folder = a.slice(a.indexOf('=') + 1);
    else if (a === '--json') p.json = true;
    else if (a === '--help' || a === '-h') p.help = true;
    else if (a === '--version' || a === '-V') p.version = true;
    else if (a === '--') {
      i++;
      break;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}${suggest(a, GLOBAL_OPTIONS)}`);
    else break;
  }
  if (folder !== undefined) p.cwd = workspaceFolder(folder, cwd);
  p.command = argv[i];
  p.rest = argv.slice(i + 1);
  return p;
}

/** The absolute folder `-C` names; a usage error when it is missing, empty or not a folder. */
export function workspaceFolder(folder: string, cwd: string): string {
  if (folder === '') throw new UsageError('-C expects a folder, got an empty string');
  const abs = resolve(cwd, folder);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' || code === 'ENOTDIR' ? `-C ${folder}: no such folder (${abs})` : `-C ${folder}: cannot be read (${code ?? String(err)})`);
  }
  if (!isDir) throw new UsageError(`-C ${folder}: not a folder (${abs})`);
  return abs;
}

export interface CommandArgs {
  /** Positional arguments, the subcommand first when the command has subcommands. */
  args: string[];
  flags: Map<string, string | true>;
  json: boolean;
  help: boolean;
}

/** Flags every command takes. */
const COMMON_FLAGS = ['json', 'help'];

/**
 * Parses a command's arguments with `util.parseArgs` in strict mode, against the spec of the
 * command or of its subcommand (the first positional argument): an unknown flag, a flag missing
 * its value, a value given to a flag that takes none, an unknown subcommand and too many or too
 * few arguments are usage errors, with the nearest known name when there is one.
 */
export function parseCommandArgs(cmd: CliCommand, rest: readonly string[]): CommandArgs {
  if (rest.includes('-C')) throw new UsageError('-C must come before the command (rebound -C DIR COMMAND ...)');
  const valued = new Set(cmd.valueFlags ?? []);
  const subs = cmd.subcommands;
  let spec: ArgSpec = cmd;
  let label = cmd.name;
  if (subs) {
    const sub = firstPositional(rest, valued);
    if (sub === undefined) {
      // `rebound errors --help` needs no subcommand.
      if (rest.includes('--help') || rest.includes('-h')) return { args: [], flags: new Map(), json: rest.includes('--json'), help: true };
      throw new UsageError(`${cmd.name} expects a subcommand: ${Object.keys(subs).join(', ')}`);
    }
    const found = subs[sub];
    if (!found) throw new UsageError(`unknown ${cmd.name} subcommand "${sub}" (expected ${Object.keys(subs).join(', ')})${suggest(sub, Object.keys(subs))}`);
    spec = found;
    label = `${cmd.name} ${sub}`;
  }
  const allowed = [...(spec.flags ?? []), ...COMMON_FLAGS];
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const f of allowed) if (f !== 'help') options[f] = { type: valued.has(f) ? 'string' : 'boolean' };

  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError(explain(err, rest, options, label, cmd, allowed));
  }
  const flags = new Map<string, string | true>();
  for (const [k, v] of Object.entries(parsed.values)) {
    if (v === undefined || v === false || COMMON_FLAGS.includes(k)) continue;
    flags.set(k, v);
  }
  const args = parsed.positionals;
  const help = parsed.values.help === true;
  if (!help) {
    const [min, max] = spec.args ?? [0, 0];
    const given = args.length - (subs ? 1 : 0);
    const extra = args.slice(subs ? 1 : 0);
    if (given > max) {
      throw new UsageError(max === 0 ? `${label} takes no arguments, got: ${extra.join(' ')}` : `${label} takes at most ${max} argument${max === 1 ? '' : 's'}, got ${given}: ${extra.join(' ')}`);
    }
    if (given < min) throw new UsageError(`${label} expects ${min === max ? min : `at least ${min}`} argument${min === 1 ? '' : 's'}, got ${given}`);
  }
  return { args, flags, json: parsed.values.json === true, help };
}

/** The first positional argument (skipping the values of valued flags), or undefined. */
function firstPositional(rest: readonly string[], valued: ReadonlySet<string>): string | undefined {
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--') return rest[i + 1];
    if (!a.startsWith('-') || a === '-') return a;
    if (a.startsWith('--') && !a.includes('=') && valued.has(a.slice(2))) i++;
  }
  return undefined;
}

/** A parseArgs error said in the CLI's words, naming the nearest flag. */
function explain(err: unknown, rest: readonly string[], options: NonNullable<ParseArgsConfig['options']>, label: string, cmd: CliCommand, allowed: readonly string[]): string {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const { tokens } = parseArgs({ args: [...rest], options, strict: false, allowPositionals: true, tokens: true });
    const bad = tokens?.find((t) => t.kind === 'option' && !(t.name in options));
    const raw = bad && bad.kind === 'option' ? bad.rawName : String((err as Error).message);
    const name = raw.replace(/^-+/, '');
    const near = didYouMean(name, allowed);
    if (near !== undefined) return `unknown option ${raw} for ${label}; did you mean --${near}?`;
    const elsewhere = Object.entries(cmd.subcommands ?? {}).find(([, s]) => s.flags?.includes(name));
    if (elsewhere) return `${raw} is an option of ${cmd.name} ${elsewhere[0]}, not of ${label}`;
    const own = allowed.filter((f) => !COMMON_FLAGS.includes(f));
    return `unknown option ${raw} for ${label} (${own.length > 0 ? `it takes ${own.map((f) => `--${f}`).join(', ')}` : 'it takes no options but --json'})`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const m = /'--?([^' <]+)/.exec((err as Error).message);
    const name = m?.[1] ?? '';
    if (options[name]?.type === 'string') return `--${name} expects a value (write --${name}=VALUE for a value starting with "-")`;
    return `--${name} takes no value`;
  }
  return (err as Error).message;
}
