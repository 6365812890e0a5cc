import { join } from 'node:path';
import * as vscode from 'vscode';
import { isKind, isReboundError } from '../../engine/errors';
import { failedStatementIndex, locateMigrationFailure } from '../../engine/migrations';
import type { ResolvedDatabase } from '../../runner/migrations';
import { codeOf, reboundDiagnostic, toRange } from './convert';

/** What a failed migration step left on its file: where, and the database to run again. */
interface Failure {
  database: string;
  uri: vscode.Uri;
  diagnostic: vscode.Diagnostic;
}

/**
 * A diagnostic at the statement a migration failed at (file, line), from the runner's error, until
 * the file is edited or the database migrates successfully. Its quick fixes run the migrations
 * again and open the guidance (the remediation provider adds the latter for every Rebound code).
 */
export class MigrationFailureDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
  readonly collection = vscode.languages.createDiagnosticCollection('rebound-migration-failures');
  private readonly failures = new Map<string, Failure>();
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.failures.delete(e.document.uri.toString())) this.collection.delete(e.document.uri);
      }),
    ];
  }

  /**
   * Records the failure of a run on `db` when the error names a migration file; resolves to the
   * place it points at (for "Go to Statement"), or undefined.
   */
  async report(db: ResolvedDatabase, err: unknown): Promise<{ uri: vscode.Uri; range: vscode.Range } | undefined> {
    if (!isReboundError(err)) return undefined;
    const fileName = err.context.migration;
    if (typeof fileName !== 'string' || !fileName.endsWith('.sql')) return undefined;
    const uri = vscode.Uri.file(join(db.migrationsDir, fileName));
    let text: string;
    try {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return undefined;
    }
    const section = isKind(err, 'RollbackError') ? 'down' : 'up';
    const at = locateMigrationFailure(text, section, failedStatementIndex(err.message));
    const cause = err.cause instanceof Error ? err.cause.message : undefined;
    const what = at.statementIndex !== undefined ? `statement ${at.statementIndex + 1} of the ${section} section failed` : `the ${section} section failed after its statements`;
    const message = `${section === 'up' ? 'Migration' : 'Rollback'} failed: ${what}${cause ? `: ${cause}` : ''}. ${/stayed committed/.test(err.message) ? 'Part of it stayed committed: run Recover Migrations.' : 'Nothing of it was committed.'} Fix it, then run the migrations again.`;
    const range = toRange(at.range);
    const diagnostic = reboundDiagnostic(range, message, vscode.DiagnosticSeverity.Error, err.guidance || err.code);
    this.failures.set(uri.toString(), { database: db.name, uri, diagnostic });
    this.collection.set(uri, [diagnostic]);
    return { uri, range };
  }

  /** Forgets the failures on a database's files (after it migrated successfully). */
  clearDatabase(db: ResolvedDatabase): void {
    for (const [key, f] of this.failures) {
      if (f.database !== db.name) continue;
      this.failures.delete(key);
      this.collection.delete(f.uri);
    }
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const f = this.failures.get(doc.uri.toString());
    if (!f) return [];
    const ours = context.diagnostics.filter((d) => d.range.isEqual(f.diagnostic.range) && d.message === f.diagnostic.message && codeOf(d) === codeOf(f.diagnostic));
    return ours.map((d) => {
      const title = d.message.startsWith('Rollback') ? `Roll back ${f.database} again` : `Apply the pending migrations of ${f.database} again`;
      const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      a.diagnostics = [d];
      a.command = d.message.startsWith('Rollback')
        ? { command: 'rebound.migrate.down', title, arguments: [{ database: f.database, steps: 1 }] }
        : { command: 'rebound.migrate.up', title, arguments: [{ database: f.database }] };
      return a;
    });
  }

  dispose(): void {
    this.collection.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
