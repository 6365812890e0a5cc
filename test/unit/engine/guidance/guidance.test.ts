import assert from 'node:assert/strict';
import { BUILTIN_RULES } from '../../../../src/engine/classify';
import { ERROR_KINDS } from '../../../../src/engine/errors';
import { EVENT_FILE, GuidanceCatalog, QUICK_FIXES, builtinGuidance } from '../../../../src/engine/guidance';

describe('guidance catalog', () => {
  it('has an entry with title, explanation and steps for every built-in code', () => {
    const codes = new Set<string>(['RB-UNKNOWN-001', ...BUILTIN_RULES.map((r) => r.code), ...ERROR_KINDS.map((k) => k.defaults.code)]);
    for (const code of codes) {
      const g = builtinGuidance.get(code);
      assert.ok(g, `guidance for ${code}`);
      assert.ok(g.title.length > 0 && g.explanation.length > 0 && g.steps.length > 0, code);
      for (const a of g.actions) if (a.kind === 'quickFix') assert.ok(a.id in QUICK_FIXES, `${code}: ${a.id}`);
    }
  });

  it('offers retry only for codes whose rule is retryable or transient', () => {
    for (const r of BUILTIN_RULES) {
      const retry = builtinGuidance.get(r.code)!.actions.some((a) => a.kind === 'retry');
      if (retry) assert.ok(r.retryable || r.category === 'transient', r.code);
    }
  });

  it('never suggests retrying code, type, lint, test or business failures', () => {
    for (const r of BUILTIN_RULES) {
      if (!/^RB-(?:BUILD|CODE|TEST|BUSINESS|SHELL|NPM)-/.test(r.code) && r.category !== 'business') continue;
      const g = builtinGuidance.get(r.code)!;
      assert.ok(!g.actions.some((a) => a.kind === 'retry' || (a.kind === 'quickFix' && a.id === 'rebound.addRetry')), r.code);
      assert.ok(!/\bretr(?:y|ies|ied)\b/i.test([g.explanation, ...g.steps].join(' ')), `${r.code}: ${g.steps.join(' ')}`);
    }
  });

  it('fills the event file into its actions and steps; without a file, no placeholder is left', () => {
    const where = builtinGuidance.resolve('RB-BUILD-TS', { file: 'src/port.ts', line: 1 });
    assert.deepEqual(where.actions, [{ kind: 'openFile', path: 'src/port.ts', line: 1 }]);
    assert.equal(where.steps[0], 'Open src/port.ts:1.');
    for (const code of builtinGuidance.codes()) {
      const g = builtinGuidance.resolve(code);
      assert.ok(!g.actions.some((a) => a.kind === 'openFile' && a.path === EVENT_FILE), `${code}: ${JSON.stringify(g.actions)}`);
      assert.ok(!/\$\{(?:file|line|task|step|code)\}/.test(JSON.stringify(g)), code);
    }
  });

  it('adds user rules: their own text, or a built-in entry with a new explanation', () => {
    const c = new GuidanceCatalog([
      { match: { output: 'x' }, category: 'transient', code: 'APP-DB-LOCKED', title: 'App DB locked', guidance: 'Stop the importer first.' },
      { match: { output: 'y' }, category: 'transient', code: 'RB-SQLITE-BUSY', guidance: 'Our DB is shared with the importer.' },
      { match: { output: 'z' }, category: 'permanent', code: 'APP-PLAIN' },
    ]);
    const app = c.get('APP-DB-LOCKED')!;
    assert.deepEqual([app.title, app.explanation, app.source], ['App DB locked', 'Stop the importer first.', 'rules[0]']);
    assert.ok(app.actions.some((a) => a.kind === 'retry'));
    const busy = c.get('RB-SQLITE-BUSY')!;
    assert.equal(busy.explanation, 'Our DB is shared with the importer.');
    assert.deepEqual(busy.actions, builtinGuidance.get('RB-SQLITE-BUSY')!.actions);
    assert.ok(!c.get('APP-PLAIN')!.actions.some((a) => a.kind === 'retry'));
    assert.equal(c.resolve('NOPE').title, 'NOPE');
  });
});
