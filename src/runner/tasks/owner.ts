import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { RunOwner } from '../../store/runs';
import { isProcessAlive } from '../process';

/** USER_HZ: the unit of /proc/PID/stat times (100 on every Linux architecture Node runs on). */
const CLOCK_TICKS = 100;
/** Start times read at different moments may differ by the rounding of the boot time. */
const START_TOLERANCE_MS = 1000;

let bootTimeMs: number | null | undefined;

function bootTime(): number | null {
  if (bootTimeMs !== undefined) return bootTimeMs;
  bootTimeMs = null;
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (m) bootTimeMs = Number(m[1]) * 1000;
  } catch {
    // Not Linux: no start times.
  }
  return bootTimeMs;
}

/** Fields of /proc/PID/stat after the command name (which may itself hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** When process `pid` started (ms since the epoch), on Linux; null where it cannot be read. */
export function processStartTime(pid: number): number | null {
  const boot = bootTime();
  if (boot === null || !Number.isInteger(pid) || pid <= 0) return null;
  const fields = statFields(pid);
  // Field 22 of stat is the start time; fields[0] is field 3 (the state).
  const ticks = fields ? Number(fields[19]) : NaN;
  return Number.isFinite(ticks) ? Math.round(boot + (ticks * 1000) / CLOCK_TICKS) : null;
}

/** This process as the owner of the runs it starts. */
export function currentRunOwner(): RunOwner {
  return { pid: process.pid, host: hostname(), startTime: processStartTime(process.pid) };
}

/**
 * Whether `owner` (a process of this host) is still running: its pid is alive and, when both are
 * known, started when the owner did (otherwise the pid was reused by a later process).
 */
export function isOwnerAlive(owner: RunOwner): boolean {
  if (!isProcessAlive(owner.pid)) return false;
  if (owner.startTime === null) return true;
  const now = processStartTime(owner.pid);
  return now === null || Math.abs(now - owner.startTime) <= START_TOLERANCE_MS;
}

/** The environment variable every step's processes carry: how leftovers of a dead run are found. */
export const RUN_ID_ENV = 'REBOUND_RUN_ID';

/**
 * Live processes (Linux) whose environment says they belong to run `runId`: the commands of a run
 * whose owner died keep running on their own (each step leads its own process group), so they
 * are found by the run id the runner put in their environment.
 */
export function findRunProcesses(runId: string): number[] {
  if (process.platform !== 'linux') return [];
  const marker = Buffer.from(`\0${RUN_ID_ENV}=${runId}\0`);
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
      if (env.includes(marker) && isProcessAlive(pid)) found.push(pid);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/**
 * Kills what is left of a dead run's commands (SIGKILL to each one's process group and to the
 * process) and returns their pids. A recovery calls this before it runs or undoes anything, so
 * an orphaned step cannot keep working next to its re-run.
 */
export function stopRunProcesses(runId: string): number[] {
  const pids = findRunProcesses(runId);
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Not a group leader, or already gone.
      }
    }
  }
  return pids;
}
