import * as vscode from 'vscode';

/**
 * Builds Markdown tooltips where every piece of workspace text is appended as text
 * (`appendText` escapes it), so a message can never inject links, commands or HTML.
 */
export class SafeMarkdown {
  readonly md = new vscode.MarkdownString(undefined, true);

  constructor() {
    this.md.isTrusted = false;
    this.md.supportHtml = false;
  }

  bold(label: string): this {
    this.md.appendMarkdown('**');
    this.appendEscaped(label);
    this.md.appendMarkdown('**');
    return this;
  }

  text(value: string): this {
    this.appendEscaped(value);
    return this;
  }

  /**
   * `appendText` escapes Markdown but leaves `<` alone (VS Code relies on supportHtml=false to
   * keep tags inert); escape it too so no renderer ever sees a tag in workspace text.
   */
  private appendEscaped(value: string): void {
    const before = this.md.value.length;
    this.md.appendText(value);
    this.md.value = this.md.value.slice(0, before) + this.md.value.slice(before).replace(/</g, '\\<');
  }

  /** `Label: value` on its own line. */
  field(label: string, value: string | number | null | undefined): this {
    if (value === null || value === undefined || value === '') return this;
    this.md.appendMarkdown('\n\n');
    this.bold(label);
    this.appendEscaped(`: ${value}`);
    return this;
  }

  /**
   * Multi-line text such as an error message, line by line. Not a code block: a message could
   * contain a fence and break out of it; appendText escapes everything.
   */
  block(value: string): this {
    for (const line of value.split(/\r?\n/).slice(0, 20)) {
      this.md.appendMarkdown('\n\n');
      this.appendEscaped(line);
    }
    return this;
  }

  paragraph(value: string): this {
    this.md.appendMarkdown('\n\n');
    this.appendEscaped(value);
    return this;
  }
}

export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
