import * as vscode from 'vscode';
import { isCancelledError } from '../../engine/errors';
import type { MigrationProgress, ResolvedDatabase } from '../../runner/migrations';
import { requireTrust } from '../trust';
import type { MigrationFailureDiagnostics } from '../diagnostics/migrationFailures';
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

/**
 * What a caller (a keybinding's `args`, another extension, a test) can pass instead of a tree node:
 * the database by its name in config and, for `rebound.migrate.down`, how far to roll back. A
 * rollback requested this way names exactly what to undo, so it is not confirmed again.
 */
export interface MigrationCommandArgs {
  database: string;
  /** rebound.migrate.down: roll back this many migrations (default 1). */
  steps?: number;
  /** rebound.migrate.down: roll back to this version (instead of `steps`). */
  to?: number;
}

function commandArgs(arg: unknown): MigrationCommandArgs | undefined {
  if (typeof arg !== 'object' || arg === null || 'kind' in arg) return undefined;
  const a = arg as Partial<MigrationCommandArgs>;
  return typeof a.database === 'string' ? (a as MigrationCommandArgs) : undefined;
}

const countOrUndefined = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

/**
 * Migrations commands (view and palette): up, down, recover, validate, status refresh. Each
 * resolves to the report of what it did (undefined when nothing ran), for callers and tests.
 */
