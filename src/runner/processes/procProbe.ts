import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { signalGroupOrProcess, signalZero, type ProcessProbe } from './probe';

/** Where /proc is (a test may point it at a copy). */
export interface ProcOptions {
  root?: string;
}

/** The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses): [0] is field 3, the state. */
export function parseStat(text: string): string[] | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  return text.slice(close + 2).trim().split(' ');
}

/**
 * Linux, through /proc. The start identity is the boot (a 16-bit key of
 * /proc/sys/kernel/random/boot_id) and the start time in clock ticks since boot (field 22 of
 * /proc/PID/stat): neither moves when the wall clock is set, and a reboot changes the key.
 */
export function procProbe(options: ProcOptions = {}): ProcessProbe {
  const root = options.root ?? '/proc';
  let bootKey: number | undefined;

  const stat = (pid: number): string[] | undefined => {
    try {
      return parseStat(readFileSync(`${root}/${pid}/stat`, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const boot = (): number => {
    if (bootKey !== undefined) return bootKey;
    let id = 'unknown-boot';
    try {
      id = readFileSync(`${root}/sys/kernel/random/boot_id`, 'utf8').trim();
    } catch {
      // Without a boot id, the ticks alone (a reboot starting the same pid in the same tick is the miss).
    }
    // 1..65535, so that every /proc identity is at least 2^37 (see sameStart).
    bootKey = (createHash('sha256').update(id).digest().readUInt16BE(0) % 65535) + 1;
    return bootKey;
  };
  const pids = (): number[] => {
    try {
      return readdirSync(root)
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
    } catch {
      return [];
    }
  };
  const live = (fields: string[] | undefined) => fields !== undefined && fields[0] !== 'Z' && fields[0] !== 'X';

  return {
    kind: 'proc',
    isAlive(pid) {
      if (!signalZero(pid)) return false;
      const f = stat(pid);
      return f === undefined ? true : live(f); // unreadable /proc entry: trust the signal
    },
    startIdentity(pid) {
      if (!Number.isInteger(pid) || pid <= 0) return null;
      const ticks = Number(stat(pid)?.[19]);
      if (!Number.isSafeInteger(ticks) || ticks < 0 || ticks >= 2 ** 37) return null;
      return boot() * 2 ** 37 + ticks;
    },
    groupAlive(pgid) {
      if (!Number.isInteger(pgid) || pgid <= 0) return false;
      try {
        process.kill(-pgid, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
      }
      // Signal 0 also reaches zombies: look for a member that is really running.
      for (const pid of pids()) {
        const f = stat(pid);
        if (f && Number(f[2]) === pgid && live(f)) return true;
      }
      return false;
    },
    killTree(pid, signal) {
      signalGroupOrProcess(pid, signal);
    },
    findByEnv(name, value) {
      const marker = Buffer.from(`\0${name}=${value}\0`);
      const found: number[] = [];
      for (const pid of pids()) {
        if (pid === process.pid) continue;
        try {
          const env = Buffer.concat([Buffer.from([0]), readFileSync(`${root}/${pid}/environ`), Buffer.from([0])]);
          if (env.includes(marker) && live(stat(pid))) found.push(pid);
        } catch {
          // Gone meanwhile, or not ours to read.
        }
      }
      return found;
    },
  };
}
