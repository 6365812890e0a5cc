import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { killProcessTree, processGroupAlive as groupAlive } from './processes';

export { isProcessAlive, killProcessTree } from './processes';

export interface ShellRunOptions {
  cwd: string;
  /** Added to (and overriding) this process's environment. */
  env?: Record<string, string>;
  /** Kill the whole process tree after this long; `timedOut` is then true. */
  timeoutMs?: number;
  /** Aborting kills the whole process tree; `cancelled` is then true. */
  signal?: AbortSignal;
  /**
   * Each piece of stdout and stderr as it arrives, decoded as UTF-8 (characters never split). A
   * returned promise is backpressure: the child's pipes are not read until it settles, so the child
   * blocks on a full pipe and memory stays bounded however slow the reader is.
   */
  onOutput?(text: string): unknown;
  /** How much of the combined output `tail` keeps (default 64 KiB). */
  tailBytes?: number;
  /** Between SIGTERM and SIGKILL when killing (default 2000 ms). */
  killGraceMs?: number;
}

export interface ShellRunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** 0 when nothing was started (spawn failure, or the signal was already aborted). */
  pid: number;
  /** The last `tailBytes` of stdout and stderr as they arrived, starting on a character boundary. */
  tail: string;
  /** Bytes of output before `tail` that were not kept. */
  truncatedBytes: number;
  spawnError?: NodeJS.ErrnoException;
}

export const DEFAULT_TAIL_BYTES = 64 * 1024;
export const DEFAULT_KILL_GRACE_MS = 2000;
/** After the shell exits, how long descendants still holding its stdout/stderr may keep writing. */
const DRAIN_MS = 1000;
const POLL_MS = 20;
/** After SIGKILL, how long to wait for the group to disappear before resolving anyway. */
const AFTER_KILL_MS = 1000;
const isWindows = process.platform === 'win32';

/**
 * Runs `command` through the user's shell (`/bin/sh -c` on POSIX, cmd.exe on Windows) exactly as
 * given: the runner adds no quoting or interpolation. On POSIX the shell leads its own process
 * group, so a timeout or cancellation reaches every descendant: SIGTERM to the group, then
 * SIGKILL after `killGraceMs`. Resolves (never rejects) once the shell has exited and its output
 * is read; after a kill, once the whole group is gone too. Memory is bounded by `tailBytes`.
 */
