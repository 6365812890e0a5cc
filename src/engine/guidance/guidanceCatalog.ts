import type { UserRule } from '../classify/ruleSchema';
import { BUILTIN_GUIDANCE } from './catalog';
import type { Guidance } from './guidance';

/**
 * Guidance by error code: the built-in catalog, plus entries from user rules (their `title` and
 * `guidance` text). A user rule for a built-in code replaces its explanation but keeps its actions.
 */
export class GuidanceCatalog {
  private readonly entries = new Map<string, Guidance>(BUILTIN_GUIDANCE);

  constructor(userRules: readonly UserRule[] = []) {
    userRules.forEach((rule, i) => {
      const base = this.entries.get(rule.code);
      if (!rule.guidance && !rule.title && base) return;
      const retryable = rule.retryable ?? rule.category === 'transient';
      this.entries.set(rule.code, {
        code: rule.code,
        title: rule.title ?? base?.title ?? rule.code,
        explanation: rule.guidance ?? base?.explanation ?? `Classified as ${rule.category} by rule ${i + 1} in .rebound/config.json.`,
        steps: rule.guidance ? [] : (base?.steps ?? []),
        actions: base?.actions ?? (retryable ? [{ kind: 'retry' }, { kind: 'openFile', path: '.rebound/config.json' }] : [{ kind: 'openFile', path: '.rebound/config.json' }]),
        source: `rules[${i}]`,
      });
    });
  }

  get(code: string): Guidance | undefined {
    return this.entries.get(code);
  }

  /** The entry for `code`, or the generic "unclassified" entry titled with the code. */
  resolve(code: string): Guidance {
    return this.entries.get(code) ?? { ...BUILTIN_GUIDANCE.get('RB-UNKNOWN-001')!, code, title: code };
  }

  codes(): string[] {
    return [...this.entries.keys()];
  }
}

export const builtinGuidance = new GuidanceCatalog();
