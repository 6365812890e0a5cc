import * as vscode from 'vscode';
import type { MigrationProgress, ResolvedDatabase } from '../../runner/migrations';
import { requireTrust } from '../trust';
import type { MigrationsService } from './service';
import type { MigrationNode } from './tree';

function progressText(p: MigrationProgress): string | undefined {
  switch (p.kind) {
    case 'step-start':
      return `${p.index + 1}/${p.total}: ${p.step.version} ${p.step.name}`;
    case 'lock-wait':
      return 'waiting for the migration lock…';
    case 'step-retry':
      return `database busy, retrying ${p.step.version} (attempt ${p.attempt})`;
    case 'snapshot':
      return 'snapshot taken';
    default:
      return undefined;
  }
}

/** Migrations commands (view and palette): up, down, recover, validate, status refresh. */
export function registerMigrationCommands(service: MigrationsService, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const pickDb = async (arg: unknown): Promise<ResolvedDatabase | undefined> => {
    const n = arg as MigrationNode | undefined;
    if (n?.state?.db) return n.state.db;
    const states = service.states();
    if (states.length === 0) {
      void vscode.window.showInformationMessage('Rebound: no databases are configured in .rebound/config.json ("databases").');
      return undefined;
    }
    if (states.length === 1) return states[0].db;
    return (await vscode.window.showQuickPick(states.map((s) => ({ label: s.db.name, description: s.db.file, db: s.db })), { title: 'Database' }))?.db;
  };
  const onProgress = (p: MigrationProgress, report: (m: string) => void) => {
    const text = progressText(p);
    if (text) report(text);
    if (p.kind === 'note') log.info(p.message);
  };
  const fail = (what: string, err: unknown) => {
    log.error(`${what}: ${(err as Error).message}`);
    void vscode.window.showErrorMessage(`Rebound: ${what} failed: ${(err as Error).message}`, 'Show Log').then((pick) => pick && log.show(true));
  };

  return [
    vscode.commands.registerCommand('rebound.migrate.up', async (arg: unknown) => {
      if (!requireTrust('apply migrations')) return;
      const db = await pickDb(arg);
      if (!db) return;
      try {
        const r = await service.run(db, `Migrating ${db.name}`, (m) => m.up(), onProgress);
        if (r) {
          log.info(`${db.name}: applied ${r.steps.length} migration(s), now at version ${r.to}`);
          vscode.window.setStatusBarMessage(`$(database) Rebound: ${db.name} at version ${r.to} (${r.steps.length} applied)`, 4000);
        }
      } catch (err) {
        fail(`migrate ${db.name}`, err);
      }
    }),
    vscode.commands.registerCommand('rebound.migrate.down', async (arg: unknown) => {
      if (!requireTrust('roll back migrations')) return;
      const db = await pickDb(arg);
      if (!db) return;
      const n = arg as MigrationNode | undefined;
      const target = n?.kind === 'migration' ? n.entry.version - 1 : undefined;
      const what = target !== undefined ? `down to version ${target}` : 'the latest migration';
      const go = await vscode.window.showWarningMessage(`Roll back ${what} of ${db.name}? Down sections run in transactions and the schema is verified afterwards.`, { modal: true }, 'Roll Back');
      if (go !== 'Roll Back') return;
      try {
        const r = await service.run(db, `Rolling back ${db.name}`, (m) => m.down(target !== undefined ? { to: target } : { steps: 1 }), onProgress);
        if (r) log.info(`${db.name}: rolled back ${r.steps.length} migration(s), now at version ${r.to}`);
      } catch (err) {
        fail(`roll back ${db.name}`, err);
      }
    }),
    vscode.commands.registerCommand('rebound.migrate.recover', async (arg: unknown) => {
      if (!requireTrust('recover migrations')) return;
      const db = await pickDb(arg);
      if (!db) return;
      try {
        const r = await service.run(db, `Recovering ${db.name}`, (m) => m.recover(), onProgress);
        if (!r) return;
        if (r.ok) void vscode.window.showInformationMessage(`Rebound: ${db.name} recovered and validated.`);
        else void vscode.window.showWarningMessage(`Rebound: ${db.name} needs attention: ${r.problems.join('; ')}`);
      } catch (err) {
        fail(`recover ${db.name}`, err);
      }
    }),
    vscode.commands.registerCommand('rebound.migrate.validate', async (arg: unknown) => {
      const db = await pickDb(arg);
      if (!db) return;
      try {
        const r = await service.run(db, `Validating ${db.name}`, async (m) => m.validate());
        if (!r) return;
        if (r.ok) void vscode.window.showInformationMessage(`Rebound: ${db.name} is valid (checksums, files and order).`);
        else {
          for (const f of r.findings) log.warn(`${db.name}: ${JSON.stringify(f)}`);
          void vscode.window.showWarningMessage(`Rebound: ${db.name} has ${r.findings.length} problem(s)${r.drift ? ' and schema drift' : ''}.`, 'Show Log').then((p) => p && log.show(true));
        }
      } catch (err) {
        fail(`validate ${db.name}`, err);
      }
    }),
  ];
}
