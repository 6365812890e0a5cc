import type * as vscode from 'vscode';
import { systemClock, type Clock } from '../engine/clock';

/** Disposes every item, the later ones too when one throws (the first error is rethrown after). */
export function disposeAll(disposables: Iterable<vscode.Disposable>): void {
  let first: unknown;
  for (const d of disposables) {
    try {
      d.dispose();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * The one base of the extension's classes that hold disposables (in the style of
 * vscode-pull-request-github's lifecycle.ts): `_register` keeps a disposable until the object is
 * disposed (one registered after that is disposed at once), and `dispose` is idempotent.
 */
export abstract class Disposable implements vscode.Disposable {
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.disposables.push(value);
    return value;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeAll(this.disposables.splice(0).reverse());
  }
}

/** Holds at most one disposable: setting another disposes the one before (a subscription per open store). */
export class MutableDisposable<T extends vscode.Disposable> implements vscode.Disposable {
  private current: T | undefined;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (next === this.current) return;
    this.current?.dispose();
    this.current = next;
  }

  dispose(): void {
    this.value = undefined;
  }
}

/**
 * Runs `steps` one after another, each in a task of its own on the extension host's thread (the
 * first after `delayMs`): work that would hold every extension of the window back for one long
 * block is cut into short ones, with the window's other work free to run between them. A step that
 * throws does not stop the next. Disposing cancels the steps not yet run.
 */
export function inTurns(steps: ReadonlyArray<() => void>, delayMs: number, clock: Pick<Clock, 'setTimeout' | 'clearTimeout'> = systemClock): vscode.Disposable {
  let handle: unknown;
  let next = 0;
  const schedule = (ms: number) => {
    handle = clock.setTimeout(() => {
      handle = undefined;
      const step = steps[next++];
      try {
        step();
      } finally {
        if (next < steps.length) schedule(0);
      }
    }, ms);
  };
  if (steps.length) schedule(delayMs);
  return {
    dispose: () => {
      if (handle !== undefined) clock.clearTimeout(handle);
      handle = undefined;
      next = steps.length;
    },
  };
}
