import type { UserRule } from '../classify/ruleSchema';
import { guidanceCodeOf, isReboundCode } from '../errors/codes';
import { BUILTIN_GUIDANCE } from './catalog';
import { forEvent, type Guidance, type GuidanceWhere } from './guidance';

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

  /** The entry for `code`, filled in for the event at `where` (its file, or no file action at all). */
  get(code: string, where?: GuidanceWhere): Guidance | undefined {
    const g = this.entries.get(code) ?? derived(this.entries, code);
    return g && forEvent(g, where);
  }

  /** The entry for `code`, or the generic "unclassified" entry titled with the code; filled in for `where`. */
  resolve(code: string, where?: GuidanceWhere): Guidance {
    return forEvent(this.entries.get(code) ?? derived(this.entries, code) ?? { ...BUILTIN_GUIDANCE.get('RB-UNKNOWN-001')!, code, title: code }, where);
  }

  codes(): string[] {
    return [...this.entries.keys()];
  }
}

/** A finer Rebound code (RB-LOCK-MIGRATE) explained by the entry it derives from (RB-LOCK-001). */
function derived(entries: ReadonlyMap<string, Guidance>, code: string): Guidance | undefined {
  if (!isReboundCode(code)) return undefined;
  const base = entries.get(guidanceCodeOf(code));
  return base && { ...base, code };
}

export const builtinGuidance = new GuidanceCatalog();
