import * as vscode from 'vscode';
import type { GuidanceCatalog } from '../../engine/guidance';
import type { IssuePageAction } from '../../shared/protocol';
import type { ReboundSession } from '../session';
import type { ErrorsNode } from '../errors/tree';
import { issuePageData, sourceLocation } from './issueData';
import { ISSUE_VIEW_TYPE, IssuePanel, type IssuePageSource } from './issuePanel';

/** The issue id a command was given: a tree node of the Errors view, or the id itself. */
export function issueIdOf(arg: unknown): number | undefined {
  if (typeof arg === 'number' && Number.isInteger(arg)) return arg;
  const n = arg as ErrorsNode | undefined;
  if (n?.kind === 'issue' || n?.kind === 'event') return n.issue.id;
  return undefined;
}

/** Opens a file an event names (relative paths are in the workspace folder) at its line and column. */
export async function openLocation(session: ReboundSession, loc: { file: string; line: number | null; column: number | null }): Promise<void> {
  const uri = loc.file.startsWith('/') ? vscode.Uri.file(loc.file) : vscode.Uri.joinPath(session.folder.uri, loc.file);
  const pos = new vscode.Position(Math.max(0, (loc.line ?? 1) - 1), Math.max(0, (loc.column ?? 1) - 1));
  await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos) });
}

/**
 * The issue page's data and actions over the store and the existing commands, the
 * `rebound.issue.open` command (Errors view click, dashboard, palette), and the serializer that
 * restores the page after a reload.
 */
export function registerIssuePage(extensionUri: vscode.Uri, session: ReboundSession, guidance: () => GuidanceCatalog): vscode.Disposable[] {
  const store = () => {
    const h = session.store();
    if (!h) throw new Error('no errors have been recorded in this workspace yet');
    return h;
  };
  const source: IssuePageSource = {
    onDidChange: session.onDidChange,
    data: (id) => {
      const h = session.store();
      return h ? issuePageData(h, id, guidance(), vscode.workspace.isTrusted) : undefined;
    },
    act: async (action: IssuePageAction, id: number): Promise<string> => {
      const issue = store().errors.getIssue(id);
      if (!issue) throw new Error(`issue #${id} no longer exists`);
      switch (action) {
        case 'resolve':
          store().errors.resolve(id, 'vscode');
          return 'Resolved.';
        case 'reopen':
          store().errors.reopen(id);
          return 'Reopened.';
        case 'ignore': {
          await vscode.commands.executeCommand('rebound.issue.ignore', id);
          const after = store().errors.getIssue(id);
          return after?.status === 'ignored' ? 'Ignored.' : 'Not ignored: no duration was chosen.';
        }
        case 'retry':
          if (!vscode.workspace.isTrusted) throw new Error('this workspace is not trusted, so Rebound runs nothing');
          await vscode.commands.executeCommand('rebound.issue.retry', id);
          return issue.task ? `Started task "${issue.task}" again.` : 'Started the pending migrations again.';
        case 'openSource': {
          const loc = sourceLocation(store(), id);
          if (!loc) throw new Error('no event of this issue names a source file');
          await openLocation(session, loc);
          return `Opened ${loc.file}${loc.line ? `:${loc.line}` : ''}.`;
        }
        case 'guidance':
          await vscode.commands.executeCommand('rebound.showGuidance', issue.code);
          return `Opened the guidance for ${issue.code}.`;
        case 'reveal':
          await vscode.commands.executeCommand('rebound.errors.reveal', id);
          return 'Shown in the Errors view.';
      }
    },
  };
  return [
    vscode.commands.registerCommand('rebound.issue.open', async (arg: unknown) => {
      let id = issueIdOf(arg);
      if (id === undefined) {
        const h = session.store();
        if (!h) {
          void vscode.window.showInformationMessage('Rebound: no errors have been recorded in this workspace yet.');
          return undefined;
        }
        const page = h.errors.listIssues({}, { limit: 200 });
        id = (
          await vscode.window.showQuickPick(
            page.items.map((i) => ({ label: i.title, description: `${i.code} · ${i.status}`, id: i.id })),
            { title: 'Open Rebound issue', matchOnDescription: true },
          )
        )?.id;
      }
      if (id === undefined) return undefined;
      return IssuePanel.show(extensionUri, source, id).shownIssue;
    }),
    vscode.window.registerWebviewPanelSerializer(ISSUE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        IssuePanel.revive(panel, extensionUri, source, state);
      },
    }),
    { dispose: () => IssuePanel.instance?.dispose() },
  ];
}
