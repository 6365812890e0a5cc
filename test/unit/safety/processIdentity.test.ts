import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseProbe, isSameProcessAlive, parseLstart, procProbe, psProbe, sameStart, useProcessProbe, windowsProbe, type Exec, type ProcessProbe } from '../../../src/runner/processes';
import { currentRunOwner, isOwnerAlive } from '../../../src/runner/tasks/owner';
import { lockOwnerId, lockOwnerStart, staleness } from '../../../src/runner/migrations/lock';
import type { LockRow } from '../../../src/runner/migrations/target';
import { processStartIdentity } from '../../../src/runner/processes';

/** Polls `check` until it holds (a state change of another process, not a timing assertion). */
async function until(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const started: ChildProcess[] = [];
function start(command: string, env: Record<string, string> = {}): ChildProcess {
  const c = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
  started.push(c);
  return c;
}

/** Issue 16 + 14.7: one process-identity module, /proc and the portable path, tested on Linux. */
describe('safety: process identity, /proc and portable (issues 16, 14.7)', function () {
  this.timeout(60_000);
  afterEach(() => {
    for (const c of started.splice(0)) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  const probes: Array<[string, () => ProcessProbe]> = [
    ['/proc', () => procProbe()],
    ['ps (the portable path, /proc hidden)', () => psProbe()],
  ];
  for (const [name, make] of probes) {
    describe(name, () => {
      it('liveness, zombies, start identity (stable, and different for another process)', async () => {
        const probe = make();
        const child = start('sleep 0 & echo $!; exec sleep 30');
        const zombie = Number((await new Promise<string>((r) => child.stdout!.once('data', (d: Buffer) => r(d.toString())))).trim());
        assert.equal(probe.isAlive(child.pid!), true);
        assert.equal(probe.isAlive(process.pid), true);
        // The background `sleep 0` finished and its parent (now `sleep 30`) never reaps it.
        await until(() => !probe.isAlive(zombie), 'the zombie to be seen as dead');
        assert.equal(probe.isAlive(0), false);
        assert.equal(probe.isAlive(2 ** 22 + 7), false);
        const a = probe.startIdentity(child.pid!);
        assert.notEqual(a, null);
        assert.ok(sameStart(a!, probe.startIdentity(child.pid!)!), 'stable across reads');
        const mine = probe.startIdentity(process.pid)!;
        assert.ok(!sameStart(mine, a!) || name.startsWith('ps'), 'this process started earlier than the child (/proc: exact ticks)');
        const restore = useProcessProbe(probe);
        try {
          assert.equal(isSameProcessAlive(child.pid!, a), true);
          assert.equal(isSameProcessAlive(child.pid!, a! - 1000), false, 'same pid, another start: reused');
          assert.equal(isOwnerAlive(currentRunOwner()), true);
        } finally {
          restore();
        }
      });

      it('kills a process tree by its group and sees the group gone', async () => {
        const probe = make();
        const leader = start('sleep 30 & sleep 30 & wait');
        await until(() => probe.groupAlive(leader.pid!), 'the group');
        probe.killTree(leader.pid!, 'SIGKILL');
        await until(() => !probe.groupAlive(leader.pid!), 'the group to die');
        assert.doesNotThrow(() => probe.killTree(leader.pid!, 'SIGTERM'), 'a gone group is not an error');
      });

      it('finds a dead run\'s leftovers by their environment, not a process that only mentions the marker', async () => {
        const probe = make();
        const id = `run${process.pid}x${Math.floor(Math.random() * 1e6)}`;
        const owned = start('sleep 30', { REBOUND_RUN_ID: id });
        const mention = start(`sleep 30; : REBOUND_RUN_ID=${id}`);
        await until(() => probe.findByEnv('REBOUND_RUN_ID', id).includes(owned.pid!), 'the leftover');
        const found = probe.findByEnv('REBOUND_RUN_ID', id);
        assert.ok(!found.includes(mention.pid!), 'arguments are not the environment');
        assert.ok(!found.includes(process.pid));
      });
    });
  }

  it('migration locks catch pid reuse like task owners, and a live local holder never expires on a clock step', () => {
    const me = processStartIdentity(process.pid);
    assert.notEqual(me, null);
    const now = Date.now();
    const row = (id: string, heartbeatAt: number): LockRow => ({ id, pid: process.pid, host: 'here', user: 'ann', command: 'migrate up', acquiredAt: heartbeatAt, heartbeatAt, expiryMs: 600_000 });
    const alive = () => true;
    assert.equal(lockOwnerStart(lockOwnerId()), me);
    // The pid is alive but belongs to another process than the one that took the lock: dead owner.
    assert.equal(staleness(row(lockOwnerId(me! - 500), now), now, 'here', alive), 'dead-owner');
    // The same process, its heartbeat "two hours old" because the wall clock was set forward: not stale.
    assert.equal(staleness(row(lockOwnerId(), now - 7_200_000), now, 'here', alive), undefined);
    // An id without identity (older versions) or another host: the heartbeat decides, as before.
    assert.equal(staleness(row('abcdef0123456789', now - 7_200_000), now, 'here', alive), 'expired');
    assert.equal(staleness(row(lockOwnerId(), now - 7_200_000), now, 'elsewhere', alive), 'expired');
    assert.equal(staleness(row(lockOwnerId(), now), now, 'here', () => false), 'dead-owner');
  });

  it('a clock step does not change a start identity (/proc: boot id and ticks since boot, not btime)', () => {
    const root = mkdtempSync(join(tmpdir(), 'rebound-fake-proc-'));
    try {
      const pid = process.pid;
      mkdirSync(join(root, String(pid)));
      mkdirSync(join(root, 'sys', 'kernel', 'random'), { recursive: true });
      writeFileSync(join(root, String(pid), 'stat'), readFileSync(`/proc/${pid}/stat`));
      writeFileSync(join(root, 'sys', 'kernel', 'random', 'boot_id'), 'aaaa-boot\n');
      writeFileSync(join(root, 'stat'), 'cpu 1 2 3\nbtime 1700000000\n');
      const before = procProbe({ root }).startIdentity(pid);
      // The wall clock is set an hour ahead: the kernel's btime moves with it.
      writeFileSync(join(root, 'stat'), 'cpu 1 2 3\nbtime 1700003600\n');
      const after = procProbe({ root }).startIdentity(pid);
      assert.equal(after, before);
      const restore = useProcessProbe(procProbe({ root }));
      try {
        assert.equal(isSameProcessAlive(pid, before), true, 'the live owner stays live');
      } finally {
        restore();
      }
      // Another boot: same pid, same ticks, another identity.
      writeFileSync(join(root, 'sys', 'kernel', 'random', 'boot_id'), 'bbbb-boot\n');
      assert.notEqual(procProbe({ root }).startIdentity(pid), before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('Windows form: taskkill /T (/F for SIGKILL), the start time from PowerShell, no /proc', () => {
    const calls: Array<[string, readonly string[]]> = [];
    const exec: Exec = (file, args) => {
      calls.push([file, args]);
      if (file === 'powershell.exe') return { status: 0, stdout: '2026-12-04T14:35:59Z\r\n' };
      return { status: 0, stdout: 'SUCCESS: The process with PID 4312 (child process of PID 4300) has been terminated.\r\n' };
    };
    const win = windowsProbe(exec);
    win.killTree(4300, 'SIGTERM');
    win.killTree(4300, 'SIGKILL');
    win.killTree(0, 'SIGKILL');
    assert.deepEqual(calls.slice(0, 2), [
      ['taskkill', ['/PID', '4300', '/T']],
      ['taskkill', ['/PID', '4300', '/T', '/F']],
    ]);
    assert.equal(calls.length, 2, 'no taskkill for pid 0');
    assert.equal(win.startIdentity(4300), Date.UTC(2026, 11, 4, 14, 35, 59) / 1000);
    assert.match(calls[2][1].join(' '), /Get-Process -Id 4300 .*StartTime\.ToUniversalTime\(\)/);
    assert.deepEqual(win.findByEnv('REBOUND_RUN_ID', 'x'), []);
    assert.equal(chooseProbe({}, 'win32').kind, 'windows');
    assert.equal(chooseProbe({}, 'darwin', () => false).kind, 'ps');
    assert.equal(chooseProbe({}, 'linux', () => false).kind, 'ps', '/proc hidden: the portable path');
    assert.equal(chooseProbe({ REBOUND_PROCESS_PROBE: 'ps' }, 'linux', () => true).kind, 'ps');
    assert.equal(chooseProbe({}, 'linux', () => true).kind, 'proc');
  });

  it('macOS form: ps -E for the environment, lstart parsed in UTC', () => {
    const seen: string[] = [];
    const exec: Exec = (_file, args) => {
      seen.push(args.join(' '));
      if (args.includes('-E')) return { status: 0, stdout: '  501 /bin/sleep 30 REBOUND_RUN_ID=abc HOME=/Users/ann\n  502 /bin/sh -c echo REBOUND_RUN_ID=abc\n' };
      return { status: 0, stdout: '  501 /bin/sleep 30\n  502 /bin/sh -c echo REBOUND_RUN_ID=abc\n' };
    };
    const mac = psProbe(exec, 'darwin');
    const alive = mac.isAlive.bind(mac);
    mac.isAlive = (pid) => pid === 501 || alive(pid);
    assert.deepEqual(mac.findByEnv('REBOUND_RUN_ID', 'abc'), [501]);
    assert.ok(seen.some((s) => s.includes('-E')));
    assert.equal(parseLstart('Fri Dec  4 14:35:59 2026'), Date.UTC(2026, 11, 4, 14, 35, 59) / 1000);
    assert.equal(parseLstart('garbage'), null);
  });
});
