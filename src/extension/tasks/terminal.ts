import * as vscode from 'vscode';

export interface TerminalIo {
  signal: AbortSignal;
  /** Writes task output as it arrives (line endings are fixed up for the terminal). */
  write(text: string): void;
}

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

  constructor(private readonly work: (io: TerminalIo) => Promise<number>) {}

  open(): void {
    const io: TerminalIo = {
      signal: this.controller.signal,
      write: (text) => this.writeEmitter.fire(text.replace(/\r?\n/g, '\r\n')),
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
  }

  private finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    this.closeEmitter.fire(code);
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
