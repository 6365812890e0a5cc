import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readdirSync, statSync } from 'node:fs';
import Mocha from 'mocha';

/**
 * The entry VS Code calls inside the extension host (`extensionTestsPath`). Runs every
 * `*.test.js` beside this file with mocha, prints each result with a `[rebound:test]` prefix (the
 * harness relays those lines) and writes the totals to $REBOUND_TEST_RESULTS when set.
 */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: TaggedReporter as unknown as string });
  const grep = process.env.REBOUND_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of findTests(join(__dirname, process.env.REBOUND_TEST_SUITE ?? 'suite'))) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const TAG = '[rebound:test]';

class TaggedReporter {
  constructor(runner: Mocha.Runner) {
    let passed = 0;
    let failed = 0;
    const failures: Array<{ title: string; error: string }> = [];
    const say = (line: string) => console.log(`${TAG} ${line}`);
    runner.on('suite', (s: Mocha.Suite) => {
      if (s.title) say(`${'  '.repeat(depth(s) - 1)}${s.title}`);
    });
    runner.on('pass', (t: Mocha.Test) => {
      passed++;
      say(`${'  '.repeat(depth(t.parent!))}✓ ${t.title} (${t.duration ?? 0} ms)`);
    });
    runner.on('fail', (t: Mocha.Test, err: Error) => {
      failed++;
      const full = t.fullTitle();
      failures.push({ title: full, error: err?.stack ?? String(err) });
      say(`${'  '.repeat(t.parent ? depth(t.parent) : 0)}✗ ${t.title}`);
      for (const l of String(err?.stack ?? err).split('\n').slice(0, 12)) say(`      ${l}`);
    });
    runner.once('end', () => {
      const summary = { passed, failed, failures };
      say(`RESULT ${JSON.stringify({ passed, failed })}`);
      const file = process.env.REBOUND_TEST_RESULTS;
      if (file) writeFileSync(file, JSON.stringify(summary));
    });
  }
}

function depth(s: Mocha.Suite): number {
  let d = 0;
  for (let p: Mocha.Suite | undefined = s; p && !p.root; p = p.parent) d++;
  return d;
}
