import * as vscode from 'vscode';
import type { GuidanceCatalog } from '../../engine/guidance';
import type { IgnoreCondition } from '../../engine/issues/issueState';
import type { ReboundSession } from '../session';
import { toIssueDetail } from './model';
import { GROUP_BY, GROUP_BY_KEY, isGroupBy, type ErrorsNode, type ErrorsTreeProvider, type IssueDetail } from './tree';

export interface ErrorCommandsContext {
  session: ReboundSession;
  tree: ErrorsTreeProvider;
  guidance: () => GuidanceCatalog;
  /** Re-runs the task or migration behind an issue (implemented by the task and migration layers). */
  retry: (issue: IssueDetail) => Promise<void>;
  /** Shows a guidance entry read-only, in the one guidance tab. */
  showGuidance: (code: string) => Promise<unknown>;
  /** Where view state (the grouping) is kept: the workspace state, not the settings. */
  viewState: vscode.Memento;
}

/** Resolves the issue a command was invoked on: a tree node, an issue id (dashboard, code actions). */
function issueId(arg: unknown): number | undefined {
  if (typeof arg === 'number') return arg;
  const n = arg as ErrorsNode | undefined;
  if (n?.kind === 'issue' || n?.kind === 'event') return n.issue.id;
  return undefined;
}

async function pickIgnore(): Promise<IgnoreCondition | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Forever', description: 'until you reopen it', mode: 'forever' as const },
      { label: 'For the next N events…', description: 'then it reopens', mode: 'count' as const },
      { label: 'Until a date…', description: 'events before then are only counted', mode: 'until' as const },
    ],
    { title: 'Ignore issue', placeHolder: 'How long should Rebound ignore it?' },
  );
  if (!pick) return undefined;
  if (pick.mode === 'forever') return { mode: 'forever' };
  if (pick.mode === 'count') {
    const v = await vscode.window.showInputBox({
      title: 'Ignore for the next N events',
      prompt: 'Number of events to ignore',
      value: '100',
      validateInput: (s) => (/^[1-9]\d{0,8}$/.test(s.trim()) ? undefined : 'Enter a whole number from 1'),
    });
    return v === undefined ? undefined : { mode: 'count', count: Number(v.trim()) };
  }
  const v = await vscode.window.showInputBox({
    title: 'Ignore until a date',
    prompt: 'Date (YYYY-MM-DD, local time)',
    value: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
    validateInput: (s) => {
      const t = parseDate(s);
      if (t === undefined) return 'Enter a date as YYYY-MM-DD';
      return t <= Date.now() ? 'Choose a date in the future' : undefined;
    },
  });
  const until = v === undefined ? undefined : parseDate(v);
  return until === undefined ? undefined : { mode: 'until', until };
}

function parseDate(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 ? d.getTime() : undefined;
}

