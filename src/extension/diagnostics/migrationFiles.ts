import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { analyzeMigrationFile, parseMigrationFileName, quickFixesFor, type AppliedFileInfo, type MigrationFinding } from '../../engine/migrations';
import { Disposable } from '../lifecycle';
import { codeOf, reboundDiagnostic, toRange, toSeverity, toTextEdits } from './convert';

export interface MigrationFilesHost {
  /** Absolute paths of the configured migrations folders. */
  migrationFolders(): string[];
  /** What the target's history says about an applied file, if it was applied. */
  applied(file: string): AppliedFileInfo | undefined;
  enabled(): boolean;
  /** How long typing must pause before a changed file is checked again (default 250 ms). */
  debounceMs?: number;
}

/**
 * Diagnostics on migration files (missing down section, non-transactional statements in a
 * transactional file, destructive statements the down section does not restore, applied files
 * changed since) and the quick fixes the engine builds for them.
 */
export class MigrationFileDiagnostics extends Disposable implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
  readonly collection = this._register(vscode.languages.createDiagnosticCollection('rebound-migrations'));
  private readonly findings = new Map<string, MigrationFinding[]>();
  /** How many times a migration file was analysed (for tests: a burst of typing is one check). */
  checks = 0;
  /** Checks waiting for typing to pause, by document. */
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly host: MigrationFilesHost) {
    super();
    this._register({ dispose: () => this.cancelAll() });
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.update(d)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)));
    this._register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.cancel(d.uri.toString());
        this.collection.delete(d.uri);
        this.findings.delete(d.uri.toString());
      }),
    );
  }

  /** Checks a changed document once typing pauses (one check for a burst of keystrokes). */
  private schedule(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || !doc.uri.fsPath.endsWith('.sql')) return;
    const key = doc.uri.toString();
    this.cancel(key);
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        if (!doc.isClosed) this.update(doc);
      }, this.host.debounceMs ?? 250),
    );
  }

  private cancel(key: string): void {
    const t = this.pending.get(key);
    if (t !== undefined) clearTimeout(t);
    this.pending.delete(key);
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
    this.cancel(doc.uri.toString());
    if (!this.isMigrationFile(doc.uri)) return;
    if (!this.host.enabled()) {
      this.collection.delete(doc.uri);
      return;
    }
    this.checks++;
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

  private cancelAll(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
