import { existsSync } from 'node:fs';
import { procProbe } from './procProbe';
import { psProbe, windowsProbe } from './portableProbes';
import { sameStart, type ProbeKind, type ProcessProbe } from './probe';

export { sameStart, type ProcessProbe, type ProbeKind } from './probe';
export { procProbe, parseStat } from './procProbe';
export { psProbe, windowsProbe, parseLstart, type Exec } from './portableProbes';

/**
 * The one process-identity module: liveness, start identity (pid reuse), process-tree kill and
 * leftover search, for tasks and migrations alike. The implementation is chosen from the system:
 * `/proc` where it exists, `ps` elsewhere on POSIX, `taskkill` and PowerShell on Windows.
 * `REBOUND_PROCESS_PROBE=proc|ps|windows` forces one (tests run the portable path on Linux so).
 */
let current: ProcessProbe | undefined;

export function chooseProbe(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, hasProc = () => existsSync('/proc/self/stat')): ProcessProbe {
  const forced = env.REBOUND_PROCESS_PROBE as ProbeKind | undefined;
  if (forced === 'proc') return procProbe();
  if (forced === 'ps') return psProbe();
  if (forced === 'windows') return windowsProbe();
  if (platform === 'win32') return windowsProbe();
  return hasProc() ? procProbe() : psProbe();
}

/** The probe of this process (chosen once). */
export function processProbe(): ProcessProbe {
  current ??= chooseProbe();
  return current;
}

/** Replaces the probe (tests: hide /proc, or simulate Windows); returns a function that restores the previous one. */
export function useProcessProbe(probe: ProcessProbe): () => void {
  const before = current;
  current = probe;
  return () => {
    current = before;
  };
}

/** Whether `pid` is a running (non-zombie) process of this host. */
export function isProcessAlive(pid: number): boolean {
  return processProbe().isAlive(pid);
}

/** The start identity of `pid` (see ProcessProbe.startIdentity), null where it cannot be read. */
export function processStartIdentity(pid: number): number | null {
  return processProbe().startIdentity(pid);
}

/**
 * Whether the process `pid` is still the one that had start identity `start` (null: unknown, then
 * only liveness counts). A pid alive with another start identity was reused by a later process.
 */
export function isSameProcessAlive(pid: number, start: number | null): boolean {
  const probe = processProbe();
  if (!probe.isAlive(pid)) return false;
  if (start === null) return true;
  const now = probe.startIdentity(pid);
  return now === null || sameStart(now, start);
}

/** Signals the process tree (group) `pid` leads; see ProcessProbe.killTree. */
export function killProcessTree(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  processProbe().killTree(pid, signal);
}

/** Whether a live process is left in the group `pgid`. */
export function processGroupAlive(pgid: number): boolean {
  return processProbe().groupAlive(pgid);
}

/** Live processes whose environment holds `name=value`. */
export function findProcessesByEnv(name: string, value: string): number[] {
  return processProbe().findByEnv(name, value);
}
