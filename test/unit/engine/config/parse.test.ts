import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configSchema, formatConfigProblem, parseConfig, pathText } from '../../../../src/engine/config';
import { assertSpans, at, problemAt, problemsOf } from './helpers';

/** The repository root (tests run from out/test/unit/engine/config). */
const ROOT = resolve(__dirname, '..', '..', '..', '..', '..');

/** The example of "The public surface" in DESIGN.md, verbatim. */
const DESIGN_EXAMPLE = `{
  "tasks": {
    "build": {
      "command": "npm run build",
      "cwd": ".", "env": { "CI": "1" }, "timeoutMs": 600000,
      "retry": "standard",
      "breaker": "registry",
      "fallback": "build-offline",
      "problems": ["tsc", "eslint"]
    },
    "deploy": {
      "steps": [
        { "name": "upload", "command": "./upload.sh", "undo": "./delete-upload.sh" },
        { "name": "switch", "command": "./switch.sh", "undo": "./switch-back.sh" }
      ],
      "retry": { "maxAttempts": 5, "backoff": { "kind": "exponential", "baseMs": 1000,
                 "maxMs": 30000, "jitter": "decorrelated" } }
    }
  },
  "databases": { "app": { "path": "data/app.db", "migrations": "migrations" } },
  "breakers": { "registry": { "kind": "consecutive", "threshold": 5, "halfOpenAfterMs": 60000 } },
  "rules": [ { "match": { "output": "database is locked" }, "category": "transient",
               "code": "APP-DB-LOCKED", "severity": "MEDIUM", "guidance": "..." } ],
  "retention": { "days": 30 }
}`;

