import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { analyzeMigrationFile, parseMigrationFileName, quickFixesFor, type AppliedFileInfo, type MigrationFinding } from '../../engine/migrations';
import { codeOf, reboundDiagnostic, toRange, toSeverity, toTextEdits } from './convert';

export interface MigrationFilesHost {
  /** Absolute paths of the configured migrations folders. */
  migrationFolders(): string[];
  /** What the target's history says about an applied file, if it was applied. */
  applied(file: string): AppliedFileInfo | undefined;
  enabled(): boolean;
}

/**
 * Diagnostics on migration files (missing down section, non-transactional statements in a
 * transactional file, destructive statements the down section does not restore, applied files
 * changed since) and the quick fixes the engine builds for them.
 */
export class MigrationFileDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
  readonly collection = vscode.languages.createDiagnosticCollection('rebound-migrations');
  private readonly findings = new Map<string, MigrationFinding[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly host: MigrationFilesHost) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.update(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.findings.delete(d.uri.toString());
      }),
    );
  }

  /** Re-checks every open migration file (after config or history changes). */
  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  isMigrationFile(uri: vscode.Uri): boolean {
    if (uri.scheme !== 'file' || !uri.fsPath.endsWith('.sql')) return false;
    const dir = dirname(uri.fsPath);
    return this.host.migrationFolders().some((f) => f === dir) && !!parseMigrationFileName(basename(uri.fsPath));
  }

  update(doc: vscode.TextDocument): void {
    if (!this.isMigrationFile(doc.uri)) return;
    if (!this.host.enabled()) {
      this.collection.delete(doc.uri);
      return;
    }
    const findings = analyzeMigrationFile(doc.getText(), basename(doc.uri.fsPath), this.host.applied(doc.uri.fsPath));
    this.findings.set(doc.uri.toString(), findings);
    this.collection.set(
      doc.uri,
      findings.map((f) => reboundDiagnostic(toRange(f.range), f.message, toSeverity(f.severity), f.code)),
    );
  }

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const findings = this.findings.get(doc.uri.toString()) ?? [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      const code = codeOf(diagnostic);
      const finding = findings.find((f) => f.code === code && toRange(f.range).isEqual(diagnostic.range));
      if (!finding) continue;
      const existing = (await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(doc.uri, '..'))).map(([name]) => name);
      const fixes = quickFixesFor(finding, doc.getText(), basename(doc.uri.fsPath), {
        applied: this.host.applied(doc.uri.fsPath),
        existingFileNames: existing,
      });
      for (const fix of fixes) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.isPreferred;
        const edit = new vscode.WorkspaceEdit();
        edit.set(doc.uri, toTextEdits(fix.edits));
        if (fix.newFile) {
          const target = vscode.Uri.joinPath(doc.uri, '..', fix.newFile.fileName);
          // createFile + insert (not `contents`), which every workbench (desktop and web) applies.
          edit.createFile(target, { ignoreIfExists: false });
          edit.insert(target, new vscode.Position(0, 0), fix.newFile.text);
        }
        action.edit = edit;
        actions.push(action);
      }
    }
    return actions;
  }

  dispose(): void {
    this.collection.dispose();
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}
