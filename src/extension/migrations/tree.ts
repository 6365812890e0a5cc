import * as vscode from 'vscode';
import { isConfigurationError } from '../../engine/errors';
import { ViewFailures, failureItem, openConfig, retry, type FailureNode } from '../ui/failure';
import type { MigrationStatus } from '../../engine/migrations';
import { SafeMarkdown, ago } from '../ui/markdown';
import { describeHolder } from '../../runner/migrations';
import type { DatabaseState, MigrationsService } from './service';
import { TreeProvider } from '../ui/treeProvider';

export type MigrationNode = { kind: 'database'; state: DatabaseState } | { kind: 'migration'; state: DatabaseState; entry: MigrationStatus } | FailureNode;

const ICONS: Record<MigrationStatus['state'], vscode.ThemeIcon> = {
  applied: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  pending: new vscode.ThemeIcon('circle-large-outline'),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  partial: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.errorForeground')),
  modified: new vscode.ThemeIcon('diff-modified', new vscode.ThemeColor('list.warningForeground')),
  missing: new vscode.ThemeIcon('question', new vscode.ThemeColor('list.warningForeground')),
};

/** The Migrations view: each configured database with its migrations and their state. */
export class MigrationsTreeProvider extends TreeProvider<MigrationNode> {
  constructor(
    private readonly service: MigrationsService,
    private readonly failures: ViewFailures,
  ) {
    super();
    this._register(service.onDidChange(() => this.refresh()));
    this._register(service.onDidChangeActivity(() => this.refresh()));
  }

  getChildren(node?: MigrationNode): MigrationNode[] {
    if (!node) {
      return this.failures.children('Migrations', 'the databases', () => this.service.readStates().map((state) => ({ kind: 'database' as const, state })), (err) =>
        isConfigurationError(err) ? openConfig() : retry(),
      );
    }
    if (node.kind === 'database') return (node.state.status?.entries ?? []).map((entry) => ({ kind: 'migration', state: node.state, entry }));
    return [];
  }

  getTreeItem(node: MigrationNode): vscode.TreeItem {
    if (node.kind === 'failure') return failureItem(node);
    if (node.kind === 'database') {
      const { db, status, error, activity } = node.state;
      const item = new vscode.TreeItem(db.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `db:${db.name}`;
      item.iconPath = new vscode.ThemeIcon('database');
      const count = (s: MigrationStatus['state']) => status?.entries.filter((e) => e.state === s).length ?? 0;
      const parts = status
        ? [`v${status.current}`, `${count('applied')} applied`, count('pending') && `${count('pending')} pending`, count('failed') + count('partial') && `${count('failed') + count('partial')} failed`, count('modified') && `${count('modified')} modified`, status.lock && (status.lock.stale ? 'stale lock' : 'locked')].filter(Boolean)
        : [error ? 'cannot read' : ''];
      if (activity) parts.unshift(activity === 'migrating' ? 'migrating…' : activity === 'reading' ? 'reading…' : 'busy');
      item.description = parts.filter(Boolean).join(' · ');
      item.contextValue = `rebound.database${count('pending') ? '.pending' : ''}${count('applied') ? '.applied' : ''}${count('failed') + count('partial') || status?.interruptedRuns.length ? '.broken' : ''}`;
      const tip = new SafeMarkdown().bold(db.name).field('Database', db.file).field('Migrations', db.migrationsDir);
      if (status) tip.field('Current version', status.current).field('Schema drift', status.drift ? 'yes: the live schema differs from the recorded one' : null);
      if (status?.lock) tip.field("Lock", `${describeHolder(status.lock)}${status.lock.stale ? ` (stale: ${status.lock.stale})` : ''}`);
      if (error) tip.paragraph(error);
      if (activity === 'migrating') tip.paragraph('A migration job of this window is running on it: the status shown is the one before it, read again when it ends.');
      if (activity === 'reading') tip.paragraph('The database server is being read: the status shows when the read ends.');
      if (activity === 'busy') tip.paragraph('Another process (the rebound CLI, another window) is writing it: the status shown is the last one read, read again in a moment.');
      item.tooltip = tip.md;
      return item;
    }
    const e = node.entry;
    const item = new vscode.TreeItem(`${String(e.version).padStart(4, '0')} ${e.name}`, vscode.TreeItemCollapsibleState.None);
    item.id = `migration:${node.state.db.name}:${e.version}`;
    item.iconPath = ICONS[e.state];
    item.description = `${e.state}${e.change ? ` (${e.change})` : ''}${e.outOfOrder ? ' · out of order' : ''}${e.appliedAt ? ` · ${ago(e.appliedAt)}` : ''}${e.hasDown ? '' : ' · no down'}`;
    item.contextValue = `rebound.migration.${e.state}${e.state === 'modified' && e.change ? `.${e.change}` : ''}`;
    if (e.fileName) {
      const uri = vscode.Uri.joinPath(vscode.Uri.file(node.state.db.migrationsDir), e.fileName);
      item.resourceUri = uri;
      item.command = { command: 'vscode.open', title: 'Open Migration', arguments: [uri] };
    }
    item.tooltip = new SafeMarkdown()
      .bold(`${e.version} ${e.name}`)
      .field('State', e.state)
      .field('Applied', e.appliedAt ? `${new Date(e.appliedAt).toLocaleString()} by ${e.appliedBy ?? '?'}` : null)
      .field('Duration', e.durationMs !== undefined ? `${e.durationMs} ms` : null)
      .field('Rollback', e.hasDown ? 'down section recorded' : 'no down section: cannot be rolled back')
      .field('Progress', e.statementCount !== undefined ? `${e.statementsDone ?? 0} of ${e.statementCount} statements` : null)
      .field('Error', e.error).md;
    return item;
  }

}
