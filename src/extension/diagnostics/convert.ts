import * as vscode from 'vscode';
import type { TextEdit, TextRange } from '../../engine/migrations';

export function toRange(r: TextRange): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function toSeverity(s: 'error' | 'warning' | 'information' | 'hint'): vscode.DiagnosticSeverity {
  switch (s) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'information':
      return vscode.DiagnosticSeverity.Information;
    default:
      return vscode.DiagnosticSeverity.Hint;
  }
}

export function toTextEdits(edits: readonly TextEdit[]): vscode.TextEdit[] {
  return edits.map((e) => new vscode.TextEdit(toRange(e.range), e.newText));
}

/** The link a Rebound diagnostic's code points at: the guidance command for that code. */
export function guidanceTarget(code: string): vscode.Uri {
  return vscode.Uri.parse(`command:rebound.showGuidance?${encodeURIComponent(JSON.stringify([code]))}`);
}

/** A diagnostic with source `rebound` and a code that links to its guidance. */
export function reboundDiagnostic(range: vscode.Range, message: string, severity: vscode.DiagnosticSeverity, code: string): vscode.Diagnostic {
  const d = new vscode.Diagnostic(range, message, severity);
  d.source = 'rebound';
  d.code = { value: code, target: guidanceTarget(code) };
  return d;
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  if (d.source !== 'rebound') return undefined;
  const c = d.code;
  if (typeof c === 'string' || typeof c === 'number') return String(c);
  return c ? String(c.value) : undefined;
}
