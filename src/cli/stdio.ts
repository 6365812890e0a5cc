import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * stdout and stderr of the CLI when their reader may go away (`rebound errors list | head -3`):
 * a closed pipe (EPIPE) is not an error of Rebound's. From then on what would go to that stream
 * is dropped, the command finishes what it was doing (a task still runs to its end and is
 * recorded), and the exit status is the command's own.
 */
const closed = new WeakSet<Writable>();

/** Errors that mean the reader has gone: the output has nowhere to go. */
const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ECONNRESET']);

/** Installs the quiet handling of a vanished reader on `stream` (idempotent). */
export function guardStream(stream: Writable): void {
  if ((stream as { __reboundGuarded?: boolean }).__reboundGuarded) return;
  (stream as { __reboundGuarded?: boolean }).__reboundGuarded = true;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (GONE.has(err.code ?? '')) {
      closed.add(stream);
      return;
    }
    // Anything else is a real fault: surface it as before.
    process.nextTick(() => {
      throw err;
    });
  });
}

/** Whether the reader of `stream` has gone. */
export function isClosed(stream: Writable): boolean {
  return closed.has(stream) || stream.destroyed;
}

/** Writes unless the reader has gone; returns false when the text was dropped. */
export function write(stream: Writable, text: string): boolean {
  if (isClosed(stream)) return false;
  stream.write(text);
  return true;
}

/**
 * Writes a chunk and waits while the stream's buffer is full; resolves false (without waiting
 * for a 'drain' that will never come) once the reader has gone.
 */
export async function writeWithBackpressure(stream: Writable, chunk: string): Promise<boolean> {
  if (isClosed(stream)) return false;
  if (stream.write(chunk)) return true;
  return drained(stream);
}

/** Resolves true when `stream` drains, false when its reader has gone instead. */
async function drained(stream: Writable): Promise<boolean> {
  const ac = new AbortController();
  try {
    await Promise.race([once(stream, 'drain', { signal: ac.signal }), once(stream, 'close', { signal: ac.signal })]);
  } catch {
    // 'error' (handled by the guard) or the race's loser aborted.
  } finally {
    ac.abort();
  }
  return !isClosed(stream);
}

/**
 * Writes `text` and, when the stream's buffer is full, returns a promise of its draining (or of
 * the reader going away): give it to the runner as backpressure, so a slow reader slows the task
 * down instead of growing this process's memory.
 */
export function writeOrWait(stream: Writable, text: string): void | Promise<void> {
  if (isClosed(stream)) return;
  if (stream.write(text)) return;
  return drained(stream).then(() => undefined);
}
