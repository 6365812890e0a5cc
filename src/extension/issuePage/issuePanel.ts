import * as vscode from 'vscode';
import { isIssueWebviewMessage, type IssueHostMessage, type IssuePageAction, type IssuePageData, type IssuePageState, type IssueWebviewMessage } from '../../shared/protocol';
import { webviewOptions } from '../ui/webviewHtml';
import { WebviewPage } from '../ui/webviewPage';

/** What the issue page reads and does; the extension implements it over the store and its commands. */
export interface IssuePageSource {
  data(issueId: number): IssuePageData | undefined;
  /** Runs an action; resolves to a short text saying what happened (shown on the page). */
  act(action: IssuePageAction, issueId: number): Promise<string>;
  readonly onDidChange: vscode.Event<void>;
}

export const ISSUE_VIEW_TYPE = 'rebound.issue';

/**
 * The issue page: one editor tab for one issue at a time. Opening another issue reuses the tab
 * (and its page: the host posts the new issue). Same rules as the dashboard: CSP
 * `default-src 'none'`, a per-load script nonce, resources only from media/ and dist/, typed
 * messages and a `ready` handshake, all data rendered as text.
 */
export class IssuePanel extends WebviewPage<IssueWebviewMessage, IssueHostMessage> {
  private static current: IssuePanel | undefined;

  static show(extensionUri: vscode.Uri, source: IssuePageSource, issueId: number): IssuePanel {
    const existing = IssuePanel.current;
    if (existing) {
      existing.setIssue(issueId);
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(ISSUE_VIEW_TYPE, 'Rebound Issue', vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return (IssuePanel.current = new IssuePanel(panel, extensionUri, source, issueId));
  }

  /** Restores the page after a reload (its state names the issue). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, source: IssuePageSource, state: unknown): IssuePanel | undefined {
    const id = (state as Partial<IssuePageState> | undefined)?.issueId;
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      panel.dispose();
      return undefined;
    }
    IssuePanel.current?.dispose();
    panel.webview.options = webviewOptions(extensionUri);
    return (IssuePanel.current = new IssuePanel(panel, extensionUri, source, id));
  }

  static get instance(): IssuePanel | undefined {
    return IssuePanel.current;
  }

  private constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly source: IssuePageSource,
    private issueId: number,
  ) {
    super(panel, extensionUri, { script: 'issue.js', title: 'Rebound Issue' }, isIssueWebviewMessage, source.onDidChange);
    this.setTitle(source.data(issueId));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()));
  }

  /** The issue shown now. */
  get shownIssue(): number {
    return this.issueId;
  }

  setIssue(issueId: number): void {
    this.issueId = issueId;
    this.refresh();
  }

  private setTitle(data: IssuePageData | undefined): void {
    const t = data ? data.issue.title : `Issue #${this.issueId}`;
    this.panel.title = `Issue: ${t.length > 40 ? `${t.slice(0, 39)}…` : t}`;
  }

  protected async onMessage(m: IssueWebviewMessage): Promise<void> {
    if (m.type === 'ready') {
      this.markReady();
      this.refresh();
      return;
    }
    try {
      const message = await this.source.act(m.action, m.issueId);
      this.post({ type: 'reply', id: m.id, ok: true, message });
    } catch (err) {
      this.post({ type: 'reply', id: m.id, ok: false, error: (err as Error).message });
    }
    this.refresh();
  }

  refresh(): void {
    const data = this.source.data(this.issueId);
    this.setTitle(data);
    this.post(data ? { type: 'issue', data } : { type: 'missing', issueId: this.issueId });
  }

  override dispose(): void {
    if (IssuePanel.current === this) IssuePanel.current = undefined;
    super.dispose();
  }
}
