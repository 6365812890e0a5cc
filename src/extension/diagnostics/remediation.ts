import * as vscode from 'vscode';
import type { GuidanceCatalog } from '../../engine/guidance';
import { configEdit, configQuickFix, readConfigText } from './configEdits';
import { codeOf } from './convert';
import { guidanceMarkdown } from './guidance';
import type { DiagnosticOrigin } from './taskDiagnostics';

/**
 * Remediation for every Rebound diagnostic: the guidance's edit when it has one (config quick
 * fixes), retry, roll back, recover, resolve or ignore the issue, and "show guidance"; and a hover
 * with the guidance. Only the config edits are marked preferred, and only when they address the
 * cause (a retry policy for a transient failure).
 */
export class RemediationProvider implements vscode.CodeActionProvider, vscode.HoverProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(
    private readonly catalog: () => GuidanceCatalog,
    private readonly origin: (uri: vscode.Uri, d: vscode.Diagnostic) => DiagnosticOrigin | undefined,
    private readonly configUri: () => vscode.Uri | undefined,
  ) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      const code = codeOf(d);
      if (!code) continue;
      const g = this.catalog().get(code);
      const origin = this.origin(doc.uri, d);
      const add = (title: string, command: string, args: unknown[], preferred = false) => {
        const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.command = { command, title, arguments: args };
        a.isPreferred = preferred;
        actions.push(a);
      };
      for (const action of g?.actions ?? []) {
        if (action.kind === 'quickFix') {
          const configUri = this.configUri();
          if (!configUri || !origin) continue;
          const fix = configQuickFix(action.id, await readConfigText(configUri), { task: origin.task, code, evidence: origin.evidence });
          if (!fix) continue;
          const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          a.diagnostics = [d];
          a.edit = await configEdit(configUri, fix.text);
          actions.push(a);
        } else if (action.kind === 'retry' && origin?.task) add(`Run task "${origin.task}" again`, 'rebound.runTask', [origin.task]);
        else if (action.kind === 'rollback' && origin?.task) add('Show the run in Dead Letters to roll back or retry', 'rebound.deadLetters.focus', []);
        else if (action.kind === 'recover') add('Recover interrupted runs…', 'rebound.recovery.show', []);
      }
      if (origin?.issueId !== undefined) {
        add('Resolve the Rebound issue', 'rebound.issue.resolve', [origin.issueId]);
        add('Ignore the Rebound issue…', 'rebound.issue.ignore', [origin.issueId]);
      }
      if (g) add(`Show guidance for ${code}`, 'rebound.showGuidance', [code]);
    }
    return actions;
  }

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const here = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'rebound' && d.range.contains(position));
    const parts = here
      .map((d) => codeOf(d))
      .filter((c, i, all): c is string => !!c && all.indexOf(c) === i)
      .map((c) => this.catalog().get(c))
      .filter((g): g is NonNullable<typeof g> => !!g)
      .map((g) => guidanceMarkdown(g));
    return parts.length ? new vscode.Hover(parts) : undefined;
  }
}
