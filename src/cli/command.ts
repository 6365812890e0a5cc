/** Exit codes of the `rebound` CLI (DESIGN.md): keep them stable, scripts rely on them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 3 } as const;

/** Bad usage or bad configuration: printed without a stack, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a command writes: human text or one JSON document on stdout, diagnostics on stderr. */
export interface Output {
  /** A line of human-readable output (suppressed with --json). */
  line(text?: string): void;
  /** The single JSON document for --json (ignored otherwise). */
  json(value: unknown): void;
  /** Always printed, to stderr. */
  error(text: string): void;
}

export interface CliContext {
  /** The workspace folder (-C DIR, default the current folder), absolute. */
  cwd: string;
  /** --json was given. */
  json: boolean;
  /** Positional arguments after the command name, e.g. ['show', '12'] for `rebound errors show 12`. */
  args: string[];
  /** Flags after the command name: `--format csv` is ['format','csv'], `--yes` is ['yes', true]. */
  flags: Map<string, string | true>;
  out: Output;
  /** Set when the process is asked to stop (SIGINT/SIGTERM). */
  signal: AbortSignal;
}

/** What one command (or one subcommand) accepts after its name. */
export interface ArgSpec {
  /** Flags it accepts, without the dashes (besides --json and --help); `valueFlags` says which take a value. */
  flags?: readonly string[];
  /** How many positional arguments (after the subcommand, if any): [min, max], default [0, 0]. */
  args?: readonly [number, number];
}

export interface CliCommand extends ArgSpec {
  name: string;
  summary: string;
  /** Usage lines shown by `rebound help NAME` and on a usage error. */
  usage: string[];
  /** Flags that take a value (`--format csv`); any other flag is boolean. */
  valueFlags?: readonly string[];
  /** The subcommands and what each accepts; without them the command itself is the ArgSpec. */
  subcommands?: Readonly<Record<string, ArgSpec>>;
  run(ctx: CliContext): Promise<number>;
}

/** Reads a flag that must be a non-negative integer, naming the flag when it is not. */
export function intFlag(ctx: CliContext, name: string): number | undefined {
  const v = ctx.flags.get(name);
  if (v === undefined) return undefined;
  if (v === true || !/^\d+$/.test(v)) throw new UsageError(`--${name} expects a whole number, got ${v === true ? 'nothing' : JSON.stringify(v)}`);
  return Number(v);
}

/** Reads a flag that takes a string value. */
export function stringFlag(ctx: CliContext, name: string): string | undefined {
  const v = ctx.flags.get(name);
  if (v === true) throw new UsageError(`--${name} expects a value`);
  return v;
}

/** Formats rows as an aligned plain-text table (no colours, safe for any terminal and CI log). */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c).replace(/[\r\n\t]+/g, ' '))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => Math.min(60, (r[i] ?? '').length))));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => {
        const cut = c.length > 60 ? c.slice(0, 59) + '…' : c;
        return i === r.length - 1 ? cut : cut.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [fmt(headers), fmt(widths.map((w) => '-'.repeat(w))), ...cells.map(fmt)].join('\n');
}
