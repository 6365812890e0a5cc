import * as vscode from 'vscode';
import type { DeadLetter } from '../../engine/resilience';
import type { DeadLetterRepository } from '../../store/deadLetters';
import { SafeMarkdown, ago } from './markdown';

const PAGE = 200;

/** The Dead Letters view: pending and requeued work first, newest first; retry, discard, resolve. */
export class DeadLettersTreeProvider implements vscode.TreeDataProvider<DeadLetter>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DeadLetter | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly repo: () => DeadLetterRepository | undefined) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(parent?: DeadLetter): DeadLetter[] {
    if (parent) return [];
    return this.repo()?.list({ states: ['pending', 'requeued'], limit: PAGE, order: 'newest' }) ?? [];
  }

  pendingCount(): number {
    return this.repo()?.count({ states: ['pending', 'requeued'] }) ?? 0;
  }

  getTreeItem(d: DeadLetter): vscode.TreeItem {
    const item = new vscode.TreeItem(d.operation, vscode.TreeItemCollapsibleState.None);
    item.id = `dlq:${d.id}`;
    item.description = `${d.code} · ${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'} · ${ago(d.createdAt)}${d.state === 'requeued' ? ' · requeued' : ''}`;
    item.iconPath = new vscode.ThemeIcon(d.state === 'requeued' ? 'sync' : 'inbox');
    item.contextValue = `rebound.deadLetter.${d.state}`;
    item.tooltip = new SafeMarkdown()
      .bold(`${d.kind}: ${d.operation}`)
      .field('Code', d.code)
      .field('Category', d.category)
      .field('Component', d.component)
      .field('State', d.state)
      .field('Attempts', d.attempts.length)
      .field('Retried from the queue', d.retryCount || null)
      .field('Parked', new Date(d.createdAt).toLocaleString())
      .block(d.message).md;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
