import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runShell } from '../../../src/runner/process';

const CLI = resolve(__dirname, '../../../src/cli/main.js');

/** Issue 15, case 5 (output part): 600 MB of output to a slow reader took 1.3 GB of memory. */
describe('safety: output capture is bounded by backpressure on the child\'s pipes (issue 15.5)', function () {
  this.timeout(120_000);
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-safety-output-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runShell reads no more while the listener has not finished with a piece; every byte still arrives', async () => {
    const bytes = 20_000_000;
    let unresolved = 0;
    let maxUnresolved = 0;
    let received = 0;
    // Both streams (stderr first), and the last line on stdout: the order of two pipes is not fixed,
    // the order within one is.
    const r = await runShell(`echo start >&2; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${bytes}; echo done`, {
      cwd: root,
      onOutput(text) {
        received += Buffer.byteLength(text);
        unresolved++;
        maxUnresolved = Math.max(maxUnresolved, unresolved);
        return new Promise<void>((done) =>
          setImmediate(() => {
            unresolved--;
            done();
          }),
        );
      },
    });
    assert.equal(r.exitCode, 0);
    assert.equal(received, bytes + 'start\ndone\n'.length);
    // The listener gets one piece at a time, whichever stream it came from.
    assert.equal(maxUnresolved, 1, `one piece in the listener at once, saw ${maxUnresolved}`);
    assert.match(r.tail, /done\n$/);
    assert.equal(r.truncatedBytes, bytes + 11 - Buffer.byteLength(r.tail));
  });

  it('`rebound run` printing 300 MB into a slow reader stays under 200 MB of memory', async () => {
    mkdirSync(join(root, '.rebound'));
    // `rebound run` alone takes about 85 MB, and V8 lets garbage grow its heap to about 140 MB
    // here whatever the output's size; output held in memory would take 300 MB more.
    const size = 300_000_000;
    writeFileSync(join(root, '.rebound', 'config.json'), JSON.stringify({ tasks: { flood: { command: `yes 'the quick brown fox jumps over the lazy dog' | head -c ${size}`, retry: 'none' } } }));
    const child = spawn(process.execPath, [CLI, '-C', root, 'run', 'flood'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let maxRss = 0;
    const sample = () => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) maxRss = Math.max(maxRss, Number(m[1]) * 1024);
      } catch {
        // exited
      }
    };
    // The reader takes 1 MB, then waits 25 ms: about 40 MB/s, much slower than `yes`.
    let received = 0;
    let quota = 0;
    child.stdout.on('data', (d: Buffer) => {
      received += d.length;
      quota += d.length;
      sample();
      if (quota >= 1_000_000) {
        quota = 0;
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 25);
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    assert.equal(code, 0);
    assert.equal(received, size);
    assert.ok(maxRss > 0);
    assert.ok(maxRss < 200_000_000, `max RSS ${Math.round(maxRss / 1e6)} MB`);
  });
});