export function registerMigrationCommands(service: MigrationsService, log: vscode.LogOutputChannel, failures?: MigrationFailureDiagnostics): vscode.Disposable[] {
  const pickDb = async (arg: unknown): Promise<ResolvedDatabase | undefined> => {
    const n = arg as MigrationNode | undefined;
    if (n && n.kind !== 'failure' && n.state?.db) return n.state.db;
    // From config.json alone: picking a database reads none of them (that would block the host
    // thread before the job even starts).
    const dbs = service.configured();
    const named = commandArgs(arg);
    if (named) {
      const found = dbs.find((db) => db.name === named.database);
      if (!found) void vscode.window.showErrorMessage(`Rebound: no database named "${named.database}" in .rebound/config.json (configured: ${dbs.map((db) => db.name).join(', ') || 'none'}).`);
      return found;
    }
    if (dbs.length === 0) {
      void vscode.window.showInformationMessage('Rebound: no databases are configured in .rebound/config.json ("databases").');
      return undefined;
    }
    if (dbs.length === 1) return dbs[0];
    return (await vscode.window.showQuickPick(dbs.map((db) => ({ label: db.name, description: db.file, db })), { title: 'Database' }))?.db;
  };
  const onProgress = (p: MigrationProgress, report: (m: string) => void) => {
    const text = progressText(p);
    if (text) report(text);
    if (p.kind === 'note') log.info(p.message);
  };
  const fail = (what: string, err: unknown, at?: { uri: vscode.Uri; range: vscode.Range }) => {
    log.error(`${what}: ${(err as Error).message}`);
    const buttons = at ? ['Go to Statement', 'Show Log'] : ['Show Log'];
    void vscode.window.showErrorMessage(`Rebound: ${what} failed: ${(err as Error).message}`, ...buttons).then((pick) => {
      if (pick === 'Show Log') log.show(true);
      else if (pick === 'Go to Statement' && at) void vscode.window.showTextDocument(at.uri, { selection: at.range });
    });
  };
  /** A failed run marks its failing statement in the file; a successful one clears the marks. */
  const failedRun = async (db: ResolvedDatabase, what: string, err: unknown) => {
    if (isCancelledError(err)) {
      // Cancelled by the user: no failure to mark in the file; say what stayed.
      log.info(`${what} cancelled: ${err.message}`);
      const partial = /stayed committed/.test(err.message);
      const show = partial ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void show(`Rebound: ${what}: ${err.message}`, ...(partial ? ['Recover Migrations'] : [])).then((pick) => {
        if (pick === 'Recover Migrations') void vscode.commands.executeCommand('rebound.migrate.recover', { database: db.name });
      });
      return;
    }
    fail(what, err, await failures?.report(db, err).catch(() => undefined));
  };

  return [
    vscode.commands.registerCommand('rebound.migrate.cancel', () => {
      const n = service.cancelAll();
      if (n === 0) vscode.window.setStatusBarMessage('$(database) Rebound: no migration is running', 3000);
      return n;
    }),
    vscode.commands.registerCommand('rebound.migrate.up', async (arg: unknown) => {
      if (!requireTrust('apply migrations')) return undefined;
      const db = await pickDb(arg);
      if (!db) return undefined;
      try {
        const r = await service.move(db, `Migrating ${db.name}`, { command: 'up' }, onProgress);
        if (r) failures?.clearDatabase(db);
        if (r) {
          log.info(`${db.name}: applied ${r.steps.length} migration(s), now at version ${r.to}`);
          vscode.window.setStatusBarMessage(`$(database) Rebound: ${db.name} at version ${r.to} (${r.steps.length} applied)`, 4000);
        }
        return r;
      } catch (err) {
        await failedRun(db, `migrate ${db.name}`, err);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('rebound.migrate.down', async (arg: unknown) => {
      if (!requireTrust('roll back migrations')) return undefined;
      const db = await pickDb(arg);
      if (!db) return undefined;
      const n = arg as MigrationNode | undefined;
      const named = commandArgs(arg);
      if (named) {
        // Called with arguments (a keybinding, another extension): they must say exactly what to
        // roll back, since no confirmation is asked.
        const bad =
          named.to !== undefined && named.steps !== undefined
            ? 'give either "to" or "steps", not both'
            : named.to !== undefined && countOrUndefined(named.to) === undefined
              ? `"to" must be a version number (0 or more), got ${JSON.stringify(named.to)}`
              : named.steps !== undefined && (countOrUndefined(named.steps) ?? 0) < 1
                ? `"steps" must be a whole number of 1 or more, got ${JSON.stringify(named.steps)}`
                : undefined;
        if (bad) {
          void vscode.window.showErrorMessage(`Rebound: rebound.migrate.down: ${bad}. Nothing was rolled back.`);
          return undefined;
        }
      }
      const target = n?.kind === 'migration' ? n.entry.version - 1 : countOrUndefined(named?.to);
      const steps = countOrUndefined(named?.steps) ?? 1;
      if (!named) {
        // The plan first: a rollback that cannot run (a migration without a down section, one
        // applied later) is refused with the reason before anything is confirmed.
        let plan: Awaited<ReturnType<MigrationsService['plan']>>;
        try {
          plan = await service.plan(db, { command: 'down', options: target !== undefined ? { to: target } : { steps } });
        } catch (err) {
          fail(`plan the rollback of ${db.name}`, err);
          return undefined;
        }
        if (plan.blockers.length) {
          void vscode.window.showWarningMessage(`Rebound: ${db.name} cannot be rolled back: ${plan.blockers.map((b) => b.message.replace(/\.$/, '')).join('; ')}. Nothing was changed.`);
          return undefined;
        }
        if (!plan.steps.length) {
          void vscode.window.showInformationMessage(`Rebound: ${db.name} has nothing to roll back.`);
          return undefined;
        }
        const names = plan.steps.map((s) => `${String(s.version).padStart(4, '0')} ${s.name}`).join(', ');
        const go = await vscode.window.showWarningMessage(`Roll back ${names} of ${db.name}, to version ${plan.to}? Down sections run in transactions and the schema is verified afterwards.`, { modal: true }, 'Roll Back');
        if (go !== 'Roll Back') return undefined;
      }
      try {
        const r = await service.move(db, `Rolling back ${db.name}`, { command: 'down', options: target !== undefined ? { to: target } : { steps } }, onProgress);
        if (r) failures?.clearDatabase(db);
        if (r) log.info(`${db.name}: rolled back ${r.steps.length} migration(s), now at version ${r.to}`);
        return r;
      } catch (err) {
        await failedRun(db, `roll back ${db.name}`, err);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('rebound.migrate.recover', async (arg: unknown) => {
      if (!requireTrust('recover migrations')) return undefined;
      const db = await pickDb(arg);
      if (!db) return undefined;
      try {
        const r = await service.run(db, `Recovering ${db.name}`, { kind: 'recover' }, onProgress);
        if (!r) return undefined;
        if (r.ok) void vscode.window.showInformationMessage(`Rebound: ${db.name} recovered and validated.`);
        else void vscode.window.showWarningMessage(`Rebound: ${db.name} needs attention: ${r.problems.join('; ')}`);
        return r;
      } catch (err) {
        fail(`recover ${db.name}`, err);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('rebound.migrate.validate', async (arg: unknown) => {
      const db = await pickDb(arg);
      if (!db) return undefined;
      try {
        const r = await service.run(db, `Validating ${db.name}`, { kind: 'validate' });
        if (!r) return undefined;
        if (r.ok) void vscode.window.showInformationMessage(`Rebound: ${db.name} is valid (checksums, files and order).`);
        else {
          for (const f of r.findings) log.warn(`${db.name}: ${JSON.stringify(f)}`);
          // Cosmetic changes of applied files can be accepted right here (what `rebound migrate repair` does).
          const cosmetic = r.findings.filter((f) => f.code === 'cosmetic').map((f) => f.version);
          const buttons = cosmetic.length ? ['Accept Cosmetic Changes', 'Show Log'] : ['Show Log'];
          void vscode.window.showWarningMessage(`Rebound: ${db.name} has ${r.findings.length} problem(s)${r.drift ? ' and schema drift' : ''}.`, ...buttons).then((p) => {
            if (p === 'Show Log') log.show(true);
            else if (p === 'Accept Cosmetic Changes') void vscode.commands.executeCommand('rebound.migrate.repair', { database: db.name, versions: cosmetic });
          });
        }
        return r;
      } catch (err) {
        fail(`validate ${db.name}`, err);
        return undefined;
      }
    }),
  ];
}
