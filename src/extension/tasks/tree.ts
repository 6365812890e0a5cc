import * as vscode from 'vscode';
import { isConfigurationError } from '../../engine/errors';
import { ViewFailures, failureItem, isFailure, openConfig, retry, type FailureNode } from '../ui/failure';
import { SafeMarkdown, ago } from '../ui/markdown';
import { describeLive } from './liveRun';
import type { TaskCoordinator } from './coordinator';
import type { TaskRunnerFacade, TaskSummary } from './facade';
import { TreeProvider } from '../ui/treeProvider';

/** The Tasks view: each configured task with its last result; run, resume, cancel. */
export type TaskNode = TaskSummary | FailureNode;

export class TasksTreeProvider extends TreeProvider<TaskNode> {
  constructor(
    private readonly facade: () => TaskRunnerFacade,
    private readonly coordinator: TaskCoordinator,
    private readonly failures: ViewFailures,
  ) {
    super();
    this._register(coordinator.onDidChange(() => this.refresh()));
  }

  getChildren(parent?: TaskNode): TaskNode[] {
    if (parent) return [];
    return this.failures.children('Tasks', 'the tasks', () => this.facade().tasks(), (err) => (isConfigurationError(err) ? openConfig() : retry()));
  }

  getTreeItem(t: TaskNode): vscode.TreeItem {
    if (isFailure(t)) return failureItem(t);
    const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.None);
    item.id = `task:${t.name}`;
    const running = t.running || this.coordinator.isRunning(t.name);
    if (!running && t.elsewhere) {
      // Run by another process (the CLI, another window): nothing here can run or cancel it now.
      item.iconPath = new vscode.ThemeIcon('sync~spin');
      item.description = `running in another process (pid ${t.elsewhere.pid})`;
      item.contextValue = 'rebound.busyTask';
      item.tooltip = new SafeMarkdown()
        .bold(t.name)
        .field(t.steps > 1 ? 'Steps' : 'Command', t.detail)
        .field('Running', `run ${t.elsewhere.runId}, pid ${t.elsewhere.pid} on ${t.elsewhere.host}, since ${new Date(t.elsewhere.startedAt).toLocaleString()}`).md;
      return item;
    }
    item.iconPath = running
      ? new vscode.ThemeIcon('sync~spin')
      : !t.last
        ? new vscode.ThemeIcon('circle-large-outline')
        : t.last.ok
          ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
          : new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    const ok = t.verdict ? t.verdict.ok : t.last?.ok;
    if (!running && t.last) {
      item.iconPath = ok
        ? new vscode.ThemeIcon(t.verdict?.kind === 'degraded' ? 'pass-filled' : 'pass', new vscode.ThemeColor(t.verdict?.kind === 'degraded' ? 'list.warningForeground' : 'testing.iconPassed'))
        : new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    }
    const live = running ? this.coordinator.live(t.name) : undefined;
    const phrase = t.verdict?.phrase ?? (t.last ? (t.last.ok ? 'succeeded' : `failed${t.last.code ? ` (${t.last.code})` : ''}`) : '');
    // Relative times and countdowns are computed here, when shown; the view re-renders while they move.
    item.description = running
      ? live ? describeLive(live, Date.now()) : 'running…'
      : t.interrupted ? 'interrupted: recover or resume' : t.last ? `${phrase} ${ago(t.last.at)}` : t.steps > 1 ? `${t.steps} steps` : 'not run yet';
    // Only an interrupted run (its process died) is resumed; a failed one is run again.
    const interrupted = !!t.interrupted && !running;
    item.contextValue = `rebound.task${running ? '.running' : ''}${t.last && !ok ? '.failed' : ''}${interrupted ? '.interrupted' : ''}`;
    item.tooltip = new SafeMarkdown()
      .bold(t.name)
      .field(t.steps > 1 ? 'Steps' : 'Command', t.detail)
      .field('Last run', t.last ? `${phrase}, ${new Date(t.last.at).toLocaleString()}` : 'never').md;
    item.command = { command: 'rebound.runTask', title: 'Run Task', arguments: [t.name] };
    return item;
  }

}
