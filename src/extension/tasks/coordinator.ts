import * as vscode from 'vscode';
import type { TaskDiagnostics } from '../diagnostics/taskDiagnostics';
import type { ReboundSession } from '../session';
import type { TaskRunResult, TaskRunnerFacade } from './facade';
import type { TerminalIo } from './terminal';

const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

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
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly facade: () => TaskRunnerFacade,
    private readonly diagnostics: TaskDiagnostics,
    private readonly session: ReboundSession,
    private readonly log: vscode.LogOutputChannel,
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

  /**
   * Runs a task, or resumes one of its runs, writing to `io`; resolves to the terminal's exit code.
   * A run whose process died is resumed through recovery (`recovery` names the strategy), so the
   * plan and its outcome are recorded; a failed or cancelled run of this window resumes directly.
   */
  async execute(name: string, io: TerminalIo, resume?: ResumeRequest): Promise<number> {
    const resumeRunId = resume?.runId;
    if (this.running.has(name)) {
      io.write(`${RED}Rebound: task "${name}" is already running.${RESET}\n`);
      return 1;
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(io.signal.reason);
    io.signal.addEventListener('abort', onAbort, { once: true });
    this.running.set(name, controller);
    // The store stays open while the run writes to it (a config edit or Refresh waits for the end).
    const lease = this.session.lease();
    this.changed.fire();
    io.write(`${DIM}Rebound: ${resumeRunId ? `resuming run ${resumeRunId} of` : 'running'} task "${name}"${RESET}\n`);
    try {
      const runIo = { signal: controller.signal, onOutput: (t: string) => io.write(t) };
      if (resume?.recovery) {
        const outcome = await this.facade().recover(resume.runId, 'resume', runIo, resume.recovery);
        if (outcome.result) this.report(name, outcome.result, io);
        else io.write(`\n${outcome.ok ? GREEN : RED}Rebound: ${outcome.message}${RESET}\n`);
        return outcome.ok ? 0 : 1;
      }
      const result = resumeRunId ? await this.facade().resume(resumeRunId, runIo) : await this.facade().run(name, runIo);
      this.report(name, result, io);
      return result.ok ? 0 : 1;
    } finally {
      io.signal.removeEventListener('abort', onAbort);
      lease.dispose();
      this.running.delete(name);
      this.changed.fire();
      this.session.fireChanged();
    }
  }

  private report(name: string, r: TaskRunResult, io: TerminalIo): void {
    this.diagnostics.set(name, r.problems, { issueId: r.issueId, evidence: r.evidence });
    if (r.ok) {
      io.write(`\n${GREEN}✓ ${name} succeeded${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}.${RESET}\n`);
      this.log.info(`task ${name} succeeded (run ${r.runId}, ${r.attempts} attempt(s))`);
      return;
    }
    const e = r.error;
    io.write(`\n${RED}✗ ${name} failed${e ? `: [${e.code}] ${e.message}` : ''}${RESET}\n`);
    if (r.problems.length) io.write(`${DIM}${r.problems.length} problem(s) reported in the Problems panel.${RESET}\n`);
    if (r.deadLetterId !== undefined) io.write(`${DIM}Parked in the dead-letter queue as #${r.deadLetterId}.${RESET}\n`);
    this.log.warn(`task ${name} failed (run ${r.runId})${e ? `: [${e.code}] ${e.message}` : ''}`);
  }

  dispose(): void {
    for (const c of this.running.values()) c.abort(new Error('VS Code is shutting down'));
    this.changed.dispose();
  }
}
