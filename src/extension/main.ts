import { join } from 'node:path';
import * as vscode from 'vscode';
import { registerErrorCommands } from './errors/commands';
import { registerDeadLetterCommands } from './deadLetters/commands';
import { registerBreakerCommands } from './health/commands';
import { DASHBOARD_VIEW_TYPE, DashboardPanel } from './dashboard/panel';
import { dashboardSource } from './dashboard/source';
import { registerFoundation } from './foundation';
import { registerConfigDiagnostics } from './diagnostics/configDiagnostics';
import { registerConfigFixes } from './diagnostics/configFixes';
import { MigrationFailureDiagnostics } from './diagnostics/migrationFailures';
import { MigrationFileDiagnostics } from './diagnostics/migrationFiles';
import { registerMigrationRepair } from './migrations/repair';
import { RemediationProvider } from './diagnostics/remediation';
import { TaskDiagnostics } from './diagnostics/taskDiagnostics';
import { registerMigrationCommands } from './migrations/commands';
import { MigrationsService } from './migrations/service';
import { MigrationsTreeProvider } from './migrations/tree';
import { TaskCoordinator, type NotificationsSetting } from './tasks/coordinator';
import { ReboundTaskProvider, TASK_TYPE } from './tasks/provider';
import { EditorTaskRunner } from './tasks/runnerFacade';
import { handleInterrupted, registerTaskCommands, runTaskInTerminal, type RecoveryStrategySetting } from './tasks/commands';
import { TasksTreeProvider } from './tasks/tree';
import { WorkspaceConfig } from './workspaceConfig';
import { ReboundSession } from './session';
import { HealthStatusBar } from './health/statusBar';
import { DeadLettersTreeProvider, type DeadLetterNode } from './deadLetters/tree';
import { ViewFailures } from './ui/failure';
import { errorsModel, toIssueDetail } from './errors/model';
import { ErrorsTreeProvider, GROUP_BY_KEY, isGroupBy, type ErrorsNode } from './errors/tree';
import { HealthTreeProvider, type HealthNode } from './health/tree';
import { GuidanceDocuments } from './issuePage/guidanceDocument';
import { registerIssuePage } from './issuePage/register';
import { RenderClock } from './ui/renderClock';
import { inTurns } from './lifecycle';

/** What the extension exports to other extensions and to its own integration tests. */
export interface ReboundApi {
  /** Milliseconds `activate` took (no database or disk work happens in it). */
  readonly activationTimeMs: number;
  /** The session of the first workspace folder, if one is open (for tests and other extensions). */
  readonly session: ReboundSession | undefined;
  /** The view models and the status bar item, so integration tests can read what the user sees. */
  readonly ui: ReboundUi | undefined;
}

export interface ReboundUi {
  errors: ErrorsTreeProvider;
  deadLetters: DeadLettersTreeProvider;
  health: HealthTreeProvider;
  migrations: MigrationsTreeProvider;
  tasks: TasksTreeProvider;
  /** Runs tasks for the editor (the terminal, the Tasks view and the commands go through it). */
  taskCoordinator: TaskCoordinator;
  taskRunner: EditorTaskRunner;
  statusBar: HealthStatusBar;
  /** The workspace's config.json, read once per change. */
  config: WorkspaceConfig;
  /** Diagnostics of migration files. */
  migrationFiles: MigrationFileDiagnostics;
  /** The tree views (their badges and messages) of the providers above. */
  views: { errors: vscode.TreeView<ErrorsNode>; deadLetters: vscode.TreeView<DeadLetterNode>; health: vscode.TreeView<HealthNode> };
  /** Recomputes badges and the status bar now (normally done on store changes). */
  refresh(): void;
}

export function activate(context: vscode.ExtensionContext): ReboundApi {
  const started = performance.now();
  const log = registerFoundation(context);
  context.subscriptions.push(registerConfigDiagnostics({ enabled: () => vscode.workspace.getConfiguration('rebound').get<boolean>('diagnostics.enabled', true) }));
  context.subscriptions.push(registerConfigFixes());
  const folder = vscode.workspace.workspaceFolders?.[0];
  let session: ReboundSession | undefined;
  let ui: ReboundUi | undefined;
  if (folder) {
    const config = new WorkspaceConfig(folder);
    session = new ReboundSession(folder, log, () => ({
      rules: config.rules(),
      retention: { ...config.get()?.config.retention, days: config.retentionDays() },
      healthThresholds: config.get()?.config.health,
      limits: config.get()?.config.limits,
    }));
    const views = registerViews(context, session, config, log);
    ui = views.ui;
    context.subscriptions.push(config, session, ...views.disposables);
  }
  const activationTimeMs = performance.now() - started;
  log.info(`activated in ${activationTimeMs.toFixed(1)} ms`);
  return { activationTimeMs, session, ui };
}

