import { applyEdits, findNodeAtLocation, modify, parseTree, type FormattingOptions, type JSONPath } from 'jsonc-parser';
import * as vscode from 'vscode';
import type { QuickFixId } from '../../engine/guidance';

const FORMAT: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };

/**
 * The guidance catalog's config quick fixes as edits of .rebound/config.json that keep the file's
 * formatting (jsonc-parser's `modify`). Returns undefined when the fix does not apply (no task).
 */
export function configQuickFix(id: QuickFixId, text: string, origin: { task?: string; code?: string; evidence?: string }): { title: string; text: string } | undefined {
  const root = parseTree(text.trim() ? text : '{}');
  const value = (path: JSONPath) => (root ? findNodeAtLocation(root, path)?.value : undefined) as unknown;
  const set = (src: string, path: JSONPath, v: unknown) => applyEdits(src, modify(src, path, v, { formattingOptions: FORMAT }));
  const base = text.trim() ? text : '{}\n';
  const task = origin.task;
  switch (id) {
    case 'rebound.addRetry': {
      if (!task || value(['tasks', task]) === undefined) return undefined;
      const preset = /^RB-(HTTP|NET)/.test(origin.code ?? '') ? 'network' : 'standard';
      return { title: `Retry task "${task}" with the "${preset}" policy`, text: set(base, ['tasks', task, 'retry'], preset) };
    }
    case 'rebound.addBreaker': {
      if (!task || value(['tasks', task]) === undefined) return undefined;
      const name = (value(['tasks', task, 'breaker']) as string | undefined) ?? task;
      let out = base;
      if (value(['breakers', name]) === undefined) out = set(out, ['breakers', name], { kind: 'consecutive', threshold: 5, halfOpenAfterMs: 60000 });
      out = set(out, ['tasks', task, 'breaker'], name);
      return { title: `Guard task "${task}" with a circuit breaker`, text: out };
    }
    case 'rebound.increaseTimeout': {
      if (!task || value(['tasks', task]) === undefined) return undefined;
      const current = value(['tasks', task, 'timeoutMs']);
      const next = typeof current === 'number' && current > 0 ? current * 2 : 20 * 60_000;
      return { title: `Raise the timeout of task "${task}" to ${Math.round(next / 1000)} s`, text: set(base, ['tasks', task, 'timeoutMs'], next) };
    }
    case 'rebound.addRule': {
      const evidence = origin.evidence?.trim().slice(0, 120);
      if (!evidence) return undefined;
      const rules = value(['rules']);
      const index = Array.isArray(rules) ? rules.length : 0;
      const rule = { match: { output: evidence }, category: 'transient', code: `USER-${(origin.code ?? 'ERROR').replace(/^RB-/, '')}`, severity: 'MEDIUM' };
      const out = Array.isArray(rules) ? set(base, ['rules', index], rule) : set(base, ['rules'], [rule]);
      return { title: 'Classify this output as transient with a workspace rule', text: out };
    }
    default:
      return undefined;
  }
}

/** A WorkspaceEdit that replaces the whole config document with `text` (or creates the file). */
export async function configEdit(configUri: vscode.Uri, text: string): Promise<vscode.WorkspaceEdit> {
  const edit = new vscode.WorkspaceEdit();
  let doc: vscode.TextDocument | undefined;
  try {
    doc = await vscode.workspace.openTextDocument(configUri);
  } catch {
    doc = undefined;
  }
  if (doc) edit.replace(configUri, new vscode.Range(0, 0, doc.lineCount, 0), text);
  else {
    edit.createFile(configUri, { ignoreIfExists: true });
    edit.insert(configUri, new vscode.Position(0, 0), text);
  }
  return edit;
}

export async function readConfigText(configUri: vscode.Uri): Promise<string> {
  try {
    return (await vscode.workspace.openTextDocument(configUri)).getText();
  } catch {
    return '';
  }
}
