/** A disposable resource, shaped like `vscode.Disposable` so engine objects plug straight into VS Code. */
export interface Disposable {
  dispose(): void;
}

/** A subscribable event, shaped like `vscode.Event<T>`. */
export type Event<T> = (listener: (e: T) => unknown, thisArgs?: unknown, disposables?: Disposable[]) => Disposable;

/**
 * A private emitter with a public `event`, the pattern VS Code uses: the owner keeps the emitter,
 * callers only see `onDidX`. A listener that throws does not stop the others.
 */
export class EventEmitter<T> implements Disposable {
  private listeners: Array<(e: T) => unknown> = [];
  private disposed = false;

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const bound = thisArgs ? listener.bind(thisArgs) : listener;
    if (!this.disposed) this.listeners.push(bound);
    const d: Disposable = {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== bound);
      },
    };
    disposables?.push(d);
    return d;
  };

  get size(): number {
    return this.listeners.length;
  }

  fire(e: T): void {
    for (const l of this.listeners.slice()) {
      try {
        l(e);
      } catch {
        // A faulty listener must not break the engine or the other listeners.
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}

/** Resolves when the event fires once. */
export function once<T>(event: Event<T>): Promise<T> {
  return new Promise((resolve) => {
    const d = event((e) => {
      d.dispose();
      resolve(e);
    });
  });
}
