import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

/** Who this process is, for the lock row and the history's "applied by". */
export interface ProcessIdentity {
  pid: number;
  host: string;
  user: string;
}

export function currentIdentity(): ProcessIdentity {
  let user = 'unknown';
  try {
    user = userInfo().username || process.env.USER || process.env.USERNAME || 'unknown';
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return { pid: process.pid, host: hostname(), user };
}

/** `user@host (pid N)` */
export function describeIdentity(id: { pid: number; host: string; user: string }): string {
  return `${id.user}@${id.host} (pid ${id.pid})`;
}

/**
 * Whether a process of this host is alive: signal 0 checks without sending anything. EPERM means
 * it exists but belongs to someone else. On Linux a zombie (exited, not yet reaped: common in
 * containers whose init does not reap) also answers signal 0, so /proc decides. (A recycled pid
 * reads as alive; the heartbeat expiry covers that case.)
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true; // no /proc access: trust the signal
  }
  // The state follows the command name, which may itself contain spaces and parentheses.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** A random id (hex). */
export function randomId(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
