import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { FINDING_CODES, parseMigrationFileName } from '../../engine/migrations';
import type { ResolvedDatabase } from '../../runner/migrations';
import { codeOf } from '../diagnostics/convert';
import { requireTrust } from '../trust';
import type { MigrationsService } from './service';
import type { MigrationNode } from './tree';

/** `rebound.migrate.repair` arguments from a code action, a keybinding or another extension. */
export interface RepairArgs {
  database: string;
  /** The versions whose cosmetic change to accept; omitted: every cosmetic change of the database. */
  versions?: number[];
}

function repairArgs(arg: unknown, service: MigrationsService): { db: ResolvedDatabase; versions: number[] | 'all' } | undefined {
  const n = arg as MigrationNode | undefined;
  if (n?.kind === 'migration') return { db: n.state.db, versions: [n.entry.version] };
  const a = arg as Partial<RepairArgs> | undefined;
  if (typeof a?.database !== 'string') return undefined;
  const db = service.states().find((s) => s.db.name === a.database)?.db;
  if (!db) return undefined;
  const versions = Array.isArray(a.versions) && a.versions.every((v) => Number.isInteger(v)) ? a.versions : 'all';
  return { db, versions };
}

/**
 * Repair from the editor: accept a cosmetic change of an applied migration file (what
 * `rebound migrate repair --accept V` does), from the Migrations view, from the quick fix on the
 * file's "changed since it was applied" diagnostic, or from the validate notification.
 */
export function registerMigrationRepair(service: MigrationsService, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const provider: vscode.CodeActionProvider = {
    provideCodeActions(doc, _range, context) {
      const actions: vscode.CodeAction[] = [];
      for (const d of context.diagnostics) {
        // Cosmetic changes are warnings; a change of what the file does cannot be accepted.
        if (codeOf(d) !== FINDING_CODES.modified || d.severity !== vscode.DiagnosticSeverity.Warning) continue;
        const name = parseMigrationFileName(basename(doc.uri.fsPath));
        const db = service.states().find((s) => s.db.migrationsDir === dirname(doc.uri.fsPath))?.db;
        if (!name || !db) continue;
        const title = `Accept this cosmetic change (repair: record the file's new checksum in ${db.name})`;
        const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.command = { command: 'rebound.migrate.repair', title, arguments: [{ database: db.name, versions: [name.version] } satisfies RepairArgs] };
        actions.push(a);
      }
      return actions;
    },
  };
  return [
    vscode.languages.registerCodeActionsProvider({ scheme: 'file', pattern: '**/*.sql' }, provider, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.commands.registerCommand('rebound.migrate.repair', async (arg: unknown) => {
      if (!requireTrust('repair migrations')) return undefined;
      let target = repairArgs(arg, service);
      if (!target) {
        const states = service.states();
        const pick = states.length === 1 ? states[0] : await vscode.window.showQuickPick(states.map((s) => ({ label: s.db.name, description: s.db.file, s })), { title: 'Repair which database?' }).then((p) => p?.s);
        if (!pick) return undefined;
        target = { db: pick.db, versions: 'all' };
      }
      const { db, versions } = target;
      try {
        const r = await service.run(db, `Repairing ${db.name}`, { kind: 'repair', options: { accept: versions } });
        if (!r) return undefined;
        if (r.refused.length > 0) {
          void vscode.window.showWarningMessage(`Rebound: nothing was repaired in ${db.name}: ${r.refused.map((x) => x.reason).join('; ')}`);
        } else if (r.accepted.length === 0) {
          void vscode.window.showInformationMessage(`Rebound: ${db.name} has no cosmetic change to accept.`);
        } else {
          log.info(`${db.name}: accepted the cosmetic change of migration(s) ${r.accepted.join(', ')}`);
          void vscode.window.showInformationMessage(`Rebound: accepted the change of migration ${r.accepted.join(', ')} in ${db.name}.`);
        }
        return r;
      } catch (err) {
        log.error(`repair ${db.name}: ${(err as Error).message}`);
        void vscode.window.showErrorMessage(`Rebound: repair of ${db.name} failed: ${(err as Error).message}`);
        return undefined;
      }
    }),
  ];
}
