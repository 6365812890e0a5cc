/**
 * What Rebound needs to know about the processes of this machine, behind one interface with three
 * implementations: `/proc` (Linux), `ps` and process groups (macOS and any POSIX system without
 * `/proc`), and `taskkill` with a start-time query (Windows). Which one runs is chosen once per
 * process (`processProbe()`); tests pick one explicitly, so the portable paths run on Linux too.
 */
export interface ProcessProbe {
  /** 'proc' | 'ps' | 'windows': which implementation this is. */
  readonly kind: ProbeKind;
  /**
   * Whether `pid` is a running process: it exists (signal 0 reaches it, or EPERM says it belongs to
   * someone else) and is not a zombie (finished, not yet reaped).
   */
  isAlive(pid: number): boolean;
  /**
   * A number that stays the same for the whole life of process `pid` and differs for a later
   * process given the same pid, read without the wall clock where the system allows; null when it
   * cannot be read. Compare two with `sameStart`.
   */
  startIdentity(pid: number): number | null;
  /** Whether any live (non-zombie) process is left in the process group `pgid`. */
  groupAlive(pgid: number): boolean;
  /**
   * Sends `signal` to the process group `pid` leads (every descendant that did not start its own
   * group), or to `pid` alone when it leads none; on Windows ends the tree with `taskkill /T`
   * (`/F` for SIGKILL). A process already gone is not an error.
   */
  killTree(pid: number, signal: NodeJS.Signals): void;
  /** Live processes other than this one whose environment holds `NAME=value`; [] where it cannot be read. */
  findByEnv(name: string, value: string): number[];
}

export type ProbeKind = 'proc' | 'ps' | 'windows';

/** Start identities that differ by at most this are the same start (`ps` prints whole seconds). */
const SECONDS_TOLERANCE = 1;

/**
 * Whether two start identities denote the same process start. Identities from `/proc` are exact
 * (boot and clock ticks); those from `ps` and Windows are whole seconds, which may be read one
 * second apart.
 */
export function sameStart(a: number, b: number): boolean {
  if (a === b) return true;
  // Seconds since the epoch are below 2^36; /proc identities are at or above 2^37.
  return a < 2 ** 36 && b < 2 ** 36 && Math.abs(a - b) <= SECONDS_TOLERANCE;
}

/** Signal 0: does `pid` exist (EPERM: yes, someone else's)? */
export function signalZero(pid: number, kill: (pid: number, signal: number) => void = process.kill): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends a signal to the group `pid` leads, else to `pid`; ESRCH (gone) is not an error. */
export function signalGroupOrProcess(pid: number, signal: NodeJS.Signals, kill: (pid: number, signal: NodeJS.Signals) => void = process.kill): void {
  if (!Number.isInteger(pid) || pid <= 0) return;
  for (const target of [-pid, pid]) {
    try {
      kill(target, signal);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}
