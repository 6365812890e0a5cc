import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import { webviewHtml } from './webviewHtml';

/** How long a burst of store changes is gathered into one refresh of a page. */
const REFRESH_COALESCE_MS = 150;

/**
 * What the dashboard and the issue page share as webview panels: the page (CSP, per-load nonce,
 * see webviewHtml), the icon, the `ready` handshake (nothing is posted before the page asks),
 * typed messages checked by `isMessage`, refreshes coalesced over bursts of changes, and disposal
 * with the panel. A subclass says what a message does and what a refresh posts.
 */
export abstract class WebviewPage<In, Out> extends Disposable {
  private ready = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    page: { script: string; title: string },
    private readonly isMessage: (m: unknown) => m is In,
    onDidChange: vscode.Event<void>,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'rebound.svg');
    panel.webview.html = webviewHtml(panel.webview, extensionUri, page);
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)));
    this._register(onDidChange(() => this.scheduleRefresh()));
    this._register({ dispose: () => clearTimeout(this.refreshTimer) });
  }

  /** The page asked for its data (`ready`): from now on messages are posted. */
  protected get isReady(): boolean {
    return this.ready;
  }

  protected post(message: Out): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  /** A checked message from the page; `ready` is one (after it, `isReady` is true). */
  protected abstract onMessage(message: In): void | Promise<void>;

  /** Posts what the page shows now. */
  abstract refresh(): void;

  /** Marks the handshake done; the subclass calls it on its page's `ready` message. */
  protected markReady(): void {
    this.ready = true;
  }

  private receive(m: unknown): void {
    if (this.isMessage(m)) void this.onMessage(m);
  }

  private scheduleRefresh(): void {
    if (!this.ready || this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, REFRESH_COALESCE_MS);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.panel.dispose();
  }
}
