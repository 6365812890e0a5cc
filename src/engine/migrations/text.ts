/** A position in a text: 0-based line and character (UTF-16 units), like `vscode.Position`. */
export interface Position {
  line: number;
  character: number;
}

/** A range in a text, end exclusive, like `vscode.Range`. */
export interface TextRange {
  start: Position;
  end: Position;
}

/** Replace `range` with `newText` (an empty range inserts), like `vscode.TextEdit`. */
export interface TextEdit {
  range: TextRange;
  newText: string;
}

const BOM = '\uFEFF';

/** The text with a leading BOM removed and every CRLF or lone CR turned into LF. */
export function normalizeText(text: string): string {
  const noBom = text.startsWith(BOM) ? text.slice(1) : text;
  return noBom.replace(/\r\n?/g, '\n');
}

/** The line ending a text mostly uses ('\r\n' when it has any CRLF, else '\n'). */
export function lineEndingOf(text: string): '\n' | '\r\n' {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Converts offsets of a text to line/character positions and back. Lines end at LF, CRLF or CR. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line];
    const end = this.lineEnd(position.line);
    return Math.min(start + Math.max(0, position.character), end);
  }

  rangeOf(start: number, end: number): TextRange {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  /** Offset of the first character of `line`. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }

  /** Offset just past the last character of `line`, before its line break. */
  lineEnd(line: number): number {
    const l = Math.max(0, Math.min(line, this.starts.length - 1));
    let end = l + 1 < this.starts.length ? this.starts[l + 1] : this.text.length;
    if (end > this.starts[l] && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > this.starts[l] && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  /** Offset just past the line break of `line` (the next line's start, or the end of the text). */
  lineEndWithBreak(line: number): number {
    const l = Math.max(0, Math.min(line, this.starts.length - 1));
    return l + 1 < this.starts.length ? this.starts[l + 1] : this.text.length;
  }
}
