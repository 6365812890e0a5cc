import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, isConfigurationError } from '../../../src/engine/errors';
import { ConfigFileError, configProblemsOf, loadConfig } from '../../../src/runner/config';
import { readDatabasesSection } from '../../../src/runner/migrations';

describe('runner: loadConfig (real files)', () => {
  let root: string;
  let file: string;
  const write = (text: string) => {
    mkdirSync(join(root, '.rebound'), { recursive: true });
    writeFileSync(file, text);
  };
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    assert.fail('nothing was thrown');
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rebound-config-test-'));
    file = join(root, '.rebound', 'config.json');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a missing file is an empty config', () => {
    const loaded = loadConfig(root);
    assert.equal(loaded.exists, false);
    assert.equal(loaded.file, file);
    assert.deepEqual(loaded.config, {});
    assert.equal(loaded.tasks.size, 0);
  });

  it('loads a valid file with comments and resolves its tasks', () => {
    write('{\n  // build it\n  "tasks": { "build": { "command": "make", "retry": "quick" } }\n}\n');
    const loaded = loadConfig(root);
    assert.equal(loaded.exists, true);
    assert.deepEqual(loaded.tasks.get('build')?.steps, [{ name: 'build', command: 'make' }]);
    assert.equal(loaded.tasks.get('build')?.retry, 'quick');
  });

  it('a bad file throws a ConfigurationError naming the file, line:column and path of each problem', () => {
    write(`{
  "tasks": {
    "build": { "command": "make", "retry": { "maxAttempts": 0 }, "fallback": "test" },
    "test": { "command": "make test", "fallback": "build", "typo": 1 }
  }
}
`);
    const err = thrown(() => loadConfig(root));
    assert.ok(err instanceof ConfigurationError);
    assert.ok(err instanceof ConfigFileError);
    assert.ok(isConfigurationError(err));
    assert.equal(err.code, 'RB-CONFIG-001');
    assert.equal(err.context.file, file);
    assert.equal(err.context.line, 3);
    const lines = err.message.split('\n');
    assert.equal(lines[0], `${file} has 4 problems:`);
    assert.ok(lines.includes(`  ${file}:3:61: tasks.build.retry.maxAttempts: must be at least 1`), err.message);
    assert.ok(lines.includes(`  ${file}:3:78: tasks.build.fallback: fallback cycle: build → test → build`), err.message);
    assert.ok(lines.includes(`  ${file}:4:60: tasks.test.typo: unknown key "typo"`), err.message);
    assert.equal(configProblemsOf(err).length, 4);
    assert.deepEqual(configProblemsOf(new Error('x')), []);
  });

  it('shows the first five problems and counts the rest', () => {
    const tasks = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`t${i}`, { cwd: '.' }]));
    write(JSON.stringify({ tasks }, null, 2));
    const err = thrown(() => loadConfig(root)) as ConfigFileError;
    assert.equal(err.problems.length, 8);
    assert.match(err.message, /has 8 problems:/);
    assert.equal(err.message.split('\n').filter((l) => /missing command/.test(l)).length, 5);
    assert.match(err.message, /… and 3 more$/);
  });

  it('invalid JSON and an unreadable file are ConfigurationErrors too', () => {
    write('{ "tasks": { ');
    const syntax = thrown(() => loadConfig(root)) as ConfigFileError;
    assert.match(syntax.message, /config\.json:1:\d+: \(root\): not valid JSON/);
    rmSync(file);
    mkdirSync(file);
    const unreadable = thrown(() => loadConfig(root));
    assert.ok(isConfigurationError(unreadable));
    assert.match((unreadable as Error).message, /cannot be read/);
  });

  describe('readDatabasesSection', () => {
    it('reads only the databases section (with comments): problems elsewhere do not stop migrations', () => {
      write('{\n  // targets\n  "databases": { "app": { "path": "app.db" } },\n  "tasks": { "broken": {} }\n}');
      assert.deepEqual(readDatabasesSection(root), { app: { path: 'app.db' } });
    });

    it('a bad databases section names the file, line:column and path', () => {
      write('{\n  "databases": {\n    "app": { "path": "app.db", "typo": true }\n  }\n}');
      const err = thrown(() => readDatabasesSection(root));
      assert.ok(isConfigurationError(err));
      assert.match((err as Error).message, /config\.json:3:32: databases\.app\.typo: unknown key "typo"/);
    });

    it('a missing file or section is no databases', () => {
      assert.deepEqual(readDatabasesSection(root), {});
      write('{ "tasks": {} }');
      assert.deepEqual(readDatabasesSection(root), {});
    });
  });
});