export function runShell(command: string, options: ShellRunOptions): Promise<ShellRunResult> {
  const started = performance.now();
  const tail = new TailBuffer(options.tailBytes ?? DEFAULT_TAIL_BYTES);
  const grace = Math.max(0, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  const base = (): Omit<ShellRunResult, 'exitCode' | 'signal' | 'pid'> => ({
    timedOut,
    cancelled,
    durationMs: Math.round(performance.now() - started),
    tail: tail.text(),
    truncatedBytes: tail.droppedBytes,
  });
  let timedOut = false;
  let cancelled = false;

  if (options.signal?.aborted) {
    cancelled = true;
    return Promise.resolve({ ...base(), exitCode: null, signal: null, pid: 0 });
  }

  return new Promise<ShellRunResult>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        shell: true,
        detached: !isWindows,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      resolve({ ...base(), exitCode: null, signal: null, pid: 0, spawnError: describeSpawnError(err, options.cwd) });
      return;
    }
    const pid = child.pid ?? 0;

    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let exited = false;
    let killRequested = false;
    let done = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = (spawnError?: NodeJS.ErrnoException): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const result: ShellRunResult = { ...base(), exitCode, signal: exitSignal, pid };
      if (spawnError) result.spawnError = spawnError;
      resolve(result);
    };

    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        killProcessTree(pid, sig);
      } catch {
        // EPERM: the group now holds someone else's process; nothing more we may do.
      }
    };

    const terminate = (): void => {
      if (killRequested || pid === 0) return;
      killRequested = true;
      signalGroup('SIGTERM');
      timers.push(setTimeout(() => signalGroup('SIGKILL'), grace));
    };

    /** Resolves: at once after a normal exit; after a kill, once no process of the group is left. */
    let settling = false;
    const settle = (): void => {
      if (!killRequested) return finish();
      if (settling) return;
      settling = true;
      const deadline = performance.now() + grace + AFTER_KILL_MS;
      const check = (): void => {
        if (!groupAlive(pid) || performance.now() >= deadline) finish();
        else timers.push(setTimeout(check, POLL_MS));
      };
      check();
    };

    const onAbort = (): void => {
      if (exited) return;
      cancelled = true;
      terminate();
    };

    const streams = [child.stdout, child.stderr].filter((x): x is NonNullable<typeof x> => x !== null);
    /**
     * Pieces the listener has not been given yet. It gets one at a time: while it works on one
     * (its promise pending) the pipes are paused, and a piece a stream still hands over (one it had
     * read already) waits here, so at most a piece per stream is held however slow the listener.
     */
    const queue: string[] = [];
    let busy = false;
    let closed = false;
    const idle = (): boolean => !busy && queue.length === 0;
    const pump = (): void => {
      while (!busy && queue.length > 0) {
        let ret: unknown;
        try {
          ret = options.onOutput!(queue.shift()!);
        } catch {
          // A failing listener must not take the run down with it; the tail still has the output.
          continue;
        }
        if (ret instanceof Promise) {
          busy = true;
          for (const s of streams) s.pause();
          const next = (): void => {
            busy = false;
            pump();
          };
          ret.then(next, next);
        }
      }
      if (busy || done) return;
      if (closed) settle();
      else for (const s of streams) s.resume();
    };
    const deliver = (text: string): void => {
      if (text === '') return;
      tail.push(text);
      if (!options.onOutput) return;
      queue.push(text);
      pump();
    };
    for (const stream of streams) {
      const decoder = new StringDecoder('utf8');
      stream.on('data', (chunk: Buffer) => deliver(decoder.write(chunk)));
      stream.on('end', () => deliver(decoder.end()));
      stream.on('error', () => {
        // A broken pipe only ends the output; the exit status still comes.
      });
    }

    child.on('error', (err) => {
      // Spawning failed (the process never ran): there is no exit to wait for. (Errors of a
      // running child come from kill(), which this runner does not use on the ChildProcess.)
      if (child.pid === undefined) finish(describeSpawnError(err, options.cwd));
    });
    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      exitSignal = sig;
      // Descendants (outside the group, or left running in it) may hold the pipes open: give them
      // a moment, then stop reading.
      // While the listener holds the pipes paused, the output still in them is ours to deliver.
      const afterDrain = (): void => {
        if (!idle() && !killRequested) timers.push(setTimeout(afterDrain, POLL_MS));
        else settle();
      };
      timers.push(setTimeout(afterDrain, killRequested ? grace + DRAIN_MS : DRAIN_MS));
    });
    child.on('close', () => {
      closed = true;
      // The listener gets the output still queued first (unless the run is being killed).
      if (idle() || killRequested) settle();
    });

    if (pid === 0) return; // the 'error' event follows
    if (options.timeoutMs !== undefined && options.timeoutMs >= 0) {
      timers.push(
        setTimeout(() => {
          if (exited) return;
          timedOut = true;
          terminate();
        }, options.timeoutMs),
      );
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Node reports a missing cwd as "spawn /bin/sh ENOENT"; say what is really missing. */
function describeSpawnError(err: unknown, cwd: string): NodeJS.ErrnoException {
  const e = (err instanceof Error ? err : new Error(String(err))) as NodeJS.ErrnoException;
  if (e.code === 'ENOENT' && !existsSync(cwd)) {
    const better = new Error(`working directory does not exist: ${cwd}`, { cause: e }) as NodeJS.ErrnoException;
    better.code = 'ENOENT';
    better.syscall = 'spawn';
    better.path = cwd;
    return better;
  }
  return e;
}

/**
 * The last `limit` bytes (UTF-8) of the output, kept as decoded text pieces. Whole pieces fall
 * off the front; the first piece is cut on a character boundary when it straddles the limit.
 */
class TailBuffer {
  private pieces: { text: string; bytes: number }[] = [];
  private head = 0;
  private bytes = 0;
  droppedBytes = 0;

  constructor(private readonly limit: number) {}

  push(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    this.pieces.push({ text, bytes });
    this.bytes += bytes;
    this.trim();
  }

  text(): string {
    return this.pieces
      .slice(this.head)
      .map((p) => p.text)
      .join('');
  }

  private trim(): void {
    while (this.bytes > this.limit && this.head < this.pieces.length) {
      const first = this.pieces[this.head];
      const excess = this.bytes - this.limit;
      if (first.bytes <= excess) {
        this.head++;
        this.bytes -= first.bytes;
        this.droppedBytes += first.bytes;
        continue;
      }
      const buf = Buffer.from(first.text, 'utf8');
      let cut = excess;
      while (cut < buf.length && (buf[cut] & 0xc0) === 0x80) cut++; // not inside a character
      first.text = buf.subarray(cut).toString('utf8');
      first.bytes -= cut;
      this.bytes -= cut;
      this.droppedBytes += cut;
    }
    // Compact now and then so the array does not grow with the number of pieces ever seen.
    if (this.head > 64 && this.head * 2 > this.pieces.length) {
      this.pieces = this.pieces.slice(this.head);
      this.head = 0;
    }
  }
}
