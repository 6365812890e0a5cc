import { hostname } from 'node:os';
import type { RunOwner } from '../../store/runs';
import { findProcessesByEnv, isSameProcessAlive, killProcessTree, processStartIdentity } from '../processes';

/**
 * The start identity of process `pid` (boot and clock ticks since boot on Linux; the start second
 * elsewhere): it tells a reused pid apart without reading the wall clock, so setting the clock
 * does not make a live owner look like another process. Null where it cannot be read.
 */
export function processStartTime(pid: number): number | null {
  return processStartIdentity(pid);
}

/** This process as the owner of the runs it starts. */
export function currentRunOwner(): RunOwner {
  return { pid: process.pid, host: hostname(), startTime: processStartTime(process.pid) };
}

/**
 * Whether `owner` (a process of this host) is still running: its pid is alive and, when known,
 * has the start identity the owner had (otherwise the pid was reused by a later process).
 */
export function isOwnerAlive(owner: RunOwner): boolean {
  return isSameProcessAlive(owner.pid, owner.startTime);
}

/** The environment variable every step's processes carry: how leftovers of a dead run are found. */
export const RUN_ID_ENV = 'REBOUND_RUN_ID';

/**
 * Live processes whose environment says they belong to run `runId`: the commands of a run whose
 * owner died keep running on their own (each step leads its own process group), so they are found
 * by the run id the runner put in their environment (/proc, or `ps` where there is none).
 */
export function findRunProcesses(runId: string): number[] {
  return findProcessesByEnv(RUN_ID_ENV, runId);
}

/**
 * Kills what is left of a dead run's commands (SIGKILL to each one's process group, or the
 * process) and returns their pids. A recovery calls this before it runs or undoes anything, so
 * an orphaned step cannot keep working next to its re-run.
 */
export function stopRunProcesses(runId: string): number[] {
  const pids = findRunProcesses(runId);
  for (const pid of pids) {
    try {
      killProcessTree(pid, 'SIGKILL');
    } catch {
      // Not ours to kill (EPERM).
    }
  }
  return pids;
}
