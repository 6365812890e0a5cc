/**
 * Turns a stream of output chunks into lines. Chunks may split lines (and `\r\n`) anywhere; a
 * carriage return inside a line means the terminal overwrote it (progress bars), so only the
 * text after the last one counts. Each line keeps at most `maxLineLength` characters, so a
 * megabyte without a newline costs nothing beyond its first few kilobytes.
 */
export class LineSplitter {
  private partial = '';

  constructor(
    private readonly maxLineLength: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: string): void {
    let start = 0;
    // Positions of `\r` are found with one forward pass per chunk, so the cost stays linear.
    let nextCr = chunk.indexOf('\r');
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const end = nl < 0 ? chunk.length : nl;
      // The last `\r` of this piece that is not its final character (a final one may be half of `\r\n`).
      let overwrite = -1;
      while (nextCr >= 0 && nextCr < end - 1) {
        overwrite = nextCr;
        nextCr = chunk.indexOf('\r', nextCr + 1);
      }
      if (nextCr >= 0 && nextCr < end) nextCr = chunk.indexOf('\r', end);
      this.append(chunk, start, end, overwrite);
      if (nl < 0) return;
      this.flush();
      start = nl + 1;
    }
  }

  /** Emits the unterminated last line, if any. */
  end(): void {
    if (this.partial.length > 0) this.flush();
  }

  private append(chunk: string, from: number, to: number, overwrite: number): void {
    if (from >= to) return;
    // A `\r` that ended the previous piece was not followed by `\n`: an overwrite.
    if (this.partial.endsWith('\r')) this.partial = '';
    if (overwrite >= from) {
      this.partial = '';
      from = overwrite + 1;
    }
    const room = this.maxLineLength - this.partial.length;
    if (room <= 0) return;
    this.partial += chunk.slice(from, Math.min(to, from + room));
  }

  private flush(): void {
    let line = this.partial;
    this.partial = '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.onLine(stripAnsi(line));
  }
}

// ECMA-48 escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks), and the short ones
// (ESC + intermediates + final: charset selection, keypad modes).
// eslint-disable-next-line no-control-regex -- matching terminal control codes is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[ -/]*[0-~]|\u009b[0-?]*[ -/]*[@-~]/g;

/** Removes ANSI colour and control sequences. */
export function stripAnsi(text: string): string {
  if (text.indexOf('\u001b') < 0 && text.indexOf('\u009b') < 0) return text;
  return text.replace(ANSI, '');
}
