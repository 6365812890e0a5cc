import * as vscode from 'vscode';
import type { DeadLetter } from '../../engine/resilience';
import type { DeadLetterRepository } from '../../store/deadLetters';
import { ViewFailures, failureItem, isFailure, type FailureNode } from '../ui/failure';
import { SafeMarkdown, ago } from '../ui/markdown';
import { TreeProvider } from '../ui/treeProvider';

export type DeadLetterNode = DeadLetter | FailureNode;

const PAGE = 200;

/** The Dead Letters view: pending and requeued work first, newest first; retry, discard, resolve. */
export class DeadLettersTreeProvider extends TreeProvider<DeadLetterNode> {
  constructor(
    /** The queue, undefined when there is no database yet; throws when the database cannot be read. */
    private readonly repo: () => DeadLetterRepository | undefined,
    private readonly failures: ViewFailures,
  ) {
    super();
  }

  getChildren(parent?: DeadLetterNode): DeadLetterNode[] {
    if (parent) return [];
    return this.failures.children('Dead Letters', 'the dead letters', () => this.repo()?.list({ states: ['pending', 'requeued'], limit: PAGE, order: 'newest' }) ?? []);
  }

  pendingCount(): number {
    return this.repo()?.count({ states: ['pending', 'requeued'] }) ?? 0;
  }

  getTreeItem(d: DeadLetterNode): vscode.TreeItem {
    if (isFailure(d)) return failureItem(d);
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

}
