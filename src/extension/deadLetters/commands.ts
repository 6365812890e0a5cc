import * as vscode from 'vscode';
import { retryHandlers, type DeadLetter } from '../../engine/resilience';
import type { ReboundSession } from '../session';
import { requireTrust } from '../trust';

/** Dead-letter commands (Dead Letters view, palette): retry, retry all, discard (with Undo), resolve. */
export function registerDeadLetterCommands(session: ReboundSession): vscode.Disposable[] {
  const repo = () => {
    const h = session.store();
    if (!h) throw new Error('no dead letters have been recorded in this workspace yet');
    return h.deadLetters;
  };
  const entryOf = async (arg: unknown): Promise<DeadLetter | undefined> => {
    const id = typeof arg === 'number' ? arg : (arg as DeadLetter | undefined)?.id;
    if (id !== undefined) return repo().get(id);
    const items = repo().list({ states: ['pending'], limit: 500 });
    const pick = await vscode.window.showQuickPick(
      items.map((d) => ({ label: d.operation, description: `${d.code} · #${d.id}`, detail: d.message.split('\n')[0], d })),
      { title: 'Dead letter', matchOnDescription: true },
    );
    return pick?.d;
  };
  const retryOne = async (entry: DeadLetter, signal: AbortSignal) => {
    const handler = retryHandlers.require(entry.kind);
    return repo().retry(entry.id, (e) => handler(e, { root: session.folder.uri.fsPath, signal }));
  };

  return [
    vscode.commands.registerCommand('rebound.deadLetter.retry', async (arg: unknown) => {
      if (!requireTrust('retry dead letters')) return;
      const entry = await entryOf(arg);
      if (!entry) return;
      const result = await vscode.window.withProgress(
        { location: { viewId: 'rebound.deadLetters' }, title: `Retrying ${entry.operation}`, cancellable: true },
        (_p, token) => {
          const ac = new AbortController();
          token.onCancellationRequested(() => ac.abort(new Error('Cancelled')));
          return retryOne(entry, ac.signal);
        },
      );
      session.fireChanged();
      if (result.ok) void vscode.window.showInformationMessage(`Rebound: ${entry.operation} succeeded; the dead letter is resolved.`);
      else void vscode.window.showWarningMessage(`Rebound: ${entry.operation} failed again: ${(result.error as Error | undefined)?.message ?? 'unknown error'}`);
    }),
    // `{ confirmed: true }` (other extensions, tests) skips the modal question the view's title button asks.
    vscode.commands.registerCommand('rebound.deadLetter.retryAll', async (options?: { confirmed?: boolean }) => {
      if (!requireTrust('retry dead letters')) return;
      const pending = repo().count({ states: ['pending'] });
      if (!pending) return;
      // Only kinds someone can re-run here: the others are left untouched, not failed again.
      const kinds = retryHandlers.kinds();
      const runnable = kinds.length ? repo().count({ states: ['pending'], kinds }) : 0;
      const unhandled = Object.keys(repo().stats().pendingByKind).filter((k) => !kinds.includes(k));
      const left = unhandled.length ? ` ${pending - runnable} of kind ${unhandled.join(', ')} cannot be re-run here and are left as they are.` : '';
      if (!runnable) {
        void vscode.window.showInformationMessage(`Rebound: none of the ${pending} pending dead letter(s) can be re-run here.${left}`);
        return;
      }
      if (options?.confirmed !== true) {
        const go = await vscode.window.showWarningMessage(`Retry all ${runnable} pending dead letter(s)?`, { modal: true, detail: left.trim() || undefined }, 'Retry All');
        if (go !== 'Retry All') return;
      }
      const result = await vscode.window.withProgress(
        { location: { viewId: 'rebound.deadLetters' }, title: 'Retrying dead letters', cancellable: true },
        (_p, token) => {
          const ac = new AbortController();
          token.onCancellationRequested(() => ac.abort(new Error('Cancelled')));
          return repo().retryAll({ states: ['pending'], kinds }, (e) => retryHandlers.require(e.kind)(e, { root: session.folder.uri.fsPath, signal: ac.signal }), { signal: ac.signal });
        },
      );
      session.fireChanged();
      void vscode.window.showInformationMessage(`Rebound: retried ${result.selected - result.skipped} dead letter(s): ${result.succeeded} succeeded, ${result.failed} failed${result.skipped ? `, ${result.skipped} skipped` : ""}.${left}`);
      return result;
    }),
    vscode.commands.registerCommand('rebound.deadLetter.discard', async (arg: unknown) => {
      const entry = await entryOf(arg);
      if (!entry) return;
      repo().discard(entry.id, 'discarded from VS Code');
      session.fireChanged();
      // Discarding is one click: it can be undone from the message (back to pending, nothing lost).
      void vscode.window.showInformationMessage(`Rebound: discarded the dead letter "${entry.operation}" (#${entry.id}).`, 'Undo').then((pick) => {
        if (pick !== 'Undo') return;
        try {
          repo().reopen(entry.id, 'discard undone from VS Code');
        } catch (err) {
          void vscode.window.showWarningMessage(`Rebound: cannot undo the discard of #${entry.id}: ${(err as Error).message}`);
        }
        session.fireChanged();
      });
      return entry.id;
    }),
    vscode.commands.registerCommand('rebound.deadLetter.resolve', async (arg: unknown) => {
      const entry = await entryOf(arg);
      if (!entry) return;
      repo().resolve(entry.id, 'resolved from VS Code');
      session.fireChanged();
    }),
  ];
}