describe('config: parseConfig', () => {
  describe('valid files', () => {
    it('accepts the DESIGN.md example once its fallback task exists, and resolves its tasks', () => {
      const text = DESIGN_EXAMPLE.replace('"deploy": {', '"build-offline": { "command": "npm run build -- --offline" },\n    "deploy": {');
      const r = parseConfig(text, 'config.json');
      assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
      assert.deepEqual([...r.tasks.keys()], ['build', 'build-offline', 'deploy']);
      const build = r.tasks.get('build')!;
      assert.deepEqual(build.steps, [{ name: 'build', command: 'npm run build' }]);
      assert.deepEqual(build.breaker, { name: 'registry', config: { kind: 'consecutive', threshold: 5, halfOpenAfterMs: 60000 } });
      assert.equal(build.fallback, 'build-offline');
      assert.deepEqual(build.problems, ['tsc', 'eslint']);
      assert.equal(r.tasks.get('deploy')!.steps[1].undo, './switch-back.sh');
      assert.equal(r.config.databases?.app.path, 'data/app.db');
      assert.equal(r.config.retention?.days, 30);
    });

    it('reports the one thing wrong with the DESIGN.md example as given: its fallback task is not defined', () => {
      const problems = problemsOf(DESIGN_EXAMPLE);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0].message, /fallback "build-offline" is not a task in this file/);
      assertSpans(DESIGN_EXAMPLE, problemAt(problems, 'tasks.build.fallback'), '"build-offline"');
    });

    it('parses demo/.rebound/config.json and every test/fixtures/*/.rebound/config.json', () => {
      const files = [join(ROOT, 'demo', '.rebound', 'config.json')];
      for (const name of readdirSync(join(ROOT, 'test', 'fixtures'))) {
        const f = join(ROOT, 'test', 'fixtures', name, '.rebound', 'config.json');
        if (existsSync(f)) files.push(f);
      }
      assert.ok(files.length >= 3, files.join(', '));
      for (const f of files) {
        const r = parseConfig(readFileSync(f, 'utf8'), f);
        assert.ok(r.ok, `${f}: ${!r.ok && r.problems.map(formatConfigProblem).join('\n')}`);
      }
      const demo = parseConfig(readFileSync(files[0], 'utf8'), files[0]);
      assert.ok(demo.ok && demo.tasks.get('report')?.breaker?.name === 'reporting');
    });

    it('allows comments and trailing commas; an empty or comment-only file is an empty config', () => {
      const r = parseConfig('{\n  // the build\n  "tasks": { "b": { "command": "make", /* fast */ }, },\n}\n', 'c.json');
      assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
      assert.deepEqual([...r.tasks.keys()], ['b']);
      for (const text of ['', '  \n', '// nothing yet\n']) {
        const e = parseConfig(text, 'c.json');
        assert.ok(e.ok && e.tasks.size === 0, JSON.stringify(text));
      }
    });

    it('accepts inline problem patterns whose groups exist', () => {
      const r = parseConfig(JSON.stringify({ tasks: { t: { command: 'x', problems: ['gcc', { regexp: '^(.+):(\\d+):(\\d+): (.*)$', file: 1, line: 2, column: 3, message: 4 }] } } }), 'c.json');
      assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    });
  });

  describe('bad files: each problem has its JSON path and its place', () => {
    it('an unknown key is shown on the key, at any depth', () => {
      const text = `{
  "tasks": {
    "build": { "command": "make", "comand": "make" }
  },
  "retentoin": { "days": 3 }
}`;
      const problems = problemsOf(text);
      assert.equal(problems.length, 2);
      const p = problemAt(problems, 'tasks.build.comand');
      assert.equal(p.message, 'unknown key "comand"');
      assertSpans(text, p, '"comand"');
      assertSpans(text, problemAt(problems, 'retentoin'), '"retentoin"');
      assert.deepEqual(p.path, ['tasks', 'build', 'comand']);
      assert.equal(p.severity, 'error');
    });

    it('a wrong type or value is shown on the value: tasks.build.retry.maxAttempts', () => {
      const text = `{
  "tasks": {
    "build": {
      "command": "make",
      "retry": { "maxAttempts": 0 },
      "timeoutMs": "10s"
    },
    "lint": { "command": "eslint .", "retry": "sometimes" }
  }
}`;
      const problems = problemsOf(text);
      const max = problemAt(problems, 'tasks.build.retry.maxAttempts');
      assert.match(max.message, /at least 1/);
      assertSpans(text, max, '0 }', 1, 1);
      assertSpans(text, problemAt(problems, 'tasks.build.timeoutMs'), '"10s"');
      const retry = problemAt(problems, 'tasks.lint.retry');
      assert.match(retry.message, /one of "quick", "standard", "patient", "network", "none"/);
      assertSpans(text, retry, '"sometimes"');
    });

    it('a task with neither command nor steps: "missing command" on the task name', () => {
      const text = `{
  "tasks": {
    "build": { "cwd": "src" }
  }
}`;
      const p = problemAt(problemsOf(text), 'tasks.build.command');
      assert.match(p.message, /missing command/);
      assertSpans(text, p, '"build"');
    });

    it('a task with both command and steps, duplicate and missing step names, an empty command', () => {
      const text = `{
  "tasks": {
    "both": { "command": "a", "steps": [{ "name": "s", "command": "b" }] },
    "dup": {
      "steps": [
        { "name": "upload", "command": "up" },
        { "name": "upload", "command": "  " },
        { "command": "x" }
      ]
    }
  }
}`;
      const problems = problemsOf(text);
      assert.match(problemAt(problems, 'tasks.both.steps').message, /both "command" and "steps"/);
      assertSpans(text, problemAt(problems, 'tasks.both.steps'), '"steps"');
      const dup = problemAt(problems, 'tasks.dup.steps[1].name');
      assert.match(dup.message, /duplicate step name "upload" \(step 1/);
      assertSpans(text, dup, '"upload"', 2);
      const empty = problemAt(problems, 'tasks.dup.steps[1].command');
      assert.match(empty.message, /must not be empty/);
      assertSpans(text, empty, '"  "');
      const missing = problemAt(problems, 'tasks.dup.steps[2].name');
      assert.match(missing.message, /missing required key "name"/);
      assertSpans(text, missing, '{ "command": "x" }');
      assert.deepEqual(
        problems.map((p) => p.line),
        [...problems.map((p) => p.line)].sort((a, b) => a - b),
        'problems are in file order',
      );
    });

    it('a fallback that names an unknown task, or the task itself', () => {
      const text = `{
  "tasks": {
    "a": { "command": "x", "fallback": "nope" },
    "b": { "command": "y", "fallback": "b" }
  }
}`;
      const problems = problemsOf(text);
      const unknown = problemAt(problems, 'tasks.a.fallback');
      assert.equal(unknown.message, 'fallback "nope" is not a task in this file (tasks: b)');
      assertSpans(text, unknown, '"nope"');
      const self = problemAt(problems, 'tasks.b.fallback');
      assert.equal(self.message, 'task "b" names itself as fallback');
      assertSpans(text, self, '"b" }', 1, 3);
    });

    it('a fallback cycle is reported on every task in it, naming the cycle', () => {
      const text = `{
  "tasks": {
    "a": { "command": "x", "fallback": "b" },
    "b": { "command": "y", "fallback": "c" },
    "c": { "command": "z", "fallback": "a" },
    "d": { "command": "w", "fallback": "a" }
  }
}`;
      const problems = problemsOf(text);
      assert.equal(problems.length, 3, JSON.stringify(problems));
      assert.equal(problemAt(problems, 'tasks.a.fallback').message, 'fallback cycle: a → b → c → a');
      assert.equal(problemAt(problems, 'tasks.b.fallback').message, 'fallback cycle: b → c → a → b');
      assert.equal(problemAt(problems, 'tasks.c.fallback').message, 'fallback cycle: c → a → b → c');
      assertSpans(text, problemAt(problems, 'tasks.c.fallback'), '"a" }', 1, 3);
      assert.ok(parseConfig(text.replace('"fallback": "a" },\n    "d"', '"retry": "none" },\n    "d"'), 'c.json').ok, 'breaking the cycle fixes it');
    });

    it('a breaker key that is not defined in "breakers"', () => {
      const text = `{
  "tasks": { "a": { "command": "x", "breaker": "registy" } },
  "breakers": { "registry": { "kind": "consecutive", "threshold": 3 } }
}`;
      const p = problemAt(problemsOf(text), 'tasks.a.breaker');
      assert.equal(p.message, 'breaker "registy" is not defined in "breakers"; did you mean "registry"?');
      assertSpans(text, p, '"registy"');
    });

    it('a missing required key is shown on the nearest existing parent', () => {
      const text = `{
  "breakers": {
    "r": { "kind": "rate", "threshold": 0.5 }
  }
}`;
      const p = problemAt(problemsOf(text), 'breakers.r.windowMs');
      assert.match(p.message, /missing required key "windowMs"/);
      assertSpans(text, p, '"r"');
    });

    it('problem patterns: an unknown matcher, a regexp that does not compile, group numbers', () => {
      const text = `{
  "tasks": {
    "t": {
      "command": "x",
      "problems": [
        "tsx",
        { "regexp": "(unclosed", "file": 1, "line": 1, "message": 1 },
        { "regexp": "^(.+):(\\\\d+)$", "file": 1, "line": 2, "message": 3 },
        { "regexp": "(a)", "file": 0, "line": 1.5, "message": 1 }
      ]
    }
  }
}`;
      const problems = problemsOf(text);
      const matcher = problemAt(problems, 'tasks.t.problems[0]');
      assert.match(matcher.message, /one of "tsc", "eslint"/);
      assertSpans(text, matcher, '"tsx"');
      assertSpans(text, problemAt(problems, 'tasks.t.problems[1].regexp'), '"(unclosed"');
      const group = problemAt(problems, 'tasks.t.problems[2].message');
      assert.equal(group.message, 'capture group 3 does not exist: the regexp has 2 group(s)');
      assertSpans(text, group, '3 }', 1, 1);
      assert.match(problemAt(problems, 'tasks.t.problems[3].file').message, /1 or more/);
      assert.match(problemAt(problems, 'tasks.t.problems[3].line').message, /expected int/);
    });

    it('task and env names must be identifiers', () => {
      const text = `{
  "tasks": {
    "my build": { "command": "x" },
    "ok": { "command": "x", "env": { "BAD-NAME": "1", "OK": 2 } }
  }
}`;
      const problems = problemsOf(text);
      const name = problemAt(problems, 'tasks["my build"]');
      assert.match(name.message, /invalid key "my build": a task name must be/);
      assertSpans(text, name, '"my build"');
      assertSpans(text, problemAt(problems, 'tasks.ok.env.BAD-NAME'), '"BAD-NAME"');
      assertSpans(text, problemAt(problems, 'tasks.ok.env.OK'), '2 }', 1, 1);
    });

    it('a key given twice is shown on the later one', () => {
      const text = `{
  "tasks": { "a": { "command": "x" } },
  "tasks": { "b": { "command": "y" } }
}`;
      const p = problemAt(problemsOf(text), 'tasks');
      assert.match(p.message, /duplicate key "tasks"/);
      assertSpans(text, p, '"tasks"', 2);
    });

    it('JSON syntax errors are reported where they are, and nothing else', () => {
      const text = `{
  "tasks": {
    "a": { "command": "x" }
    "b": { "command": "y" }
  }
}`;
      const problems = problemsOf(text);
      assert.equal(problems.length, 1);
      assert.match(problems[0].message, /not valid JSON: a comma is expected/);
      assert.deepEqual({ line: problems[0].line, column: problems[0].column }, at(text, '"b"'));
      const unclosed = problemsOf('{ "tasks": { "a": { "command": "x }\n}');
      assert.match(unclosed[0].message, /not valid JSON/);
    });

    it('the file must hold an object', () => {
      const p = problemsOf('\n[1, 2]\n');
      assert.equal(p.length, 1);
      assert.match(p[0].message, /must hold a JSON object/);
      assert.deepEqual([p[0].line, p[0].column, p[0].endLine, p[0].endColumn], [2, 1, 2, 7]);
    });

    it('counts columns on CRLF files like editors do', () => {
      const text = '{\r\n  "tasks": {\r\n    "a": { "command": "" }\r\n  }\r\n}\r\n';
      const p = problemAt(problemsOf(text), 'tasks.a.command');
      assert.deepEqual([p.line, p.column, p.endLine, p.endColumn], [3, 23, 3, 25]);
    });
  });

  describe('the zod schema on its own', () => {
    it('runs the cross-key checks when the structure is valid', () => {
      const r = configSchema.safeParse({ tasks: { a: { command: 'x', fallback: 'a' }, b: { cwd: '.' } } });
      assert.equal(r.success, false);
      assert.deepEqual(r.error!.issues.map((i) => i.path.join('.')).sort(), ['tasks.a.fallback', 'tasks.b.command']);
    });

    it('pathText and formatConfigProblem', () => {
      assert.equal(pathText(['tasks', 'build', 'retry', 'maxAttempts']), 'tasks.build.retry.maxAttempts');
      assert.equal(pathText(['tasks', 'deploy', 'steps', 1, 'name']), 'tasks.deploy.steps[1].name');
      assert.equal(pathText(['tasks', 'a.b', 'env', 'X Y']), 'tasks["a.b"].env["X Y"]');
      const [p] = problemsOf('{ "tasks": { "a": { "command": 1 } } }');
      assert.equal(formatConfigProblem(p), '/ws/.rebound/config.json:1:32: tasks.a.command: expected string, received number');
    });
  });
});
