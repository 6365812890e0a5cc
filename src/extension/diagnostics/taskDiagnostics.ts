import * as vscode from 'vscode';
import type { Problem } from '../../engine/tasks';
import { reboundDiagnostic } from './convert';

/**
 * One problem found in a task's output (file resolved to an absolute path), with the Rebound error
 * code its diagnostic links to (its guidance).
 */
export type TaskProblem = Omit<Problem, 'matcher'> & { code: string };

export interface DiagnosticOrigin {
  task: string;
  code: string;
  issueId?: number;
  evidence?: string;
}

/**
 * Diagnostics from task output: one collection, problems keyed by task so a task's next
 * successful run clears exactly its own. Each diagnostic remembers where it came from (task,
 * issue) for the code actions.
 */
export class TaskDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('rebound-tasks');
  private readonly byTask = new Map<string, Map<string, Array<{ diagnostic: vscode.Diagnostic; origin: DiagnosticOrigin }>>>();

  constructor(private readonly enabled: () => boolean) {}

  /** Replaces the problems of one task (an empty list clears them). */
  set(task: string, problems: readonly TaskProblem[], origin: Omit<DiagnosticOrigin, 'task' | 'code'> = {}): void {
    const files = new Map<string, Array<{ diagnostic: vscode.Diagnostic; origin: DiagnosticOrigin }>>();
    if (this.enabled()) {
      for (const p of problems) {
        const line = Math.max(0, p.line - 1);
        const col = Math.max(0, (p.column ?? 1) - 1);
        const range = new vscode.Range(line, col, p.endLine ? p.endLine - 1 : line, p.endColumn ? p.endColumn - 1 : Number.MAX_SAFE_INTEGER);
        const severity = p.severity === 'error' ? vscode.DiagnosticSeverity.Error : p.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
        const d = reboundDiagnostic(range, p.toolCode ? `${p.message} (${p.toolCode})` : p.message, severity, p.code);
        const list = files.get(p.file) ?? [];
        list.push({ diagnostic: d, origin: { task, code: p.code, ...origin } });
        files.set(p.file, list);
      }
    }
    const previous = this.byTask.get(task);
    this.byTask.set(task, files);
    const touched = new Set([...(previous?.keys() ?? []), ...files.keys()]);
    for (const file of touched) this.publish(file);
  }

  clear(task: string): void {
    this.set(task, []);
  }

  clearAll(): void {
    for (const task of [...this.byTask.keys()]) this.clear(task);
  }

  /** Where a diagnostic (as the workbench hands it back) came from. */
  origin(uri: vscode.Uri, d: vscode.Diagnostic): DiagnosticOrigin | undefined {
    for (const files of this.byTask.values()) {
      const hit = files.get(uri.fsPath)?.find((x) => x.diagnostic.range.isEqual(d.range) && x.diagnostic.message === d.message);
      if (hit) return hit.origin;
    }
    return undefined;
  }

  private publish(file: string): void {
    const all: vscode.Diagnostic[] = [];
    for (const files of this.byTask.values()) for (const x of files.get(file) ?? []) all.push(x.diagnostic);
    this.collection.set(vscode.Uri.file(file), all);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
