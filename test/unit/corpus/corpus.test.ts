import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultClassifier } from '../../../src/engine/classify';
import { headlineFor } from '../../../src/engine/events';
import { locateFailure } from '../../../src/engine/locate';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'corpus', 'cases');

/** One real failure: what a tool printed (stderr merged into stdout), how it ended, and what it is. */
interface Sample {
  id: string;
  tool: string;
  command: string;
  /** "generated: ..." (run on this machine by generate.mjs) or the URL it was copied from. */
  source: string;
  /** The workspace folder it ran in, and the folder of the command (relative to it). */
  root: string;
  cwd: string;
  exitCode: number | null;
  signal: string | null;
  output: string;
  expected: { category: string; code: string; file: string | null; line: number | null };
}

function load(): Map<string, Sample[]> {
  const families = new Map<string, Sample[]>();
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.json')).sort()) {
    families.set(f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Sample[]);
  }
  return families;
}

export interface Verdict {
  category: boolean;
  code: boolean;
  /** Undefined when the sample names no file. */
  location?: boolean;
  /** A file pointed at when the output names none of the workspace's. */
  spurious: boolean;
  got: { category: string; code: string; file?: string; line?: number; title?: string };
}

/** What Rebound makes of a sample, as a task runner would see it (message, output, exit code, signal). */
export function judge(s: Sample): Verdict {
  const message = s.signal ? `Step "run" of task "job" was killed by ${s.signal}` : `Step "run" of task "job" exited with code ${s.exitCode}`;
  const c = defaultClassifier.classify({ message, output: s.output, exitCode: s.exitCode, signal: s.signal, component: 'tasks', task: 'job' });
  const loc = locateFailure(s.output, { workspaceRoot: s.root, cwd: s.cwd });
  const e = s.expected;
  const location = e.file === null ? undefined : loc?.file === e.file && (e.line === null || loc.line === e.line);
  return {
    category: c.category === e.category,
    code: c.code === e.code,
    location,
    spurious: e.file === null && loc !== undefined,
    got: { category: c.category, code: c.code, file: loc?.file, line: loc?.line, title: headlineFor({ output: s.output, evidence: c.evidence, code: c.code, exitCode: s.exitCode, signal: s.signal }) },
  };
}

const pct = (n: number, d: number) => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);

describe('the failure corpus (test/fixtures/corpus: real output of real tools)', () => {
  const families = load();
  const all = [...families.values()].flat();

  it('holds at least 150 real failures, each with its source and expectations', () => {
    assert.ok(all.length >= 150, `${all.length} samples`);
    const ids = new Set<string>();
    for (const s of all) {
      assert.ok(!ids.has(s.id), `duplicate id ${s.id}`);
      ids.add(s.id);
      assert.ok(s.source.startsWith('generated: ') || /^https:\/\//.test(s.source), `${s.id}: source ${s.source}`);
      assert.ok(s.exitCode !== 0, `${s.id}: exit 0`);
    }
  });

  it('classifies >= 98 % of the categories and points at >= 95 % of the files and lines, per family', () => {
    const rows: string[] = [];
    const misses: string[] = [];
    let cat = 0;
    let code = 0;
    let located = 0;
    let locatable = 0;
    let spurious = 0;
    rows.push(`      ${'family'.padEnd(12)} ${'n'.padStart(4)}  category    code  file:line   (n)  no false file`);
    for (const [family, samples] of families) {
      let c = 0;
      let k = 0;
      let l = 0;
      let ln = 0;
      let sp = 0;
      for (const s of samples) {
        const v = judge(s);
        if (v.category) c++;
        if (v.code) k++;
        if (v.location !== undefined) {
          ln++;
          if (v.location) l++;
        }
        if (v.spurious) sp++;
        if (!v.category || !v.code || v.location === false || v.spurious) {
          misses.push(`      ${s.id}: expected ${s.expected.category} ${s.expected.code} ${s.expected.file ?? '-'}:${s.expected.line ?? '-'}, got ${v.got.category} ${v.got.code} ${v.got.file ?? '-'}:${v.got.line ?? '-'}`);
        }
      }
      const nf = samples.length - ln;
      rows.push(`      ${family.padEnd(12)} ${String(samples.length).padStart(4)}  ${pct(c, samples.length)}  ${pct(k, samples.length)}  ${pct(l, ln)} ${String(ln).padStart(5)}  ${pct(nf - sp, nf)}`);
      cat += c;
      code += k;
      located += l;
      locatable += ln;
      spurious += sp;
    }
    const nf = all.length - locatable;
    rows.push(`      ${'all'.padEnd(12)} ${String(all.length).padStart(4)}  ${pct(cat, all.length)}  ${pct(code, all.length)}  ${pct(located, locatable)} ${String(locatable).padStart(5)}  ${pct(nf - spurious, nf)}`);
    console.log(`\n      Corpus accuracy (category, code, file:line where the output names one, no file where it names none):\n${rows.join('\n')}`);
    if (misses.length) console.log(`      Misses:\n${misses.join('\n')}`);
    assert.ok(cat / all.length >= 0.98, `category ${pct(cat, all.length)}`);
    assert.ok(located / locatable >= 0.95, `file:line ${pct(located, locatable)}`);
  });

  it('gives every sample a headline (the issue title) that is not the generic step message', () => {
    for (const s of all) {
      const title = judge(s).got.title;
      assert.ok(title && title.length > 0 && !/^Step "/.test(title), `${s.id}: ${title}`);
    }
  });
});
