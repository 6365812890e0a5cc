import assert from 'node:assert/strict';
import fc from 'fast-check';
import { locateFailure } from '../../../../src/engine/locate';

const ws = { workspaceRoot: '/w' };

describe('locateFailure', () => {
  it('points a Python traceback at its innermost frame in the workspace, not the standard library', () => {
    const out = [
      'Traceback (most recent call last):',
      '  File "/w/app.py", line 3, in <module>',
      '    print(database_url())',
      '  File "/w/settings.py", line 5, in database_url',
      '    return os.environ["DATABASE_URL"]',
      '  File "/usr/lib/python3.11/os.py", line 679, in __getitem__',
      '    raise KeyError(key) from None',
      "KeyError: 'DATABASE_URL'",
    ].join('\n');
    assert.deepEqual(locateFailure(out, ws), { file: 'settings.py', line: 5, function: 'database_url' });
  });

  it('skips node_modules, site-packages and Node internals; takes the first workspace V8 frame', () => {
    const out = 'TypeError: x\n    at f (/w/node_modules/lib/a.js:1:1)\n    at node:internal/x:2:3\n    at g (/w/src/b.js:4:5)\n    at h (/w/src/c.js:9:1)';
    assert.deepEqual(locateFailure(out, ws), { file: 'src/b.js', line: 4, column: 5, function: 'g' });
    const py = 'Traceback (most recent call last):\n  File "/w/run.py", line 2, in <module>\n  File "/w/.venv/lib/python3.11/site-packages/req/api.py", line 9, in get\nValueError: x';
    assert.deepEqual(locateFailure(py, ws), { file: 'run.py', line: 2, function: '<module>' });
  });

  it("reads Node's header above a syntax error and mocha's relative frames against the cwd", () => {
    assert.deepEqual(locateFailure('/w/config.js:4\n  debug: true,\n  ^^^^^\n\nSyntaxError: Unexpected identifier\n    at Object.<anonymous> (/w/main.js:1:1)', ws), { file: 'config.js', line: 4 });
    const mocha = "  1) cart\n     TypeError: Cannot read properties of undefined (reading 'reduce')\n      at exports.total (lib/cart.js:1:38)\n      at Context.<anonymous> (test/cart.test.js:5:18)";
    assert.deepEqual(locateFailure(mocha, { workspaceRoot: '/w', cwd: 'web' }), { file: 'web/lib/cart.js', line: 1, column: 38, function: 'exports.total' });
  });

  it('reads JVM traces at the root cause, outside the JDK, as package paths', () => {
    const out = [
      'Exception in thread "main" java.lang.IllegalStateException: config not loaded',
      '\tat com.acme.Svc.load(Svc.java:7)',
      '\tat com.acme.Svc.main(Svc.java:11)',
      'Caused by: java.lang.NullPointerException',
      '\tat java.base/java.util.Objects.requireNonNull(Objects.java:209)',
      '\tat com.acme.Svc.load(Svc.java:5)',
      '\t... 1 more',
    ].join('\n');
    assert.deepEqual(locateFailure(out, ws), { file: 'com/acme/Svc.java', line: 5, function: 'com.acme.Svc.load' });
  });

  it('reads compiler and linter diagnostics, errors before warnings', () => {
    const cases: Array<[string, string, number]> = [
      ["src/io.c:3:3: warning: implicit declaration of function 'prnitf'\nsrc/io.c:4:10: error: use of undeclared identifier 'count'", 'src/io.c', 4],
      ['src/port.ts(1,14): error TS2322: Type', 'src/port.ts', 1],
      ['src/a.ts:3:22 - error TS2304: Cannot find name', 'src/a.ts', 3],
      ['App.java:3: error: cannot find symbol', 'App.java', 3],
      ['[ERROR] /w/src/main/java/com/acme/App.java:[5,5] cannot find symbol', 'src/main/java/com/acme/App.java', 5],
      ['error[E0425]: cannot find value `prot` in this scope\n --> src/port.rs:7:17', 'src/port.rs', 7],
      ['# example.com/demo\n./main.go:6:14: undefined: total', 'main.go', 6],
      ['\n/w/src/app.js\n  4:13  error  \'missing\' is not defined  no-undef\n', 'src/app.js', 4],
      ["/w/src/x.js:2:10: 'y' is not defined. [Error/no-undef]", 'src/x.js', 2],
      ['deploy.sh: 6: Syntax error: "fi" unexpected', 'deploy.sh', 6],
      ["release.sh: line 6: syntax error near unexpected token `fi'", 'release.sh', 6],
      ['setup.zsh:5: parse error near end of file', 'setup.zsh', 5],
      ['Makefile:2: *** missing separator.  Stop.', 'Makefile', 2],
      ['CMake Error at CMakeLists.txt:3 (find_package):', 'CMakeLists.txt', 3],
      ['psql:migrate.sql:3: ERROR:  syntax error at or near "SELEC"', 'migrate.sql', 3],
      ["check: check.c:6: main: Assertion `balance >= 0' failed.", 'check.c', 6],
      ["thread 'main' (24704) panicked at src/main.rs:4:40:\ncalled `Result::unwrap()`", 'src/main.rs', 4],
      ['goroutine 1 [running]:\nmain.register(...)\n\t/w/main.go:4\nmain.main()\n\t/w/main.go:9 +0x2e', 'main.go', 4],
      ['    #0 0x55d in main /w/heap.c:4\n    #1 0x7f in __libc_start_main', 'heap.c', 4],
    ];
    for (const [out, file, line] of cases) assert.deepEqual([locateFailure(out, ws)?.file, locateFailure(out, ws)?.line], [file, line], out);
  });

  it("follows make's Entering directory in recursive builds", () => {
    const out = "make[1]: Entering directory '/w/lib'\nlib.c:2:13: error: expected expression\nmake[1]: Leaving directory '/w/lib'";
    assert.equal(locateFailure(out, ws)?.file, 'lib/lib.c');
  });

  it('names files without a line: merge conflicts, package.json', () => {
    assert.deepEqual(locateFailure('CONFLICT (content): Merge conflict in notes.txt\nAutomatic merge failed', ws), { file: 'notes.txt' });
    assert.deepEqual(locateFailure('npm error Missing script: "build"', { workspaceRoot: '/w', cwd: '/w/app' }), { file: 'app/package.json' });
  });

  it('never points outside the workspace', () => {
    assert.equal(locateFailure('/etc/x.c:1:1: error: no', ws), undefined);
    assert.equal(locateFailure('../other/x.c:1:1: error: no', ws), undefined);
    assert.equal(locateFailure('sh: 1: foo: not found', ws), undefined);
    assert.equal(locateFailure('  File "/usr/lib/python3.11/json/decoder.py", line 3, in x', ws), undefined);
  });

  it('never throws, on any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.option(fc.string({ maxLength: 20 })), (text, cwd) => {
        const r = locateFailure(text, { workspaceRoot: '/w', cwd: cwd ?? undefined });
        assert.ok(r === undefined || (typeof r.file === 'string' && !r.file.startsWith('/')));
      }),
    );
  });
});
