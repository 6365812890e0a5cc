import * as vscode from 'vscode';
import { SafeMarkdown } from './markdown';

/** A view row that says why the view could not be filled, with a command to act on it. */
export interface FailureNode {
  kind: 'failure';
  /** What could not be shown ("the errors"). */
  what: string;
  message: string;
  action: { command: string; title: string };
}

export function isFailure(node: unknown): node is FailureNode {
  return typeof node === 'object' && node !== null && (node as { kind?: unknown }).kind === 'failure';
}

/** Where failures are logged (the Rebound output channel). */
export interface FailureLog {
  error(message: string): void;
}

/**
 * Fills views that say when they fail: `children` runs the view's query; when it throws, the view
 * gets one row with the cause and a command (Retry, Open config.json), and the failure is logged
 * (once per distinct message, so a refresh loop does not flood the log).
 */
export class ViewFailures {
  private readonly logged = new Set<string>();

  constructor(private readonly log: FailureLog) {}

  children<T>(view: string, what: string, fn: () => T[], action: (err: Error) => FailureNode['action'] = retry): Array<T | FailureNode> {
    try {
      return fn();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const key = `${view}\u0000${error.message}`;
      if (!this.logged.has(key)) {
        this.logged.add(key);
        this.log.error(`${view} view: cannot show ${what}: ${error.message}`);
      }
      return [{ kind: 'failure', what, message: error.message, action: action(error) }];
    }
  }
}

export const retry = (): FailureNode['action'] => ({ command: 'rebound.refresh', title: 'Retry' });
export const openConfig = (): FailureNode['action'] => ({ command: 'rebound.openConfig', title: 'Open .rebound/config.json' });

export function failureItem(node: FailureNode): vscode.TreeItem {
  const first = node.message.split('\n')[0];
  const item = new vscode.TreeItem(`Cannot show ${node.what}`, vscode.TreeItemCollapsibleState.None);
  item.id = `failure:${node.what}`;
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
  item.description = `${first} · ${node.action.title}`;
  item.contextValue = 'rebound.failure';
  item.command = { command: node.action.command, title: node.action.title };
  item.tooltip = new SafeMarkdown()
    .bold(`Cannot show ${node.what}`)
    .block(node.message)
    .paragraph(`Click to ${node.action.title.toLowerCase()}. The Rebound output channel has the details.`).md;
  return item;
}
