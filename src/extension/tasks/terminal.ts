import * as vscode from 'vscode';

export interface TerminalIo {
  signal: AbortSignal;
  /** Writes task output as it arrives (line endings are fixed up for the terminal). */
  write(text: string): void;
  /** Whether the user is watching this run now: its terminal is the active one in a focused window. */
  watched?(): boolean;
}

/**
 * VS Code reports a terminal that closes within 500 ms of its start with a non-zero code as "The
 * terminal process failed to launch" (its launch window); a fast failure is not a failed launch,
 * so the terminal stays open at least this long before it closes with the run's exit code.
 */
export const MIN_OPEN_MS = 750;

/**
 * A Pseudoterminal that runs `work` when the terminal opens, shows its output while it runs, and
 * cancels it (through the AbortSignal) when the user presses Ctrl-C or closes the terminal.
 * The terminal closes with the exit code `work` resolves to.
 */
export class ReboundPseudoterminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private readonly controller = new AbortController();
  private finished = false;

  private openedAt = 0;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly work: (io: TerminalIo) => Promise<number>,
    /** The terminal's name (the task's label), to tell whether it is the one in front. */
    private readonly terminalName?: string,
  ) {}

  open(): void {
    this.openedAt = Date.now();
    const io: TerminalIo = {
      signal: this.controller.signal,
      write: (text) => {
        if (!this.finished) this.writeEmitter.fire(text.replace(/\r?\n/g, '\r\n'));
      },
      watched: () => vscode.window.state.focused && this.terminalName !== undefined && vscode.window.activeTerminal?.name === this.terminalName,
    };
    this.work(io).then(
      (code) => this.finish(code),
      (err: unknown) => {
        io.write(`\n\x1b[31mRebound: ${(err as Error)?.message ?? String(err)}\x1b[0m\n`);
        this.finish(1);
      },
    );
  }

  handleInput(data: string): void {
    if (data === '\x03' && !this.controller.signal.aborted) {
      this.writeEmitter.fire('^C\r\n');
      this.controller.abort(new Error('Cancelled from the terminal'));
    }
  }

  close(): void {
    if (!this.finished) this.controller.abort(new Error('The terminal was closed'));
    if (this.closeTimer) {
      // Closed by the user while the close was being held back: nothing more to report.
      clearTimeout(this.closeTimer);
      this.closeTimer = undefined;
      this.dispose();
    }
  }

  private finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    const wait = this.openedAt + MIN_OPEN_MS - Date.now();
    const done = () => {
      this.closeTimer = undefined;
      this.closeEmitter.fire(code);
      this.dispose();
    };
    if (wait > 0) this.closeTimer = setTimeout(done, wait);
    else done();
  }

  private dispose(): void {
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