function registerViews(context: vscode.ExtensionContext, session: ReboundSession, config: WorkspaceConfig, log: vscode.LogOutputChannel): { ui: ReboundUi; disposables: vscode.Disposable[] } {
  const failures = new ViewFailures(log);
  /** The store; undefined when there is no database yet; the open error when it cannot be opened (the views say so). */
  const store = () => {
    const h = session.store();
    if (!h && session.error) throw session.error;
    return h;
  };
  const errors = new ErrorsTreeProvider(() => {
    const h = store();
    return h ? errorsModel(h) : undefined;
  }, failures);
  const savedGroupBy = context.workspaceState.get<unknown>(GROUP_BY_KEY);
  errors.groupBy = isGroupBy(savedGroupBy) ? savedGroupBy : 'status';
  const deadLetters = new DeadLettersTreeProvider(() => store()?.deadLetters, failures);
  const health = new HealthTreeProvider(() => {
    const h = store();
    if (!h) return undefined;
    return {
      report: () => h.errors.health(migrations.healthNotes()),
      breakers: () =>
        h.breakers.list().map((breaker) => ({
          breaker,
          retryAt: breaker.state === 'open' && breaker.snapshot.openedAt !== null && breaker.snapshot.breakMs !== null ? breaker.snapshot.openedAt + breaker.snapshot.breakMs : null,
        })),
    };
  }, failures, () => {
    // The driver is named once the store is open (or failed to open): listing it must not load one.
    if (!session.store() && !session.error) return undefined;
    const d = session.driver();
    return d instanceof Error ? { error: d.message } : { driver: d.name, sqliteVersion: d.sqliteVersion, reason: d.reason, persistent: d.persistent };
  });
  const errorsView = vscode.window.createTreeView('rebound.errors', { treeDataProvider: errors, showCollapseAll: true });
  const deadLettersView = vscode.window.createTreeView('rebound.deadLetters', { treeDataProvider: deadLetters });
  const healthView = vscode.window.createTreeView('rebound.health', { treeDataProvider: health });
  const statusBar = new HealthStatusBar();
  const migrations = new MigrationsService(
    session,
    () => config.databases(),
    join(context.extensionPath, 'dist', 'migrationWorker.js'),
  );
  const migrationsTree = new MigrationsTreeProvider(migrations, failures);
  const migrationsView = vscode.window.createTreeView('rebound.migrations', { treeDataProvider: migrationsTree });
  const diagnosticsOn = () => vscode.workspace.getConfiguration('rebound', session.folder).get<boolean>('diagnostics.enabled', true);
  const migrationFiles = new MigrationFileDiagnostics({
    migrationFolders: () => migrations.folders(),
    applied: (file) => migrations.applied(file),
    enabled: diagnosticsOn,
  });
  const migrationFailures = new MigrationFailureDiagnostics();
  const source = dashboardSource(session, () => migrations.pendingCount());
  const guidanceDocs = new GuidanceDocuments(() => config.guidance());
  const taskDiagnostics = new TaskDiagnostics(diagnosticsOn);
  const runner = new EditorTaskRunner(session, config);
  const coordinator = new TaskCoordinator(() => runner, taskDiagnostics, session, log, () => notificationsSetting(session.folder));
  const taskProvider = new ReboundTaskProvider(session.folder, () => runner, coordinator);
  const tasks = new TasksTreeProvider(() => runner, coordinator, failures);
  const tasksView = vscode.window.createTreeView('rebound.tasks', { treeDataProvider: tasks });
  const remediation = new RemediationProvider(
    () => config.guidance(),
    (uri, d) => taskDiagnostics.origin(uri, d),
    () => vscode.Uri.file(session.paths.config),
  );

  const refreshTasks = () => {
    tasks.refresh();
    const problem = config.error;
    tasksView.message = problem ? `.rebound/config.json has problems; fix them to run tasks. ${problem.message.split('\n')[1]?.trim() ?? ''}` : undefined;
    void vscode.commands.executeCommand('setContext', 'rebound.taskRunning', coordinator.runningCount() > 0);
    let interrupted = false;
    try {
      interrupted = runner.interrupted().length > 0;
    } catch {
      // no store or no config: nothing to recover
    }
    void vscode.commands.executeCommand('setContext', 'rebound.hasInterruptedRuns', interrupted);
  };

  const refresh = () => {
    errors.refresh();
    deadLetters.refresh();
    health.refresh();
    refreshTasks();
    const h = session.store();
    void vscode.commands.executeCommand('setContext', 'rebound.hasStore', !!h);
    const storeMessage = session.error ? `Rebound cannot open its database: ${session.error.message}` : undefined;
    errorsView.message = storeMessage;
    if (!h) {
      statusBar.update(undefined);
      errorsView.badge = undefined;
      deadLettersView.description = undefined;
      return;
    }
    try {
      const open = h.explorer.severityCounts('unresolved').reduce((n, s) => n + s.count, 0);
      const dead = deadLetters.pendingCount();
      errorsView.badge = open ? { value: open, tooltip: `${open} unresolved issue(s)` } : undefined;
      // The container's badge is the sum of its views' badges: only the Errors view has one, so each
      // open issue counts once (its dead letter is the same failure); the Dead Letters view says its count.
      deadLettersView.badge = undefined;
      deadLettersView.description = dead ? `${dead} waiting` : undefined;
      const report = h.errors.health(migrations.healthNotes());
      const breakers = h.breakers.countByState();
      statusBar.update({
        level: report.status,
        openIssues: open,
        openBreakers: breakers.open + breakers['half-open'] + breakers.isolated,
        deadLetters: dead,
        reasons: report.components.filter((c) => c.status !== 'healthy').map((c) => `${c.component}: ${c.reasons.join('; ')}`),
      });
    } catch (err) {
      // The views say it (a row with the cause); the badges and status bar show nothing they cannot read.
      log.error(`cannot read the database for the badges and status bar: ${(err as Error).message}`);
      statusBar.update(undefined);
      errorsView.badge = undefined;
      deadLettersView.badge = undefined;
    }
  };

  let migrationsRefresh: ReturnType<typeof setTimeout> | undefined;

  // The first read waits until the workbench is idle, never during activation, and goes in turns,
  // each a short task of its own on the host thread every extension shares: the SQLite driver
  // loaded, config.json read, the database opened, the migration targets' status read, the views,
  // badges and status bar, the migration files' marks, then runs whose process died with an earlier
  // window (the user decides what happens to them).
  const startup = inTurns(
    [
      () => void session.driver(),
      () => void config.get(),
      () => void session.store(),
      () => void migrations.states(),
      refresh,
      () => migrationFiles.refreshAll(),
      () => {
        if (!vscode.workspace.isTrusted) return;
        const settings = vscode.workspace.getConfiguration('rebound', session.folder);
        // The views were just read: they are read again only when interrupted runs were acted on, so a
        // click on a row in the first seconds is not lost to a re-render that shows nothing new.
        void handleInterrupted(
          () => runner,
          (name, resume) => runTaskInTerminal(taskProvider, coordinator, name, resume),
          settings.get<RecoveryStrategySetting>('recovery.strategy', 'guided'), notificationsSetting(session.folder), log,
        ).then((acted) => acted && refresh(), refresh);
      },
    ],
    1500,
  );

  // Relative times and countdowns are computed at render: re-render what shows them while it is visible.
  const clock = new RenderClock([
    { visible: () => errorsView.visible, refresh: () => errors.refresh() },
    { visible: () => deadLettersView.visible, refresh: () => deadLetters.refresh() },
    { visible: () => tasksView.visible, refresh: () => tasks.refresh(), countingDown: () => coordinator.runningCount() > 0 },
    { visible: () => migrationsView.visible, refresh: () => migrationsTree.refresh() },
    { visible: () => healthView.visible, refresh: () => health.refresh(), countingDown: () => health.countingDown() },
  ]);

  const ui: ReboundUi = {
    errors, deadLetters, health, migrations: migrationsTree, tasks, taskCoordinator: coordinator, taskRunner: runner, statusBar, refresh, config, migrationFiles,
    views: { errors: errorsView, deadLetters: deadLettersView, health: healthView },
  };
  const disposables = [
    errors,
    deadLetters,
    health,
    errorsView,
    deadLettersView,
    healthView,
    statusBar,
    startup,
    clock,
    session.onDidChange(refresh),
    migrations,
    migrationsTree,
    migrationsView,
    runner,
    coordinator,
    tasks,
    tasksView,
    coordinator.onDidChange(refreshTasks),
    vscode.tasks.registerTaskProvider(TASK_TYPE, taskProvider),
    ...registerTaskCommands(() => runner, taskProvider, coordinator, log),
    migrationFiles,
    taskDiagnostics,
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, remediation, RemediationProvider.metadata),
    vscode.languages.registerHoverProvider({ scheme: 'file' }, remediation),
    migrations.onDidChange(() => {
      // In a task of its own, coalesced: a job starting (or ending) marks its database in the
      // Migrations view at once, and the store's health and the files' marks follow a moment
      // later, not in the same block of host-thread work as the command that started the job.
      if (migrationsRefresh) return;
      migrationsRefresh = setTimeout(() => {
        migrationsRefresh = undefined;
        migrationFiles.refreshAll();
        refresh(); // Health and the status bar say what the databases' status says
      }, 0);
    }),
    { dispose: () => clearTimeout(migrationsRefresh) },
    vscode.languages.registerCodeActionsProvider({ pattern: '**/*.sql', scheme: 'file' }, migrationFiles, MigrationFileDiagnostics.metadata),
    config.onDidChange(() => {
      migrations.invalidate();
      session.reopen();
      refreshTasks();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('rebound.diagnostics.enabled')) {
        migrationFiles.refreshAll();
        if (!diagnosticsOn()) taskDiagnostics.clearAll();
      }
    }),
    ...registerMigrationCommands(migrations, log, migrationFailures),
    migrationFailures,
    vscode.languages.registerCodeActionsProvider({ pattern: '**/*.sql', scheme: 'file' }, migrationFailures, MigrationFailureDiagnostics.metadata),
    ...registerMigrationRepair(migrations, log),
    vscode.commands.registerCommand('rebound.refresh', () => {
      config.invalidate();
      session.reopen();
      migrations.invalidate();
      refresh();
    }),
    vscode.commands.registerCommand('rebound.openDashboard', () => DashboardPanel.show(context.extensionUri, source)),
    vscode.commands.registerCommand('rebound.errors.reveal', async (issueId: number) => {
      const issue = session.store()?.errors.getIssue(issueId);
      if (!issue) return;
      await vscode.commands.executeCommand('rebound.errors.focus');
      await errorsView.reveal(errors.issueNode(toIssueDetail(issue)), { select: true, focus: true, expand: true });
    }),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        DashboardPanel.revive(panel, context.extensionUri, source);
      },
    }),
    guidanceDocs,
    ...registerIssuePage(context.extensionUri, session, () => config.guidance()),
    ...registerErrorCommands({
      session,
      tree: errors,
      viewState: context.workspaceState,
      guidance: () => config.guidance(),
      showGuidance: (code) => guidanceDocs.show(code),
      // Retrying an issue re-runs what failed: its task in a terminal, or its database's pending migrations.
      retry: async (issue) => {
        if (issue.task) await vscode.commands.executeCommand('rebound.runTask', issue.task);
        else if (issue.migration) await vscode.commands.executeCommand('rebound.migrate.up');
        else void vscode.window.showInformationMessage('Rebound: this issue did not come from a task or a migration, so there is nothing to re-run.');
      },
    }),
    ...registerDeadLetterCommands(session),
    ...registerBreakerCommands(session, log),
  ];
  return { ui, disposables };
}

/** `rebound.notifications` (`none`, the value of earlier versions, reads as `off`). */
function notificationsSetting(folder: vscode.WorkspaceFolder): NotificationsSetting {
  const v = vscode.workspace.getConfiguration('rebound', folder).get<string>('notifications', 'failures');
  return v === 'off' || v === 'none' ? 'off' : v === 'all' ? 'all' : 'failures';
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
