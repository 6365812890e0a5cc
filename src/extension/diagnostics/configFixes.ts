import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import * as vscode from 'vscode';
import { parseConfig, removeProperty, type ConfigProblem, type Deletion } from '../../engine/config';
import { CONFIG_DIAGNOSTIC_CODE, configDiagnostic } from './configDiagnostics';
import { codeOf } from './convert';

/**
 * Quick fixes in `.rebound/config.json`: "Change to '…'" for a misspelt value (a retry preset, a
 * fallback task or a breaker name: "did you mean …"), and for unknown keys: "Rename to '…'" when the key is a likely
 * typo of an allowed key at that place (preferred), and always "Remove the unknown key" (the whole
 * property with its comma, so the JSON stays valid; neighbouring comments and layout are kept). The problems are read again from the
 * document's text, so a fix always applies to what the editor holds now.
 */
export class ConfigFixProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter((d) => codeOf(d) === CONFIG_DIAGNOSTIC_CODE);
    if (!ours.length) return [];
    const text = doc.getText();
    const result = parseConfig(text, doc.uri.fsPath);
    if (result.ok) return [];
    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const problem = result.problems.find((p) => (p.unknownKey || p.replacement) && sameDiagnostic(configDiagnostic(p), d));
      if (problem?.unknownKey) actions.push(...fixesFor(doc, text, problem, d));
      else if (problem?.replacement) actions.push(...replacementFix(doc, text, problem, d));
    }
    return actions;
  }
}

/** Registers the quick fixes for every `.rebound/config.json`. */
export function registerConfigFixes(): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider({ scheme: 'file', pattern: '**/.rebound/config.json' }, new ConfigFixProvider(), ConfigFixProvider.metadata);
}

function sameDiagnostic(a: vscode.Diagnostic, b: vscode.Diagnostic): boolean {
  return a.range.isEqual(b.range) && a.message === b.message;
}

function fixesFor(doc: vscode.TextDocument, text: string, problem: ConfigProblem, d: vscode.Diagnostic): vscode.CodeAction[] {
  const { key, suggestion } = problem.unknownKey!;
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const keyNode = root ? findNodeAtLocation(root, problem.path)?.parent?.children?.[0] : undefined;
  if (!keyNode || keyNode.value !== key) return [];
  const actions: vscode.CodeAction[] = [];
  if (suggestion) {
    const rename = new vscode.CodeAction(`Rename to '${suggestion}'`, vscode.CodeActionKind.QuickFix);
    rename.diagnostics = [d];
    rename.isPreferred = true;
    rename.edit = new vscode.WorkspaceEdit();
    rename.edit.replace(doc.uri, new vscode.Range(doc.positionAt(keyNode.offset), doc.positionAt(keyNode.offset + keyNode.length)), JSON.stringify(suggestion));
    actions.push(rename);
  }
  const remove = new vscode.CodeAction(`Remove the unknown key "${key}"`, vscode.CodeActionKind.QuickFix);
  remove.diagnostics = [d];
  remove.edit = new vscode.WorkspaceEdit();
  for (const e of removeProperty(text, problem.path)) remove.edit.delete(doc.uri, rangeOf(doc, e));
  actions.push(remove);
  return actions;
}

/** "Change to 'standard'": a misspelt value (a preset, a fallback, a breaker name) replaced by the one it is close to. */
function replacementFix(doc: vscode.TextDocument, text: string, problem: ConfigProblem, d: vscode.Diagnostic): vscode.CodeAction[] {
  const { value, suggestion } = problem.replacement!;
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const node = root ? findNodeAtLocation(root, problem.path) : undefined;
  if (!node || node.type !== 'string' || node.value !== value) return [];
  const fix = new vscode.CodeAction(`Change to "${suggestion}"`, vscode.CodeActionKind.QuickFix);
  fix.diagnostics = [d];
  fix.isPreferred = true;
  fix.edit = new vscode.WorkspaceEdit();
  fix.edit.replace(doc.uri, new vscode.Range(doc.positionAt(node.offset), doc.positionAt(node.offset + node.length)), JSON.stringify(suggestion));
  return [fix];
}

function rangeOf(doc: vscode.TextDocument, e: Deletion): vscode.Range {
  return new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length));
}
