import { existsSync } from 'node:fs';
import { CATEGORIES, ValidationError, isCategory, type Category } from '../../engine/errors';
import {
  DEAD_LETTER_STATES,
  emptyDeadLetterStats,
  formatDuration,
  parseDuration,
  retryHandlers,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterState,
} from '../../engine/resilience';
import { openDatabase } from '../../store/database';
import { DeadLetterRepository, type DeadLetterRetryResult } from '../../store/deadLetters';
import { workspacePaths } from '../../store/location';
import type { Database } from '../../store/sqlite';
import { EXIT, UsageError, intFlag, stringFlag, table, type CliCommand, type CliContext } from '../command';

const FILTER_FLAGS = ['state', 'all', 'code', 'category', 'component', 'kind', 'older-than', 'newer-than'];
const FILTER_USAGE = '[--state S,..|--all] [--code C,..] [--category C,..] [--component C,..] [--kind K,..] [--older-than 7d] [--newer-than 1h]';

/** Untrusted text (messages, stacks, inputs) printed to a terminal: no control characters but newline and tab. */
function safe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

function list(ctx: CliContext, name: string): string[] | undefined {
  const v = stringFlag(ctx, name);
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError(`--${name} expects a value`);
  return items;
}

function duration(ctx: CliContext, name: string): number | undefined {
  const v = stringFlag(ctx, name);
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined) throw new UsageError(`--${name} expects a duration such as 30m, 12h or 7d, got ${JSON.stringify(v)}`);
  return ms;
}

/** The filter the flags describe; `defaultStates` when neither --state nor --all is given. */
export function filterFromFlags(ctx: CliContext, defaultStates: readonly DeadLetterState[] | undefined): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  const states = list(ctx, 'state');
  if (states && ctx.flags.has('all')) throw new UsageError('--state and --all cannot be used together');
  if (states) {
    for (const s of states) {
      if (!(DEAD_LETTER_STATES as readonly string[]).includes(s)) throw new UsageError(`unknown state "${s}" (expected ${DEAD_LETTER_STATES.join(', ')})`);
    }
    filter.states = states as DeadLetterState[];
  } else if (!ctx.flags.has('all') && defaultStates) filter.states = defaultStates;
  const categories = list(ctx, 'category');
  if (categories) {
    for (const c of categories) if (!isCategory(c)) throw new UsageError(`unknown category "${c}" (expected ${CATEGORIES.join(', ')})`);
    filter.categories = categories as Category[];
  }
  const codes = list(ctx, 'code');
  if (codes) filter.codes = codes;
  const components = list(ctx, 'component');
  if (components) filter.components = components;
  const kinds = list(ctx, 'kind');
  if (kinds) filter.kinds = kinds;
  const operations = list(ctx, 'operation');
  if (operations) filter.operations = operations;
  const older = duration(ctx, 'older-than');
  if (older !== undefined) filter.olderThanMs = older;
  const newer = duration(ctx, 'newer-than');
  if (newer !== undefined) filter.newerThanMs = newer;
  return filter;
}

function idArg(ctx: CliContext, sub: string): number {
  const raw = ctx.args[1];
  if (raw === undefined) throw new UsageError(`dlq ${sub} expects the id of a dead letter`);
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new UsageError(`a dead-letter id is a positive whole number, got ${JSON.stringify(raw)}`);
  if (ctx.args.length > 2) throw new UsageError(`dlq ${sub} takes one id, got: ${ctx.args.slice(1).join(' ')}`);
  return Number(raw);
}

function noteFlag(ctx: CliContext): string | undefined {
  const note = stringFlag(ctx, 'note');
  if (note !== undefined && note.length > 2000) throw new UsageError('--note is limited to 2000 characters');
  return note;
}

/** Opens the workspace database; undefined when it does not exist yet (nothing was ever dead-lettered). */
function open(ctx: CliContext, create: boolean): { db: Database; repo: DeadLetterRepository } | undefined {
  const file = workspacePaths(ctx.cwd).db;
  if (!create && !existsSync(file)) return undefined;
  const { db, notices } = openDatabase(file);
  for (const n of notices) ctx.out.error(`rebound: ${n}`);
  return { db, repo: new DeadLetterRepository(db) };
}

function age(entry: DeadLetter, now: number): string {
  return formatDuration(now - entry.createdAt);
}

