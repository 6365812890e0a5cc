import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';

/**
 * What every Rebound tree view's data provider shares: its change event (disposed with it) and
 * `refresh`, which redraws the whole tree. The provider says what the nodes are.
 */
export abstract class TreeProvider<T> extends Disposable implements vscode.TreeDataProvider<T> {
  private readonly changed = this._register(new vscode.EventEmitter<T | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  refresh(): void {
    this.changed.fire(undefined);
  }

  abstract getChildren(node?: T): vscode.ProviderResult<T[]>;
  abstract getTreeItem(node: T): vscode.TreeItem | Thenable<vscode.TreeItem>;
}
