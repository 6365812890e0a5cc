import { randomBytes } from 'node:crypto';
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
 * it exists but belongs to someone else. (A recycled pid reads as alive; the heartbeat expiry
 * covers that case.)
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A random id (hex). */
export function randomId(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
