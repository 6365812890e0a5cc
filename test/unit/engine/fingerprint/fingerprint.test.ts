import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fingerprint, normalizeMessage, topWorkspaceFrame } from '../../../../src/engine/fingerprint';

describe('normaliser', () => {
  it('replaces numbers, hex, UUIDs, workspace paths, timestamps, durations and quoted strings', () => {
    const cases: Array<[string, string]> = [
      ['failed after 3 retries', 'failed after <n> retries'],
      ['pointer 0x7ffde4a0 and sha 3f2a9c1b7d', 'pointer <hex> and sha <hex>'],
      ['job 550e8400-e29b-41d4-a716-446655440000 lost', 'job <uuid> lost'],
      ['cannot read /home/me/proj/src/a.ts', 'cannot read <ws>/src/a.ts'],
      ['cannot read file:///home/me/proj/src/a.ts', 'cannot read <ws>/src/a.ts'],
      ['at 2025-01-31T12:00:03.123Z and 12:00:04', 'at <time> and <time>'],
      ['timed out after 1500ms (limit 2 s)', 'timed out after <duration> (limit <duration>)'],
      ['no such table "users" in \'main\' or `x`', 'no such table <str> in <str> or <str>'],
      ["can't open, won't retry", "can't open, won't retry"],
      ['  lots   of\n space ', 'lots of space'],
      ['error TS2304 stays', 'error TS2304 stays'],
    ];
    for (const [input, expected] of cases) assert.equal(normalizeMessage(input, '/home/me/proj'), expected, input);
  });

  it('never throws and returns bounded text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.option(fc.string(), { nil: undefined }), (s, root) => {
        const n = normalizeMessage(s, root);
        return typeof n === 'string' && n.length <= 500;
      }),
      { numRuns: 1000 },
    );
    assert.equal(normalizeMessage(undefined as never), '');
  });

  it('agrees with the reference regular expression on any text (property)', () => {
    // The reference: whitespace collapsed, then the regular expression applied until nothing
    // changes (a quote may pair once its neighbours are placeholders), cut to 500 and settled again.
    const pass = (m: string) =>
      m
        .replace(
          new RegExp(
            [
              String.raw`(\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)`,
              String.raw`(\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b)`,
              String.raw`(\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b)`,
              String.raw`("[^"\r\n]*"|(?<![\w'])'[^'\r\n]*'(?![\w'])|\x60[^\x60\r\n]*\x60)`,
              String.raw`(\b\d+(?:\.\d+)?\s?(?:ms|milliseconds?|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?)\b)`,
              String.raw`(\b\d+(?:\.\d+)?\b)`,
            ].join('|'),
            'g',
          ),
          (x, a, b, c, d, e, f) => (a ? '<uuid>' : b ? '<time>' : c ? '<hex>' : d !== undefined ? '<str>' : e ? '<duration>' : f ? '<n>' : x),
        )
        .trim();
    const settle = (m: string) => {
      let out = pass(m);
      for (let again = pass(out); again !== out; again = pass(out)) out = again;
      return out;
    };
    const reference = (m: string) => {
      let out = settle(m.replace(/\s+/g, ' '));
      while (out.length > 500) out = settle(out.slice(0, 500));
      return out;
    };
    const pieces = fc.constantFrom('12', '3.5', ' ', '"', "'", '`', 'ms', 's', 'x', 'ab', 'f00d', 'deadbeef1', '0x1F', '-', ':', '2025-01-31', 'T10:00:00', 'Z', '\n', 'e29b', 'can', '_', '.');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 20 }).map((a) => a.join('')), (s) => normalizeMessage(s) === reference(s)),
      { numRuns: 3000 },
    );
  });

  it('is stable: normalising twice changes nothing more (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => normalizeMessage(normalizeMessage(s)) === normalizeMessage(s)), { numRuns: 500 });
  });
});

