import type * as vscode from 'vscode';

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
