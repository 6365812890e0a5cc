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

/** Whether a process of this host is alive (not a zombie): the one process-identity module's answer. */
export { isProcessAlive } from '../processes';

/** A random id (hex). */
export function randomId(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
