/**
 * Runs mocha on the given files in this process and writes the counts to a JSON file: the harness
 * starts it under another Node (the node:sqlite pass of the unit phase runs on Node 22).
 *
 *   node out/test/harness/mochaChild.js <name> <results.json> <file.test.js>...
 */
import { writeFileSync } from 'node:fs';
import { runMocha } from './mochaPhase';

const [name, results, ...files] = process.argv.slice(2);
runMocha(name, files).then(
  (r) => {
    writeFileSync(results, JSON.stringify(r));
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
