import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Classification } from '../engine/classify/classifier';
import type { ErrorContext } from '../engine/errors/types';
import { redact } from '../engine/redact/redact';
import type { RecordInput } from './events';

/**
 * The spool: failure events that could not be written to the database (busy past the bounded
 * wait, disk full, read-only, file or folder gone) are appended, redacted, to a file beside it —
 * or, when its folder is gone, in the OS temp folder — and imported at the next open, exactly
 * once: every entry has an id, and the ids imported are written in the same transaction as the
 * events (table `spool_imported`), so an import cut short is finished, not repeated.
 *
 * Each process appends to its own file (`rebound.db.spool-PID-TOKEN.jsonl`), one JSON line per
 * event, so writers never interleave; the importer deletes a file once its writer is gone (or is
 * itself) and every line of it is in the database.
 */

/** An event as spooled: what `record` needs, every text redacted, the classification already made. */
export interface SpooledEvent {
  id: string;
  /** When it was spooled (ms since the epoch). */
  spooledAt: number;
  /** The SQLite failure that sent it here (`SQLITE_BUSY`, ...). */
  reason: string;
  input: {
    message?: string;
    output?: string;
    details?: string;
    stack?: string;
    time: number;
    context?: ErrorContext;
    classification: Classification;
    error?: { name?: string; message?: string; stack?: string };
  };
}

/** Output kept per spooled event (the tail: classification is already done). */
const OUTPUT_LIMIT = 16_384;

const SPOOL_NAME = /\.spool-(\d+)-[0-9a-f]+\.jsonl$/;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const red = (v: unknown, limit?: number): string | undefined => {
  const s = str(v);
  if (s === undefined) return undefined;
  return redact(limit !== undefined && s.length > limit ? s.slice(s.length - limit) : s);
};

/** `o[key]`, or undefined when reading it throws. */
function prop(o: unknown, key: string): unknown {
  if (typeof o !== 'object' || o === null) return undefined;
  try {
    return (o as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Context values that may hold secrets, redacted; the rest kept. */
function redactContext(ctx: ErrorContext | undefined): ErrorContext | undefined {
  if (ctx === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (typeof v === 'string') out[k] = redact(v);
    else if (v === null || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out as ErrorContext;
}

/** The spooled form of a record input: redacted, with its classification. */
export function spooledInput(input: RecordInput, classification: Classification, now: number): SpooledEvent['input'] {
  const error = input.error;
  const own = prop(error, 'context');
  const context = typeof own === 'object' && own !== null ? { ...(own as ErrorContext), ...(input.context ?? {}) } : input.context;
  // The classification's evidence is a line of the output: redacted like the rest.
  const cls: Classification = { ...classification };
  for (const [k, v] of Object.entries(cls)) if (typeof v === 'string') (cls as unknown as Record<string, unknown>)[k] = redact(v);
  const out: SpooledEvent['input'] = { time: typeof input.time === 'number' && Number.isFinite(input.time) ? input.time : now, classification: cls };
  const message = red(input.message ?? (typeof error === 'string' ? error : undefined), 4000);
  if (message !== undefined) out.message = message;
  const output = red(input.output, OUTPUT_LIMIT);
  if (output !== undefined) out.output = output;
  const details = red(input.details, 4000);
  if (details !== undefined) out.details = details;
  const stack = red(input.stack, 16_000);
  if (stack !== undefined) out.stack = stack;
  const ctx = redactContext(context);
  if (ctx !== undefined) out.context = ctx;
  if (typeof error === 'object' && error !== null) {
    out.error = { name: str(prop(error, 'name')), message: red(prop(error, 'message'), 4000), stack: red(prop(error, 'stack'), 16_000) };
  }
  return out;
}

/** The spooled event as a record input again. */
export function recordInputOf(e: SpooledEvent): RecordInput {
  const i = e.input;
  return { message: i.message, output: i.output, details: i.details, stack: i.stack, time: i.time, context: i.context, classification: i.classification, error: i.error };
}

/** The folders a database's spool files may be in: beside it, and the OS temp folder's fallback for it. */
export function spoolFolders(dbFile: string): { beside: string; temp: string; prefix: string } {
  const abs = resolve(dbFile);
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 16);
  return { beside: dirname(abs), temp: join(tmpdir(), 'rebound-spool', hash), prefix: `${basename(abs)}.spool-` };
}

/** The spool files of a database, in both folders. */
export function spoolFiles(dbFile: string): string[] {
  const { beside, temp, prefix } = spoolFolders(dbFile);
  const out: string[] = [];
  for (const dir of [beside, temp]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (n.startsWith(prefix) && SPOOL_NAME.test(n)) out.push(join(dir, n));
  }
  return out.sort();
}

/** Reads a spool file: its entries, and how many lines could not be read (a line cut by a crash). */
export function readSpool(file: string): { entries: SpooledEvent[]; unreadable: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { entries: [], unreadable: 0 };
  }
  const entries: SpooledEvent[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as SpooledEvent;
      if (typeof e?.id === 'string' && typeof e.input === 'object' && e.input !== null && typeof e.input.classification === 'object') entries.push(e);
      else unreadable++;
    } catch {
      unreadable++;
    }
  }
  return { entries, unreadable };
}

/** Whether the process that wrote a spool file is gone (or is this one), so the file can go once imported. */
export function writerGone(file: string): boolean {
  const m = SPOOL_NAME.exec(file);
  if (!m) return true;
  const pid = Number(m[1]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Deletes a spool file (gone already is fine). */
export function removeSpool(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Gone already, or its folder is: nothing left to import from it.
  }
}

/** This process's spool writer for one database. */
export class SpoolWriter {
  private readonly name: string;
  /** Files this writer appended to (beside the database, or the temp fallback). */
  readonly written = new Set<string>();

  constructor(private readonly dbFile: string) {
    this.name = `${spoolFolders(dbFile).prefix}${process.pid}-${randomBytes(4).toString('hex')}.jsonl`;
  }

  /**
   * Appends the events (one line each, written in one call, owner-only permissions) beside the
   * database, or in the temp folder when the database's folder is gone or refuses the write.
   * Returns the file written; throws when neither place takes it.
   */
  append(events: readonly SpooledEvent[]): string {
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const { beside, temp } = spoolFolders(this.dbFile);
    let firstError: unknown;
    for (const dir of [beside, temp]) {
      try {
        // Beside the database only when its folder is still there: the spool never recreates a deleted `.rebound/`.
        if (dir === temp) mkdirSync(dir, { recursive: true, mode: 0o700 });
        else if (!existsSync(dir)) continue;
        const file = join(dir, this.name);
        appendFileSync(file, text, { mode: 0o600 });
        this.written.add(file);
        return file;
      } catch (err) {
        firstError ??= err;
      }
    }
    throw firstError ?? new Error(`Nowhere to spool events of ${this.dbFile}`);
  }
}
