/**
 * `npm run bench -- [NAME ...]`: runs the named benchmarks (all when none is named). Each one
 * measures Rebound side by side with the libraries a user would otherwise pick, in this one run on
 * this machine, and reports ratios. Benchmarks report numbers; they never fail a build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const BENCHES = ['store', 'engine', 'simulation', 'migrations', 'views', 'host'] as const;

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(BENCHES as readonly string[]).includes(w));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${BENCHES.join(', ')}\n`);
    return 2;
  }
  const names = wanted.length ? wanted : [...BENCHES];
  process.stdout.write(`Rebound benchmarks on Node ${process.version}, ${process.platform}/${process.arch}\n`);
  for (const name of names) {
    const file = join(__dirname, `${name}.js`);
    if (!existsSync(file)) {
      process.stderr.write(`benchmark ${name}: ${file} is missing (run through npm run bench)\n`);
      return 1;
    }
    process.stdout.write(`\n== ${name} ==\n`);
    const mod = (await import(file)) as { run(report: (line: string) => void): Promise<void> };
    await mod.run((line) => process.stdout.write(`${line}\n`));
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
