import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import { failureLine, type PhaseResult } from './phase';

export function findFiles(dir: string, suffix: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findFiles(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

/** Runs mocha in this process with the spec reporter and returns the counts. */
export function runMocha(name: string, files: string[], options: Mocha.MochaOptions = {}): Promise<PhaseResult> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 10_000, ...options });
  if (process.env.REBOUND_TEST_GREP) mocha.grep(process.env.REBOUND_TEST_GREP);
  // The same files may run again in this process (the UI suites once per VS Code of the matrix):
  // a test file still in require's cache would not define its tests a second time.
  for (const f of files) {
    delete require.cache[require.resolve(f)];
    mocha.addFile(f);
  }
  return new Promise((resolve) => {
    const errors: string[] = [];
    const runner = mocha.run(() => {
      const stats = runner.stats!;
      // A phase that ran no test at all has failed, whatever its files say.
      if (stats.passes + stats.failures === 0 && !process.env.REBOUND_TEST_GREP) {
        resolve({ name, passed: 0, failed: 1, errors: [`${name}: no test ran (${files.length} test files)`] });
        return;
      }
      resolve({ name, passed: stats.passes, failed: stats.failures, errors });
    });
    runner.on('fail', (t, err) => errors.push(failureLine(t.fullTitle(), err)));
  });
}