export function registerErrorCommands(ctx: ErrorCommandsContext): vscode.Disposable[] {
  const { session } = ctx;
  const store = () => {
    const h = session.store();
    if (!h) throw new Error(session.error ? `the Rebound database cannot be opened: ${session.error.message}` : 'no errors have been recorded in this workspace yet');
    return h;
  };
  const triage = (fn: (id: number) => unknown, verb: string) => async (arg: unknown) => {
    let id = issueId(arg);
    if (id === undefined) id = await pickIssue(ctx.session);
    if (id === undefined) return;
    if (!fn(id)) void vscode.window.showWarningMessage(`Rebound: issue #${id} no longer exists, nothing to ${verb}.`);
  };

  return [
    vscode.commands.registerCommand('rebound.issue.resolve', triage((id) => store().errors.resolve(id, 'vscode'), 'resolve')),
    vscode.commands.registerCommand('rebound.issue.reopen', triage((id) => store().errors.reopen(id), 'reopen')),
    vscode.commands.registerCommand('rebound.issue.ignore', async (arg: unknown, condition?: IgnoreCondition) => {
      let id = issueId(arg);
      if (id === undefined) id = await pickIssue(ctx.session);
      if (id === undefined) return;
      const c = condition ?? (await pickIgnore());
      // Escape in the duration picker: nothing changes and nothing is reported.
      if (!c) return false;
      if (!store().errors.ignore(id, c)) {
        void vscode.window.showWarningMessage(`Rebound: issue #${id} no longer exists.`);
        return false;
      }
      return true;
    }),
    vscode.commands.registerCommand('rebound.issue.copy', async (arg: unknown) => {
      const id = issueId(arg);
      const issue = id === undefined ? undefined : store().errors.getIssue(id);
      if (!issue) return;
      const latest = store().errors.listEvents({ issueId: issue.id }, { limit: 1 }).items[0];
      const text = [
        `${issue.code}: ${issue.title}`,
        `severity ${issue.severity}, ${issue.category}, ${issue.status}${issue.status === 'unresolved' || issue.substatus === 'recovered' ? ` (${issue.substatus})` : ''}`,
        `${issue.count} event(s), first ${new Date(issue.firstSeen).toISOString()}, last ${new Date(issue.lastSeen).toISOString()}`,
        issue.culprit ? `culprit: ${issue.culprit}` : '',
        latest ? `\n${latest.message}${latest.stack ? `\n${latest.stack}` : ''}` : '',
      ]
        .filter(Boolean)
        .join('\n');
      await vscode.env.clipboard.writeText(text);
      vscode.window.setStatusBarMessage('$(copy) Rebound: issue copied', 2000);
    }),
    vscode.commands.registerCommand('rebound.issue.showGuidance', async (arg: unknown) => {
      const id = issueId(arg);
      const issue = id === undefined ? undefined : store().errors.getIssue(id);
      if (issue) await vscode.commands.executeCommand('rebound.showGuidance', issue.code);
    }),
    vscode.commands.registerCommand('rebound.issue.retry', async (arg: unknown) => {
      const n = arg as ErrorsNode | undefined;
      const id = issueId(arg);
      const stored = n?.kind === 'issue' || n?.kind === 'event' || id === undefined ? undefined : store().errors.getIssue(id);
      const issue = n?.kind === 'issue' || n?.kind === 'event' ? n.issue : stored ? toIssueDetail(stored) : undefined;
      if (issue) await ctx.retry(issue);
    }),
    vscode.commands.registerCommand('rebound.errors.openSource', async (arg: unknown) => {
      const n = arg as ErrorsNode | undefined;
      let file: string | null = null;
      let line: number | null = null;
      let column: number | null = null;
      if (n?.kind === 'event') ({ file, line, column } = n.event);
      else if (n?.kind === 'issue') {
        const e = store().errors.listEvents({ issueId: n.issue.id }, { limit: 20 }).items.find((x) => x.file);
        if (e) ({ file, line, column } = e);
      }
      if (!file) {
        void vscode.window.showInformationMessage('Rebound: this error has no source location.');
        return;
      }
      const uri = file.startsWith('/') ? vscode.Uri.file(file) : vscode.Uri.joinPath(session.folder.uri, file);
      const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos) });
    }),
    vscode.commands.registerCommand('rebound.errors.groupBy', async (by?: unknown) => {
      // From the view's title bar VS Code passes the selected tree node: only a grouping name is
      // taken as an argument, anything else asks.
      const choice =
        (isGroupBy(by) ? by : undefined) ??
        (
          await vscode.window.showQuickPick(
            GROUP_BY.map((g) => ({ label: `By ${g}`, g, picked: g === ctx.tree.groupBy })),
            { title: 'Group errors', placeHolder: `Currently by ${ctx.tree.groupBy}` },
          )
        )?.g;
      if (!choice) return;
      // View state: kept in the workspace state, never written into the workspace's settings.
      ctx.tree.setGroupBy(choice);
      await ctx.viewState.update(GROUP_BY_KEY, choice);
    }),
    vscode.commands.registerCommand('rebound.showGuidance', async (code?: string) => {
      const catalog = ctx.guidance();
      const picked =
        code ??
        (await vscode.window.showQuickPick(
          catalog.codes().map((c) => ({ label: c, description: catalog.get(c)?.title })),
          { title: 'Rebound guidance', placeHolder: 'Error code', matchOnDescription: true },
        ))?.label;
      if (!picked) return;
      const g = catalog.get(picked);
      if (!g) {
        void vscode.window.showWarningMessage(`Rebound has no guidance for ${picked}.`);
        return;
      }
      await ctx.showGuidance(g.code);
    }),
  ];
}

async function pickIssue(session: ReboundSession): Promise<number | undefined> {
  const h = session.store();
  if (!h) return undefined;
  const page = h.errors.listIssues({}, { limit: 200 });
  const pick = await vscode.window.showQuickPick(
    page.items.map((i) => ({ label: i.title, description: `${i.code} · ${i.status}`, id: i.id })),
    { title: 'Rebound issue', matchOnDescription: true },
  );
  return pick?.id;
}
