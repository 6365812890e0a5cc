import * as vscode from 'vscode';
import { circuitBreaker } from '../../engine/resilience';
import type { ReboundSession } from '../session';
import type { HealthNode } from './tree';

/** Circuit-breaker commands (Health view, palette): reset to closed, isolate (hold open). */
export function registerBreakerCommands(session: ReboundSession, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const breakerKey = (arg: unknown): string | undefined => {
    const n = arg as HealthNode | undefined;
    return n?.kind === 'breaker' ? n.breaker.key : typeof arg === 'string' ? arg : undefined;
  };
  const updateBreaker = async (arg: unknown, change: 'reset' | 'isolate') => {
    const h = session.store();
    if (!h) return;
    let key = breakerKey(arg);
    if (!key) key = (await vscode.window.showQuickPick(h.breakers.list().map((b) => ({ label: b.key, description: b.state }))))?.label;
    if (!key) return;
    const breaker = circuitBreaker({ name: key, initialState: h.breakers.load(key) });
    if (change === 'reset') breaker.reset();
    else breaker.isolate();
    h.breakers.save(key, breaker.toJSON());
    log.info(`breaker ${key}: ${change === 'reset' ? 'reset to closed' : 'isolated (held open)'} from VS Code`);
    session.fireChanged();
  };

  return [
    vscode.commands.registerCommand('rebound.breaker.reset', (arg: unknown) => updateBreaker(arg, 'reset')),
    vscode.commands.registerCommand('rebound.breaker.isolate', (arg: unknown) => updateBreaker(arg, 'isolate')),
  ];
}
