import * as vscode from 'vscode';
import type { TaskDiagnostics } from '../diagnostics/taskDiagnostics';
import type { ReboundSession } from '../session';
import type { RunVerdict } from '../../engine/tasks';
import type { TaskProgress } from '../../runner/tasks';
import type { TaskRunResult, TaskRunnerFacade } from './facade';
import { LiveRun, styled, type LiveRunOptions, type LiveStatus } from './liveRun';
import type { TerminalIo } from './terminal';


export type NotificationsSetting = 'off' | 'failures' | 'all';

/** Resume a run: `recovery` when the run was interrupted (its process died), with the strategy. */
export interface ResumeRequest {
  runId: string;
  recovery?: 'guided' | 'automatic';
}

/**
 * Runs Rebound tasks for the editor: one run per task at a time, cancellable by name, with the
 * output in the terminal, problems as diagnostics (cleared by the next success), and the views
 * refreshed when a run starts and ends.
 */
export class TaskCoordinator implements vscode.Disposable {
  private readonly running = new Map<string, AbortController>();
  private readonly runs = new Map<string, LiveRun>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly facade: () => TaskRunnerFacade,
    private readonly diagnostics: TaskDiagnostics,
    private readonly session: ReboundSession,
    private readonly log: vscode.LogOutputChannel,
    /** `rebound.notifications`: when a finished run is notified. */
    private readonly notifications: () => NotificationsSetting = () => 'failures',
  ) {}

  /** How many tasks this window is running now. */
  runningCount(): number {
    return this.running.size;
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  cancel(name: string): boolean {
    const c = this.running.get(name);
    c?.abort(new Error('Cancelled by the user'));
    return !!c;
  }

  /** What a running task is doing now (step, attempt, next retry), for the Tasks view. */
  live(name: string): LiveStatus | undefined {
    return this.runs.get(name)?.status();
  }

  /**
   * Runs a task, or resumes one of its runs, writing to `io`; resolves to the terminal's exit code.
   * A run whose process died is resumed through recovery (`recovery` names the strategy), so the
   * plan and its outcome are recorded; a failed or cancelled run of this window resumes directly.
   * The terminal shows each attempt, wait, breaker transition, fallback and undo as its own
   * coloured line, and ends with one summary line: the run's verdict, the same the Tasks view,
   * the notification and the CLI give.
   */
  async execute(name: string, io: TerminalIo, resume?: ResumeRequest): Promise<number> {
    const resumeRunId = resume?.runId;
    if (this.running.has(name)) {
      io.write(styled('result-failed', `Rebound: task "${name}" is already running.`));
      return 1;
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(io.signal.reason);
    io.signal.addEventListener('abort', onAbort, { once: true });
    this.running.set(name, controller);
    const live = new LiveRun(name, { now: () => Date.now(), ...this.liveOptions() });
    this.runs.set(name, live);
    // The store stays open while the run writes to it (a config edit or Refresh waits for the end).
    const lease = this.session.lease();
    this.changed.fire();
    io.write(styled('run', `${resumeRunId ? `resuming run ${resumeRunId} of` : 'running'} task "${name}"`));
    const runIo = {
      signal: controller.signal,
      onOutput: (t: string) => io.write(t),
      // A step that is not idempotent ("rerun": "ask") runs again only when the user says so.
      confirmRerun: async (s: { index: number; step: string; task: string; was: string }) =>
        (await vscode.window.showWarningMessage(
          `Step ${s.index + 1} "${s.step}" of "${s.task}" ${s.was === 'running' ? 'was interrupted mid-way' : 'failed before'} and declares "rerun": "ask". Check what it did: run it again from its start?`,
          { modal: true },
          'Run it again',
        )) === 'Run it again',
      onProgress: (e: TaskProgress) => {
        for (const line of live.onProgress(e)) io.write(line);
        this.changed.fire();
      },
    };
    try {
      let result: TaskRunResult | undefined;
      if (resume?.recovery) {
        const outcome = await this.facade().recover(resume.runId, 'resume', runIo, resume.recovery);
        if (!outcome.result) {
          io.write(styled(outcome.ok ? 'result-ok' : 'result-failed', `${outcome.ok ? '✓' : '✗'} ${outcome.message}`));
          return outcome.ok ? 0 : 1;
        }
        result = outcome.result;
      } else {
        result = resumeRunId ? await this.facade().resume(resumeRunId, runIo) : await this.facade().run(name, runIo);
      }
      const verdict = this.report(name, live, result, io);
      this.notify(name, result, verdict, io);
      return verdict.exitCode;
    } finally {
      io.signal.removeEventListener('abort', onAbort);
      lease.dispose();
      this.running.delete(name);
      this.runs.delete(name);
      this.changed.fire();
      this.session.fireChanged();
    }
  }

  private liveOptions(): Pick<LiveRunOptions, 'maxAttempts' | 'breaker'> {
    try {
      return this.facade().live();
    } catch {
      return { maxAttempts: () => undefined, breaker: () => undefined };
    }
  }

  private report(name: string, live: LiveRun, r: TaskRunResult, io: TerminalIo): RunVerdict {
    this.diagnostics.set(name, r.problems, { issueId: r.issueId, evidence: r.evidence });
    const { verdict, line } = live.summary(r);
    if (r.problems.length) io.write(styled('run', `${r.problems.length} problem(s) reported in the Problems panel.`));
    if (r.deadLetterId !== undefined && !verdict.ok) io.write(styled('run', `parked in the dead-letter queue as #${r.deadLetterId}.`));
    io.write(`\n${line}`);
    const text = `task ${name} ${verdict.phrase} (run ${r.runId}, ${r.attempts} attempt(s))`;
    if (verdict.ok) this.log.info(text);
    else this.log.warn(`${text}${r.error && verdict.kind !== 'cancelled' ? `: [${r.error.code}] ${r.error.message}` : ''}`);
    return verdict;
  }

  /**
   * A notification for a run the user did not watch (its terminal is not the one in front, or the
   * window is not focused), per `rebound.notifications`: `failures` (default) for failures only,
   * `all` for every end, `off` never. Retry is offered when a retry can help (a transient failure
   * or an open breaker); Show Issue when the failure has an issue. A cancellation is the user's own
   * doing and never notified.
   */
  private notify(name: string, r: TaskRunResult, verdict: RunVerdict, io: TerminalIo): void {
    const mode = this.notifications();
    if (mode === 'off' || verdict.kind === 'cancelled') return;
    if (verdict.ok && mode !== 'all') return;
    if (mode === 'failures' && io.watched?.()) return;
    const message = `Rebound: task "${name}" ${verdict.phrase}${!verdict.ok && r.error ? `: ${r.error.message.split('\n')[0]}` : ''}`;
    if (verdict.ok) {
      void vscode.window.showInformationMessage(message);
      return;
    }
    const actions: string[] = [];
    if (r.issueId !== undefined) actions.push('Show Issue');
    const retryable = r.error?.category === 'transient' || (r.error?.code ?? '').startsWith('RB-CIRCUIT');
    if (retryable) actions.push('Retry');
    void vscode.window.showErrorMessage(message, ...actions).then((pick) => {
      if (pick === 'Show Issue') void vscode.commands.executeCommand('rebound.errors.reveal', r.issueId);
      else if (pick === 'Retry') void vscode.commands.executeCommand('rebound.runTask', name);
    });
  }

  dispose(): void {
    for (const c of this.running.values()) c.abort(new Error('VS Code is shutting down'));
    this.changed.dispose();
  }
}
