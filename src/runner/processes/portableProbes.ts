import { spawnSync } from 'node:child_process';
import { signalGroupOrProcess, signalZero, type ProcessProbe } from './probe';

/** Runs a program and returns its status and output (null status: it could not run). Injected in tests. */
export type Exec = (file: string, args: readonly string[]) => { status: number | null; stdout: string };

export const realExec: Exec = (file, args) => {
  const r = spawnSync(file, args, { encoding: 'utf8', windowsHide: true, timeout: 10_000, env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '' };
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `ps -o lstart=` in the C locale and UTC ("Fri Dec  4 14:35:59 2026") as seconds since the epoch. */
export function parseLstart(text: string): number | null {
  const m = /^\s*\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s*$/.exec(text);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]);
  if (month < 0) return null;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) / 1000;
}

/**
 * macOS and any POSIX system without /proc: `ps` and process groups. The start identity is the
 * start time in whole seconds (`ps -o lstart`; on macOS the kernel records it once at creation, so
 * setting the clock later does not move it). The environment of other processes comes from
 * `ps e` (Linux procps) or `ps -E` (macOS), for processes of the same user.
 */
export function psProbe(exec: Exec = realExec, platform: NodeJS.Platform = process.platform): ProcessProbe {
  const ps = (args: string[]) => exec('ps', args);
  const rows = (args: string[]): string[][] | undefined => {
    const r = ps(args);
    if (r.status === null) return undefined;
    return r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => l.split(/\s+/));
  };
  return {
    kind: 'ps',
    isAlive(pid) {
      if (!signalZero(pid)) return false;
      const r = ps(['-o', 'stat=', '-p', String(pid)]);
      if (r.status === null) return true; // no ps: trust the signal
      const state = r.stdout.trim();
      return state !== '' && !state.startsWith('Z');
    },
    startIdentity(pid) {
      if (!Number.isInteger(pid) || pid <= 0) return null;
      const r = ps(['-o', 'lstart=', '-p', String(pid)]);
      return r.status === 0 ? parseLstart(r.stdout.trim()) : null;
    },
    groupAlive(pgid) {
      if (!Number.isInteger(pgid) || pgid <= 0) return false;
      try {
        process.kill(-pgid, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
      }
      const all = rows(['-A', '-o', 'pgid=,stat=']);
      if (!all) return true;
      return all.some(([g, stat]) => Number(g) === pgid && !stat.startsWith('Z'));
    },
    killTree(pid, signal) {
      signalGroupOrProcess(pid, signal);
    },
    findByEnv(name, value) {
      // The same listing with and without the environment: what the first adds after a process's
      // arguments is its environment (so a process that only mentions the marker is not taken).
      const withEnv = ps(platform === 'darwin' ? ['-A', '-E', '-ww', '-o', 'pid=,command='] : ['eww', '-A', '-o', 'pid=,args=']);
      const plain = ps(platform === 'darwin' ? ['-A', '-ww', '-o', 'pid=,command='] : ['ww', '-A', '-o', 'pid=,args=']);
      if (withEnv.status === null || plain.status === null) return [];
      const split = (out: string) => {
        const m = new Map<number, string>();
        for (const line of out.split('\n')) {
          const mm = /^\s*(\d+) (.*)$/.exec(line);
          if (mm) m.set(Number(mm[1]), mm[2]);
        }
        return m;
      };
      const args = split(plain.stdout);
      const marker = `${name}=${value}`;
      const found: number[] = [];
      for (const [pid, line] of split(withEnv.stdout)) {
        if (pid === process.pid) continue;
        const own = args.get(pid);
        if (own === undefined || !line.startsWith(own)) continue;
        const env = ` ${line.slice(own.length)} `;
        if (env.includes(` ${marker} `) && this.isAlive(pid)) found.push(pid);
      }
      return found;
    },
  };
}

/** PowerShell's answer for a process start, as seconds since the epoch (UTC). */
function parseIsoSeconds(text: string): number | null {
  const t = Date.parse(text.trim());
  return Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}T/.test(text.trim()) ? Math.floor(t / 1000) : null;
}

/**
 * Windows: `taskkill /T` ends a process tree (`/F` to force), liveness by signal 0 (Node asks
 * the process table), the start time from PowerShell's Get-Process (the creation time Windows
 * recorded, which setting the clock does not move). The environment of other processes cannot be
 * read: leftovers of a dead run are found by nothing here (its steps die with the tree instead).
 */
export function windowsProbe(exec: Exec = realExec): ProcessProbe {
  return {
    kind: 'windows',
    isAlive: (pid) => signalZero(pid),
    startIdentity(pid) {
      if (!Number.isInteger(pid) || pid <= 0) return null;
      const r = exec('powershell.exe', [
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        `(Get-Process -Id ${pid} -ErrorAction Stop).StartTime.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')`,
      ]);
      return r.status === 0 ? parseIsoSeconds(r.stdout) : null;
    },
    groupAlive: (pid) => signalZero(pid),
    killTree(pid, signal) {
      if (!Number.isInteger(pid) || pid <= 0) return;
      const args = ['/PID', String(pid), '/T'];
      if (signal === 'SIGKILL') args.push('/F');
      exec('taskkill', args);
    },
    findByEnv: () => [],
  };
}
