import * as vscode from 'vscode';
import {
  isWebviewMessage,
  type DashboardData,
  type HostMessage,
  type IssueAction,
  type IssueQuery,
  type IssueRow,
  type WebviewMessage,
} from '../../shared/protocol';
import { webviewOptions as options } from '../ui/webviewHtml';
import { WebviewPage } from '../ui/webviewPage';

/** What the dashboard shows and does; the extension's services implement it over the store. */
export interface DashboardSource {
  data(): DashboardData;
  issues(query: IssueQuery): { rows: IssueRow[]; total: number };
  /** Resolves to false when the user backed out (nothing changed). */
  act(action: IssueAction, issueId: number): Promise<boolean | void>;
  readonly onDidChange: vscode.Event<void>;
}

export const DASHBOARD_VIEW_TYPE = 'rebound.dashboard';

/**
 * The dashboard webview: one panel at a time, restored after a reload through a serializer.
 * CSP `default-src 'none'`, scripts only with a per-load nonce, resources only from media/ and
 * dist/, and typed messages with a `ready` handshake: nothing is posted before the page asks.
 */
export class DashboardPanel extends WebviewPage<WebviewMessage, HostMessage> {
  private static current: DashboardPanel | undefined;
  private lastQuery: IssueQuery | undefined;

  static show(extensionUri: vscode.Uri, source: DashboardSource): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Rebound Dashboard', vscode.ViewColumn.Active, options(extensionUri));
    return (DashboardPanel.current = new DashboardPanel(panel, extensionUri, source));
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, source: DashboardSource): DashboardPanel {
    DashboardPanel.current?.dispose();
    panel.webview.options = options(extensionUri);
    return (DashboardPanel.current = new DashboardPanel(panel, extensionUri, source));
  }

  static get instance(): DashboardPanel | undefined {
    return DashboardPanel.current;
  }

  private constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly source: DashboardSource,
  ) {
    super(panel, extensionUri, { script: 'webview.js', title: 'Rebound Dashboard' }, isWebviewMessage, source.onDidChange);
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.post({ type: 'trust', trusted: true })));
  }

  protected async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.markReady();
        this.post({ type: 'trust', trusted: vscode.workspace.isTrusted });
        this.post({ type: 'data', data: this.source.data() });
        break;
      case 'query': {
        this.lastQuery = m.query;
        const { rows, total } = this.source.issues(m.query);
        this.post({ type: 'issues', query: m.query, rows, total });
        break;
      }
      case 'action':
        try {
          const changed = await this.source.act(m.action, m.issueId);
          this.post({ type: 'reply', id: m.id, ok: true, ...(changed === false ? { changed: false } : {}) });
        } catch (err) {
          this.post({ type: 'reply', id: m.id, ok: false, error: (err as Error).message });
        }
        break;
    }
  }

  refresh(): void {
    if (!this.isReady) return;
    this.post({ type: 'data', data: this.source.data() });
    if (this.lastQuery) {
      const { rows, total } = this.source.issues(this.lastQuery);
      this.post({ type: 'issues', query: this.lastQuery, rows, total });
    }
  }

  override dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    super.dispose();
  }
}