function printEntry(ctx: CliContext, e: DeadLetter): void {
  const now = Date.now();
  const line = (label: string, value: string | number | null | undefined) => {
    if (value !== null && value !== undefined && value !== '') ctx.out.line(`${label.padEnd(11)} ${safe(String(value))}`);
  };
  line('Dead letter', e.id);
  line('State', e.state);
  line('Kind', e.kind);
  line('Operation', e.operation);
  line('Component', e.component);
  line('Code', e.code);
  line('Category', e.category);
  line('Message', e.message);
  line('Created', `${new Date(e.createdAt).toISOString()} (${age(e, now)} ago)`);
  line('Updated', new Date(e.updatedAt).toISOString());
  line('Retries', e.retryCount);
  line('Run', e.runId);
  line('Note', e.note);
  if (e.input !== null && e.input !== undefined) {
    ctx.out.line('');
    ctx.out.line('Input:');
    ctx.out.line(safe(JSON.stringify(e.input, null, 2)));
  }
  if (Object.keys(e.context).length > 0) {
    ctx.out.line('');
    ctx.out.line('Context:');
    ctx.out.line(safe(JSON.stringify(e.context, null, 2)));
  }
  if (e.attempts.length > 0) {
    ctx.out.line('');
    ctx.out.line('Attempts:');
    ctx.out.line(
      table(
        ['#', 'STARTED', 'DELAY', 'DURATION', 'OUTCOME', 'CODE'],
        e.attempts.map((a) => [
          a.number,
          Number.isFinite(a.startedAt) ? new Date(a.startedAt).toISOString() : '',
          formatDuration(a.delayMs),
          formatDuration(a.durationMs),
          a.outcome,
          a.errorCode,
        ]),
      ),
    );
  }
  ctx.out.line('');
  ctx.out.line('Error:');
  ctx.out.line(safe(e.error.stack ?? `${e.error.name}: ${e.error.message}`));
}

function printRetry(ctx: CliContext, r: DeadLetterRetryResult): void {
  if (r.ok) ctx.out.line(`Dead letter ${r.id} (${safe(r.entry.operation)}) ran again and succeeded: resolved.`);
  else ctx.out.line(`Dead letter ${r.id} (${safe(r.entry.operation)}) ran again and failed [${r.entry.code}]: ${safe(r.entry.message)}. It is pending again.`);
}

