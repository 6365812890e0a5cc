import * as vscode from 'vscode';
import type { GuidanceCatalog } from '../../engine/guidance';
import { guidanceText } from '../diagnostics/guidance';

export const GUIDANCE_SCHEME = 'rebound-guidance';
/** The one document guidance is shown in: a read-only virtual document, so it never asks to be saved. */
export const GUIDANCE_URI = vscode.Uri.from({ scheme: GUIDANCE_SCHEME, path: '/Rebound Guidance.md' });

/**
 * Guidance as a read-only Markdown document with one URI: showing another code changes the text of
 * the same document, so every "Show Guidance" reuses one tab (in whichever group it already is).
 */
export class GuidanceDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private code: string | undefined;
  private readonly registration: vscode.Disposable;

  constructor(private readonly catalog: () => GuidanceCatalog) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(GUIDANCE_SCHEME, this);
  }

  provideTextDocumentContent(): string {
    if (!this.code) return '# Rebound guidance\n\nPick an error code with "Rebound: Show Error Guidance…".\n';
    const g = this.catalog().get(this.code);
    return g ? guidanceText(g) : `# ${this.code}\n\nRebound has no guidance for this code.\n`;
  }

  /** The code shown now (for tests). */
  get shownCode(): string | undefined {
    return this.code;
  }

  async show(code: string): Promise<vscode.TextEditor> {
    this.code = code;
    this.changed.fire(GUIDANCE_URI);
    let doc = await vscode.workspace.openTextDocument(GUIDANCE_URI);
    if (doc.languageId !== 'markdown') doc = await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    const open = vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === GUIDANCE_URI.toString()));
    return vscode.window.showTextDocument(doc, { preview: true, preserveFocus: false, viewColumn: open?.viewColumn ?? vscode.ViewColumn.Active });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
