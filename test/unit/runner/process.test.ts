import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, killProcessTree, runShell, type ShellRunResult } from '../../../src/runner/process';

/** Pids the command printed, one per line (`echo $!`). */
function pidsIn(result: ShellRunResult): number[] {
  return result.tail
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

const posix = process.platform !== 'win32';

(posix ? describe : describe.skip)('runner: runShell (real processes through /bin/sh)', function () {
  this.timeout(20_000);
  let dir: string;
  const leftovers: number[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebound-proc-test-'));
  });
  afterEach(() => {
    for (const pid of leftovers.splice(0)) killProcessTree(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports exit codes, and captures stdout and stderr in the tail and as they arrive', async () => {
    const seen: string[] = [];
    const r = await runShell('echo out; echo err >&2; exit 3', { cwd: dir, onOutput: (t) => seen.push(t) });
    assert.equal(r.exitCode, 3);
    assert.equal(r.signal, null);
    assert.equal(r.timedOut, false);
    assert.equal(r.cancelled, false);
    assert.equal(r.spawnError, undefined);
    assert.ok(r.pid > 0);
    assert.ok(r.durationMs >= 0);
    assert.match(r.tail, /out\n/);
    assert.match(r.tail, /err\n/);
    assert.equal(seen.join('').length, r.tail.length);
    assert.equal(r.truncatedBytes, 0);
    assert.equal((await runShell('true', { cwd: dir })).exitCode, 0);
    assert.equal((await runShell('false', { cwd: dir })).exitCode, 1);
  });

  it('reports a signal that ended the shell', async () => {
    const r = await runShell('kill -TERM $$; sleep 5', { cwd: dir });
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(r.timedOut, false);
  });

  it('runs in cwd with this environment plus options.env; stdin is empty', async () => {
    const r = await runShell('pwd; echo "$REBOUND_TEST_VAR"; command -v sh >/dev/null && echo path-ok; cat; echo stdin-done', {
      cwd: dir,
      env: { REBOUND_TEST_VAR: 'from-options' },
    });
    assert.equal(r.exitCode, 0);
    assert.equal(r.tail, `${realpathSync(dir)}\nfrom-options\npath-ok\nstdin-done\n`);
  });

  it('passes the command to the shell exactly as given (quotes, $, ; and backquotes are the shell’s, not the runner’s)', async () => {
    const hostile = '$(touch pwned-by-env); `touch pwned-too`; echo "x"';
    const r = await runShell(`printf '%s|' "a b" '$HOME' "x;y" 'it'"'"'s'; printf '%s\\n' "$HOSTILE"`, { cwd: dir, env: { HOSTILE: hostile } });
    assert.equal(r.exitCode, 0, r.tail);
    assert.equal(r.tail, `a b|$HOME|x;y|it's|${hostile}\n`);
    assert.ok(!existsSync(join(dir, 'pwned-by-env')) && !existsSync(join(dir, 'pwned-too')));
  });

  it('keeps only the last tailBytes (64 KiB by default) of 1 MB of output, ending with the last line', async () => {
    let streamed = 0;
    const r = await runShell("yes 'some build output line' | head -c 1048576; echo; echo LAST LINE", {
      cwd: dir,
      onOutput: (t) => (streamed += Buffer.byteLength(t)),
    });
    assert.equal(r.exitCode, 0);
    const total = 1048576 + 1 + 'LAST LINE\n'.length;
    assert.equal(streamed, total);
    assert.equal(Buffer.byteLength(r.tail), 64 * 1024);
    assert.ok(r.tail.endsWith('\nLAST LINE\n'));
    assert.equal(r.truncatedBytes, total - 64 * 1024);
  });

  it('never splits a UTF-8 character, in the tail or in the streamed text', async () => {
    let streamed = '';
    // 100,000 two-byte characters: pipe reads cut many of them in half.
    const r = await runShell("yes é | head -n 100000 | tr -d '\\n'", { cwd: dir, tailBytes: 1001, onOutput: (t) => (streamed += t) });
    assert.equal(r.exitCode, 0);
    assert.equal(streamed, 'é'.repeat(100000));
    assert.equal(r.tail, 'é'.repeat(500));
    assert.equal(r.truncatedBytes, 200000 - 1000);
  });

  it('a timeout kills the whole process tree (the grandchildren too)', async () => {
    const r = await runShell('sleep 30 & echo $!; sleep 30 & echo $!; wait', { cwd: dir, timeoutMs: 200 });
    const pids = pidsIn(r);
    leftovers.push(...pids);
    assert.equal(pids.length, 2, r.tail);
    assert.equal(r.timedOut, true);
    assert.equal(r.cancelled, false);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGTERM');
    assert.ok(r.durationMs >= 190 && r.durationMs < 5000, String(r.durationMs));
    for (const pid of [r.pid, ...pids]) assert.equal(isProcessAlive(pid), false, `pid ${pid} still alive`);
  });

  it('escalates to SIGKILL after killGraceMs for a descendant that ignores SIGTERM', async () => {
    const stubborn = `sh -c 'trap "" TERM; while :; do sleep 0.05; done' & echo $!; wait`;
    // The timeout leaves the shell time to print the pid even on a loaded machine.
    const r = await runShell(stubborn, { cwd: dir, timeoutMs: 1000, killGraceMs: 300 });
    const pids = pidsIn(r);
    leftovers.push(...pids);
    assert.equal(pids.length, 1, r.tail);
    assert.equal(r.timedOut, true);
    assert.ok(r.durationMs >= 1000 + 290, `resolved before the SIGKILL: ${r.durationMs} ms`);
    assert.equal(isProcessAlive(pids[0]), false);
  });

  it('an AbortSignal cancels the run and kills its tree; an aborted signal starts nothing', async () => {
    const controller = new AbortController();
    const r = await runShell('sleep 30 & echo $!; wait', {
      cwd: dir,
      signal: controller.signal,
      onOutput: (t) => {
        if (/\d+\n/.test(t)) controller.abort();
      },
    });
    const pids = pidsIn(r);
    leftovers.push(...pids);
    assert.equal(r.cancelled, true);
    assert.equal(r.timedOut, false);
    assert.equal(r.exitCode, null);
    assert.equal(pids.length, 1);
    assert.equal(isProcessAlive(pids[0]), false);

    const none = await runShell(`touch ${JSON.stringify(join(dir, 'ran'))}`, { cwd: dir, signal: AbortSignal.abort() });
    assert.equal(none.cancelled, true);
    assert.equal(none.pid, 0);
    assert.equal(none.exitCode, null);
    assert.equal(existsSync(join(dir, 'ran')), false);
  });

  it('a missing cwd resolves with spawnError naming it (no exit code)', async () => {
    const missing = join(dir, 'no', 'such', 'dir');
    const r = await runShell('echo never', { cwd: missing });
    assert.equal(r.exitCode, null);
    assert.equal(r.pid, 0);
    assert.equal(r.spawnError?.code, 'ENOENT');
    assert.match(r.spawnError?.message ?? '', /working directory does not exist: .*no\/such\/dir/);
    assert.equal(r.tail, '');
  });

  it('does not wait for a background process that keeps the output pipe open after the shell exits', async () => {
    const r = await runShell('sleep 30 & echo $!; echo done', { cwd: dir });
    leftovers.push(...pidsIn(r));
    assert.equal(r.exitCode, 0);
    assert.match(r.tail, /done\n/);
    assert.ok(r.durationMs < 5000, String(r.durationMs));
  });

  it('a throwing onOutput listener does not break the run', async () => {
    const r = await runShell('echo a; echo b; exit 4', {
      cwd: dir,
      onOutput: () => {
        throw new Error('listener bug');
      },
    });
    assert.equal(r.exitCode, 4);
    assert.equal(r.tail, 'a\nb\n');
  });

  it('killProcessTree and isProcessAlive: live, gone and invalid pids', async () => {
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(0), false);
    assert.equal(isProcessAlive(-1), false);
    const r = await runShell('true', { cwd: dir });
    assert.equal(isProcessAlive(r.pid), false);
    assert.doesNotThrow(() => killProcessTree(r.pid));
    assert.doesNotThrow(() => killProcessTree(0));
  });
});
