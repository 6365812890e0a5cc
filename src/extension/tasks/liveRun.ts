import type { RunVerdict } from '../../engine/tasks';
import { outcomeVerdict } from '../../runner/tasks/verdicts';
import type { TaskProgress } from '../../runner/tasks';
import type { TaskRunResult } from './facade';

// This file does not import `vscode`: it turns a run's progress into terminal lines and a status,
// and is unit-tested on its own.

export const ANSI = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const;

/** The kinds of line Rebound writes into a task's terminal, each with its own colour and prefix. */
export type LineKind = 'run' | 'step' | 'attempt' | 'wait' | 'breaker' | 'fallback' | 'undo' | 'result-ok' | 'result-failed' | 'result-cancelled';

const STYLE: Record<LineKind, { colour: string; prefix: string }> = {
  run: { colour: ANSI.dim, prefix: '[rebound]' },
  step: { colour: ANSI.cyan, prefix: '[step]' },
  attempt: { colour: ANSI.yellow, prefix: '[attempt]' },
  wait: { colour: ANSI.yellow, prefix: '[wait]' },
  breaker: { colour: ANSI.magenta, prefix: '[breaker]' },
  fallback: { colour: ANSI.blue, prefix: '[fallback]' },
  undo: { colour: ANSI.magenta, prefix: '[undo]' },
  'result-ok': { colour: ANSI.green, prefix: '[result]' },
  'result-failed': { colour: ANSI.red, prefix: '[result]' },
  'result-cancelled': { colour: ANSI.yellow, prefix: '[result]' },
};

/** One Rebound line for the terminal: on its own line, coloured, with its prefix. */
export function styled(kind: LineKind, text: string): string {
  const s = STYLE[kind];
  return `${s.colour}${s.prefix} ${text}${ANSI.reset}\n`;
}

/** A circuit breaker as the live view reads it from the store. */
export interface BreakerReading {
  key: string;
  state: 'closed' | 'open' | 'half-open' | 'isolated';
  /** When an open breaker lets a trial call through. */
  retryAt: number | null;
}

/** What a running task is doing now, for the Tasks view (the countdown is computed when shown). */
export interface LiveStatus {
  task: string;
  /** The task whose step runs now: the task itself, or its fallback. */
  current: string;
  step?: string;
  index?: number;
  steps: number;
  attempt: number;
  maxAttempts?: number;
  phase: 'running' | 'waiting' | 'undoing' | 'fallback';
  /** When the next attempt starts (phase `waiting`). */
  retryAt?: number;
}

export interface LiveRunOptions {
  now: () => number;
  /** The most attempts a step of `task` gets (its retry policy), if known. */
  maxAttempts: (task: string) => number | undefined;
  /** The breaker guarding `task` as stored now, if it has one. */
  breaker: (task: string) => BreakerReading | undefined;
}

/**
 * Follows one run through its progress events: the lines the terminal shows (attempts, waits,
 * breaker transitions, fallback, undo steps), the status the Tasks view shows, and the one summary
 * line at the end, from the run's verdict.
 */
export class LiveRun {
  private state: LiveStatus;
  private readonly breakers = new Map<string, BreakerReading['state']>();

  constructor(
    readonly task: string,
    private readonly options: LiveRunOptions,
  ) {
    this.state = { task, current: task, steps: 1, attempt: 1, phase: 'running' };
  }

  status(): LiveStatus {
    return { ...this.state };
  }

