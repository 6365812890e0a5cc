import * as vscode from 'vscode';
import { registerFoundation } from './foundation';

/** What the extension exports to other extensions and to its own integration tests. */
export interface ReboundApi {
  /** Milliseconds `activate` took (no database or disk work happens in it). */
  readonly activationTimeMs: number;
}

export function activate(context: vscode.ExtensionContext): ReboundApi {
  const started = performance.now();
  registerFoundation(context);
  const activationTimeMs = performance.now() - started;
  return { activationTimeMs };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