describe('top workspace frame', () => {
  const root = '/home/me/proj';
  it('skips node_modules and Node internals and makes the path workspace-relative', () => {
    const stack = [
      'Error: boom',
      '    at Object.run (/home/me/proj/node_modules/lib/index.js:1:1)',
      '    at node:internal/process/task_queues:95:5',
      '    at async doWork (/home/me/proj/src/work.ts:12:5)',
      '    at main (/home/me/proj/src/main.ts:3:1)',
    ].join('\n');
    assert.deepEqual(topWorkspaceFrame(stack, root), { file: 'src/work.ts', line: 12, column: 5, function: 'doWork' });
  });

  it('reads Python tracebacks and compiler locations, and ignores paths outside the workspace', () => {
    assert.deepEqual(topWorkspaceFrame('  File "/home/me/proj/app/x.py", line 3, in main', root), { file: 'app/x.py', line: 3, function: 'main' });
    assert.deepEqual(topWorkspaceFrame('src/a.ts(3,4): error TS2304: x', root), { file: 'src/a.ts', line: 3, column: 4 });
    assert.deepEqual(topWorkspaceFrame('lib/b.c:7:2: error: y', root), { file: 'lib/b.c', line: 7, column: 2 });
    assert.equal(topWorkspaceFrame('    at f (/usr/lib/node/x.js:1:1)', root), undefined);
    assert.equal(topWorkspaceFrame('    at [eval]:8:50', root), undefined);
  });
});

describe('fingerprint', () => {
  it('groups repeats with different numbers and splits different codes, tasks and frames', () => {
    const base = { code: 'RB-EXEC-001', task: 'build', workspaceRoot: '/w' };
    const a = fingerprint({ ...base, message: 'failed after 3 tries in 120ms' });
    const b = fingerprint({ ...base, message: 'failed after 4 tries in 80ms' });
    assert.equal(a.fingerprint, b.fingerprint);
    assert.match(a.fingerprint, /^[0-9a-f]{32}$/);
    assert.notEqual(a.fingerprint, fingerprint({ ...base, code: 'RB-NET-ECONNRESET', message: 'failed after 3 tries in 120ms' }).fingerprint);
    assert.notEqual(a.fingerprint, fingerprint({ ...base, task: 'test', message: 'failed after 3 tries in 120ms' }).fingerprint);
  });

  it('uses the headline and the location (file and function, not the line, when a frame names one)', () => {
    const s1 = 'Error: x\n    at load (/w/src/load.ts:10:3)';
    const s2 = 'Error: y\n    at load (/w/src/load.ts:14:9)';
    const a = fingerprint({ code: 'RB-CODE-BUG', message: 'Cannot read properties of undefined (reading "a")', stack: s1, workspaceRoot: '/w' });
    const b = fingerprint({ code: 'RB-CODE-BUG', message: 'Cannot read properties of undefined (reading "b")', stack: s2, workspaceRoot: '/w' });
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(a.fingerprint, fingerprint({ code: 'RB-CODE-BUG', message: 'Something else entirely', stack: s1, workspaceRoot: '/w' }).fingerprint);
    assert.equal(a.culprit, 'src/load.ts:10 in load');
    assert.deepEqual(a.frame, { file: 'src/load.ts', line: 10, column: 3, function: 'load' });
    const c = fingerprint({ code: 'RB-BUILD-TS', message: 'build failed', output: 'src/a.ts(3,4): error TS2304: x', workspaceRoot: '/w' });
    assert.equal(c.frame?.file, 'src/a.ts');
  });

  it('keeps distinct failures of one task apart and one failure across attempts together', () => {
    const base = { code: 'RB-EXEC-001', task: 'deploy', step: 'upload', message: 'Step "upload" of task "deploy" exited with code 1', workspaceRoot: '/w' };
    const a = fingerprint({ ...base, headline: 'curl: (22) The requested URL returned error: 404' });
    const b = fingerprint({ ...base, headline: "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server" });
    assert.notEqual(a.fingerprint, b.fingerprint);
    assert.equal(a.fingerprint, fingerprint({ ...base, headline: 'curl: (22) The requested URL returned error: 404' }).fingerprint);
    assert.equal(a.title, 'curl: (22) The requested URL returned error: 404');
    assert.equal(a.culprit, 'deploy › upload');
  });

  it('titles with the first line of the message and names the culprit', () => {
    const f = fingerprint({ code: 'X', message: 'first line\nsecond', migration: '0002_add' });
    assert.equal(f.title, 'first line');
    assert.equal(f.culprit, 'migration 0002_add');
  });
});
