import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Every process the harness starts is registered here and killed (with its whole process group)
 * when the harness exits, whether it passed, failed, timed out or was interrupted.
 */
const children = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void> | void>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts a process in its own process group so it and everything it starts can be killed together. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return track(spawn(command, args, { ...options, detached: process.platform !== 'win32' }));
}

export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Stops a process group: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killTree(child, 'SIGTERM');
  const timer = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

let cleaning: Promise<void> | undefined;

export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of [...cleanups].reverse()) {
      try {
        await fn();
      } catch {
        /* keep cleaning */
      }
    }
    await Promise.all([...children].map((c) => stop(c, 2000)));
  })();
  return cleaning;
}

let installed = false;

/** Kills everything on exit, Ctrl-C, SIGTERM and uncaught errors. */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const c of children) killTree(c, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\n[harness] ${sig}: stopping every process it started…\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

/** Runs a command to completion, inheriting or capturing output. Rejects on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number; quiet?: boolean } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      if (!options.quiet) process.stdout.write(d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      if (!options.quiet) process.stderr.write(d);
    });
    const timer = options.timeoutMs
      ? setTimeout(() => {
          killTree(child, 'SIGKILL');
          reject(new Error(`${command} ${args.join(' ')} timed out after ${options.timeoutMs} ms`));
        }, options.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}\n${stderr.slice(-4000)}`));
    });
  });
}