  /** The terminal lines for one progress event (possibly none), and the status updated. */
  onProgress(e: TaskProgress): string[] {
    const out: string[] = [];
    const max = (task: string) => this.options.maxAttempts(task);
    const of = (attempt: number, task: string) => `${attempt}${max(task) ? `/${max(task)}` : ''}`;
    switch (e.kind) {
      case 'run-start': {
        if (e.task === this.task) this.state = { ...this.state, steps: e.steps, current: e.task, phase: this.state.phase === 'fallback' ? 'fallback' : 'running' };
        else this.state = { ...this.state, current: e.task, steps: e.steps, attempt: 1, maxAttempts: max(e.task), phase: 'fallback' };
        this.noteBreaker(e.task);
        if (e.from > 0) out.push(styled('run', `resuming run ${e.runId} of "${e.task}" at step ${e.from + 1} of ${e.steps}`));
        break;
      }
      case 'step-start': {
        out.push(...this.breakerLines(e.task));
        this.state = { ...this.state, current: e.task, step: e.step, index: e.index, attempt: e.attempt, maxAttempts: max(e.task), retryAt: undefined, phase: this.state.current !== this.task ? 'fallback' : 'running' };
        if (e.attempt > 1) out.push(styled('attempt', `attempt ${of(e.attempt, e.task)} of ${this.stepName(e)} starts`));
        else if (this.state.steps > 1) out.push(styled('step', `step ${e.index + 1}/${this.state.steps} "${e.step}"`));
        break;
      }
      case 'step-skipped':
        out.push(styled('step', `step ${e.index + 1}/${this.state.steps} "${e.step}" already done, skipped`));
        break;
      case 'attempt-failed': {
        const refused = e.code.startsWith('RB-CIRCUIT');
        out.push(styled(refused ? 'breaker' : 'attempt', refused ? `attempt ${of(e.attempt, e.task)} refused: the breaker is open [${e.code}]` : `attempt ${of(e.attempt, e.task)} failed [${e.code}, ${e.category}]: ${firstLine(e.message)}`));
        out.push(...this.breakerLines(e.task));
        break;
      }
      case 'retry-wait': {
        // The breaker counts the failure after the attempt reports it: its transition shows here.
        out.push(...this.breakerLines(e.task));
        const next = e.attempt + 1;
        this.state = { ...this.state, phase: 'waiting', retryAt: this.options.now() + e.delayMs, attempt: next };
        out.push(styled('wait', `retrying in ${seconds(e.delayMs)} (attempt ${of(next, e.task)} next)`));
        break;
      }
      case 'step-done':
        out.push(...this.breakerLines(e.task));
        break;
      case 'undo':
        this.state = { ...this.state, phase: 'undoing', step: e.step, index: e.index, retryAt: undefined };
        out.push(styled('undo', `undo of step ${e.index + 1} "${e.step}" ${e.ok ? 'done' : 'FAILED'}`));
        break;
      case 'fallback': {
        out.push(...this.breakerLines(e.task));
        const b = this.options.breaker(e.task);
        // The next attempt never started: the open breaker refused it.
        if (this.state.phase === 'waiting' && b && (b.state === 'open' || b.state === 'isolated')) out.push(styled('breaker', `attempt ${of(this.state.attempt, e.task)} refused: breaker "${b.key}" is ${b.state}`));
        this.state = { ...this.state, phase: 'fallback', current: e.fallback, step: undefined, index: undefined, attempt: 1, maxAttempts: max(e.fallback), retryAt: undefined };
        out.push(styled('fallback', `"${e.task}" gave up: running its fallback "${e.fallback}"`));
        break;
      }
      case 'stopped-leftovers':
        out.push(styled('run', `stopped ${e.pids.length} process(es) left over from run ${e.runId}`));
        break;
      case 'rerun':
        out.push(styled('run', `step ${e.index + 1} "${e.step}" ${e.was === 'running' ? 'was interrupted mid-way' : 'failed before'}: it runs again from its start`));
        break;
    }
    return out;
  }

  /** The one summary line that ends the run's output. */
  summary(r: TaskRunResult): { verdict: RunVerdict; line: string } {
    const verdict = resultVerdict(r);
    const tries = r.attempts > 1 ? ` after ${r.attempts} attempts` : '';
    if (verdict.kind === 'succeeded') return { verdict, line: styled('result-ok', `✓ ${this.task} succeeded${tries}`) };
    if (verdict.kind === 'degraded') return { verdict, line: styled('result-ok', `✓ ${this.task} ${verdict.phrase}${r.error ? ` (the task itself failed: ${r.error.code})` : ''}`) };
    if (verdict.kind === 'cancelled') return { verdict, line: styled('result-cancelled', `■ ${this.task} ${verdict.phrase}`) };
    return { verdict, line: styled('result-failed', `✗ ${this.task} ${verdict.phrase}${r.error ? `: ${firstLine(r.error.message)}` : ''}${tries}`) };
  }

  private stepName(e: { step: string; task: string }): string {
    return e.task === this.task ? `"${e.step}"` : `"${e.step}" of "${e.task}"`;
  }

  private noteBreaker(task: string): void {
    const b = this.options.breaker(task);
    if (b && !this.breakers.has(b.key)) this.breakers.set(b.key, b.state);
  }

  private breakerLines(task: string): string[] {
    const b = this.options.breaker(task);
    if (!b) return [];
    const before = this.breakers.get(b.key) ?? 'closed';
    this.breakers.set(b.key, b.state);
    if (before === b.state) return [];
    const when = b.state === 'open' && b.retryAt !== null ? `; a trial call is allowed in ${seconds(Math.max(0, b.retryAt - this.options.now()))}` : '';
    return [styled('breaker', `breaker "${b.key}" ${before} → ${b.state}${when}`)];
  }
}

/** The verdict of a finished run, from its result: the one computation every view shows. */
export function resultVerdict(r: TaskRunResult): RunVerdict {
  return outcomeVerdict(r);
}

/** "step 2/3 migrate · attempt 2/5 · retry in 3 s", computed when shown so the countdown moves. */
export function describeLive(s: LiveStatus, now: number): string {
  const parts: string[] = [];
  if (s.phase === 'fallback') parts.push(`fallback "${s.current}"`);
  if (s.phase === 'undoing') parts.push('undoing');
  if (s.step !== undefined && s.steps > 1) parts.push(`step ${(s.index ?? 0) + 1}/${s.steps} ${s.step}`);
  const attempt = `attempt ${s.attempt}${s.maxAttempts ? `/${s.maxAttempts}` : ''}`;
  if (s.phase === 'waiting' && s.retryAt !== undefined) parts.push(`${attempt} in ${Math.max(0, Math.ceil((s.retryAt - now) / 1000))} s`);
  else if (s.phase !== 'undoing' && s.attempt > 1) parts.push(attempt);
  return parts.length ? parts.join(' · ') : 'running…';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