async function run(ctx: CliContext): Promise<number> {
  const sub = ctx.args[0];
  switch (sub) {
    case 'list': {
      if (ctx.args.length > 1) throw new UsageError(`dlq list takes no arguments, got: ${ctx.args.slice(1).join(' ')}`);
      const filter = filterFromFlags(ctx, ['pending', 'requeued']);
      const limit = intFlag(ctx, 'limit') ?? 100;
      const opened = open(ctx, false);
      let entries: DeadLetter[] = [];
      let total = 0;
      if (opened) {
        try {
          entries = opened.repo.list({ ...filter, limit });
          total = opened.repo.count(filter);
        } finally {
          opened.db.close();
        }
      }
      ctx.out.json({ ok: true, total, entries });
      if (entries.length === 0) {
        ctx.out.line('No dead letters match.');
        return EXIT.ok;
      }
      const now = Date.now();
      ctx.out.line(
        table(
          ['ID', 'STATE', 'KIND', 'OPERATION', 'CODE', 'CATEGORY', 'AGE', 'RETRIES', 'MESSAGE'],
          entries.map((e) => [e.id, e.state, safe(e.kind), safe(e.operation), safe(e.code), e.category, age(e, now), e.retryCount, safe(e.message)]),
        ),
      );
      if (total > entries.length) ctx.out.line(`(${entries.length} of ${total}; use --limit to see more)`);
      return EXIT.ok;
    }
    case 'show': {
      const id = idArg(ctx, 'show');
      const opened = open(ctx, false);
      if (!opened) throw new ValidationError(`Dead letter ${id} does not exist`);
      try {
        const entry = opened.repo.require(id);
        ctx.out.json({ ok: true, entry });
        printEntry(ctx, entry);
        return EXIT.ok;
      } finally {
        opened.db.close();
      }
    }
    case 'retry': {
      const id = idArg(ctx, 'retry');
      const opened = open(ctx, false);
      if (!opened) throw new ValidationError(`Dead letter ${id} does not exist`);
      try {
        const entry = opened.repo.require(id);
        const handler = retryHandlers.require(entry.kind);
        const result = await opened.repo.retry(id, (e) => handler(e, { root: ctx.cwd, signal: ctx.signal }), { force: ctx.flags.has('force') });
        ctx.out.json({ ok: result.ok, result: { id: result.id, ok: result.ok, entry: result.entry } });
        printRetry(ctx, result);
        return result.ok ? EXIT.ok : EXIT.failed;
      } finally {
        opened.db.close();
      }
    }
    case 'retry-all': {
      if (ctx.args.length > 1) throw new UsageError(`dlq retry-all takes no arguments (use filters), got: ${ctx.args.slice(1).join(' ')}`);
      const filter = filterFromFlags(ctx, ['pending']);
      const opened = open(ctx, false);
      if (!opened) {
        ctx.out.json({ ok: true, selected: 0, succeeded: 0, failed: 0, skipped: 0, withoutHandler: 0, results: [] });
        ctx.out.line('No dead letters match.');
        return EXIT.ok;
      }
      try {
        const all = opened.repo.list({ ...filter, limit: 10_000 });
        const handled = retryHandlers.kinds();
        const missing = [...new Set(all.map((e) => e.kind).filter((k) => !handled.includes(k)))];
        const withoutHandler = all.filter((e) => missing.includes(e.kind)).length;
        const kinds = (filter.kinds ?? [...new Set(all.map((e) => e.kind))]).filter((k) => handled.includes(k));
        const result =
          kinds.length === 0
            ? { selected: 0, succeeded: 0, failed: 0, skipped: 0, results: [] as DeadLetterRetryResult[] }
            : await opened.repo.retryAll({ ...filter, kinds }, (e) => retryHandlers.require(e.kind)(e, { root: ctx.cwd, signal: ctx.signal }), {
                signal: ctx.signal,
              });
        const ok = result.failed === 0 && withoutHandler === 0 && !ctx.signal.aborted;
        ctx.out.json({
          ok,
          selected: result.selected + withoutHandler,
          succeeded: result.succeeded,
          failed: result.failed,
          skipped: result.skipped,
          withoutHandler,
          results: result.results.map((r) => ({ id: r.id, ok: r.ok, entry: r.entry })),
        });
        for (const r of result.results) printRetry(ctx, r);
        if (missing.length > 0) {
          ctx.out.error(
            `rebound: ${withoutHandler} dead letter(s) of kind ${missing.map((k) => `"${safe(k)}"`).join(', ')} were left as they are: ` +
              `no retry handler is registered for that kind.`,
          );
        }
        ctx.out.line(
          `${result.succeeded} succeeded, ${result.failed} failed, ${result.skipped} skipped` + (withoutHandler ? `, ${withoutHandler} without a handler` : '') + '.',
        );
        return ok ? EXIT.ok : EXIT.failed;
      } finally {
        opened.db.close();
      }
    }
    case 'discard':
    case 'resolve': {
      const id = idArg(ctx, sub);
      const note = noteFlag(ctx);
      const opened = open(ctx, false);
      if (!opened) throw new ValidationError(`Dead letter ${id} does not exist`);
      try {
        const entry = sub === 'discard' ? opened.repo.discard(id, note) : opened.repo.resolve(id, note);
        ctx.out.json({ ok: true, entry });
        ctx.out.line(`Dead letter ${id} (${safe(entry.operation)}) is ${entry.state}.`);
        return EXIT.ok;
      } finally {
        opened.db.close();
      }
    }
    case 'stats': {
      if (ctx.args.length > 1) throw new UsageError(`dlq stats takes no arguments, got: ${ctx.args.slice(1).join(' ')}`);
      const opened = open(ctx, false);
      let stats;
      if (opened) {
        try {
          stats = opened.repo.stats();
        } finally {
          opened.db.close();
        }
      } else {
        stats = emptyDeadLetterStats();
      }
      ctx.out.json({ ok: true, stats });
      ctx.out.line(`Dead letters: ${stats.total} (${DEAD_LETTER_STATES.map((s) => `${stats.byState[s]} ${s}`).join(', ')})`);
      if (stats.oldestPendingAt !== null) ctx.out.line(`Oldest pending: ${formatDuration(Date.now() - stats.oldestPendingAt)} ago`);
      ctx.out.line(`Retries from the queue: ${stats.totalRetries}`);
      const section = (title: string, counts: Record<string, number>) => {
        const rows = Object.entries(counts);
        if (rows.length === 0) return;
        ctx.out.line('');
        ctx.out.line(table([title, 'PENDING'], rows.map(([k, n]) => [safe(k || '(none)'), n])));
      };
      section('CODE', stats.pendingByCode);
      section('CATEGORY', stats.pendingByCategory);
      section('COMPONENT', stats.pendingByComponent);
      section('KIND', stats.pendingByKind);
      return EXIT.ok;
    }
    case undefined:
      throw new UsageError('dlq expects a subcommand: list, show, retry, retry-all, discard, resolve or stats');
    default:
      throw new UsageError(`unknown dlq subcommand "${sub}"`);
  }
}

export const dlqCommand: CliCommand = {
  name: 'dlq',
  summary: 'Work through the dead-letter queue: list, show, retry, discard, resolve, stats',
  usage: [
    `rebound dlq list ${FILTER_USAGE} [--operation O,..] [--limit N]`,
    'rebound dlq show ID',
    'rebound dlq retry ID [--force]',
    `rebound dlq retry-all ${FILTER_USAGE}`,
    'rebound dlq discard ID [--note TEXT]',
    'rebound dlq resolve ID [--note TEXT]',
    'rebound dlq stats',
  ],
  valueFlags: ['state', 'code', 'category', 'component', 'kind', 'operation', 'older-than', 'newer-than', 'limit', 'note'],
  subcommands: {
    list: { flags: [...FILTER_FLAGS, 'operation', 'limit'] },
    show: { args: [1, 1] },
    retry: { flags: ['force'], args: [1, 1] },
    'retry-all': { flags: FILTER_FLAGS },
    discard: { flags: ['note'], args: [1, 1] },
    resolve: { flags: ['note'], args: [1, 1] },
    stats: {},
  },
  run,
};
