import { ConfigurationError } from '../errors';
import type { Disposable } from '../event';
import type { DeadLetter, DeadLetterKind } from './deadLetter';

export interface RetryHandlerContext {
  /** The workspace folder the dead letter belongs to. */
  root: string;
  signal: AbortSignal;
}

/**
 * Runs a dead letter's work again (its `input` says what). Resolves when the work succeeded;
 * throws its failure otherwise. The queue records the outcome on the existing entry, so the
 * handler must not add a new dead letter for this failure.
 */
export type DeadLetterRetryHandler = (entry: DeadLetter, context: RetryHandlerContext) => Promise<unknown>;

/**
 * Who knows how to re-run each kind of dead letter. The task and migration runners register
 * theirs; the queue itself never knows how to run anything.
 */
export class RetryHandlerRegistry {
  private readonly handlers = new Map<string, DeadLetterRetryHandler>();

  /** Registers the handler for `kind`; one per kind. Dispose to unregister. */
  register(kind: DeadLetterKind, handler: DeadLetterRetryHandler): Disposable {
    if (this.handlers.has(kind)) throw new Error(`A retry handler for dead letters of kind "${kind}" is already registered`);
    this.handlers.set(kind, handler);
    return {
      dispose: () => {
        if (this.handlers.get(kind) === handler) this.handlers.delete(kind);
      },
    };
  }

  get(kind: DeadLetterKind): DeadLetterRetryHandler | undefined {
    return this.handlers.get(kind);
  }

  /** The handler for `kind`, or a ConfigurationError naming the kind when none is registered. */
  require(kind: DeadLetterKind): DeadLetterRetryHandler {
    const h = this.handlers.get(kind);
    if (!h) {
      const known = [...this.handlers.keys()];
      throw new ConfigurationError(
        `No retry handler is registered for dead letters of kind "${kind}", so this entry cannot be re-run here` +
          (known.length ? ` (handlers exist for: ${known.join(', ')})` : ' (no handler is registered at all)'),
      );
    }
    return h;
  }

  kinds(): string[] {
    return [...this.handlers.keys()];
  }
}

/** The process-wide registry the CLI and the extension use. */
export const retryHandlers = new RetryHandlerRegistry();

export function registerRetryHandler(kind: DeadLetterKind, handler: DeadLetterRetryHandler): Disposable {
  return retryHandlers.register(kind, handler);
}
