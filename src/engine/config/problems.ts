import type { z } from 'zod';
import { allowedKeysAt } from './allowedKeys';
import type { ConfigIssue, ValueReplacement } from './checks';
import { didYouMean } from './didYouMean';

/** A problem of .rebound/config.json at a place in the file (1-based lines and columns; end exclusive). */
export interface ConfigProblem {
  file: string;
  /** The JSON path of the offending value (for an unknown key: the key itself). */
  path: (string | number)[];
  /** The path as text: `tasks.build.retry.maxAttempts`, `tasks.deploy.steps[1].name`. */
  pathText: string;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: 'error';
  /** Set for an unknown key: the key, and the allowed key it is a likely typo of (what a quick fix renames it to). */
  unknownKey?: UnknownKey;
  /** Set for a string value that is a likely typo of an allowed value or a defined name (what a quick fix changes it to). */
  replacement?: ValueReplacement;
}

export interface UnknownKey {
  key: string;
  /** An allowed key at that place, not yet present, within two edits of `key`. */
  suggestion?: string;
}

/** Where a problem should be shown: on the value at its path, or on the key that ends its path. */
export interface LocatedIssue extends ConfigIssue {
  on: 'value' | 'key';
  /** An explicit place (offsets, end exclusive) that wins over the path. */
  range?: { start: number; end: number };
  unknownKey?: UnknownKey;
}

/** What the issues were found in: lets an unknown key be matched against the keys allowed at its place. */
export interface IssueSource {
  /** The schema the value was checked with (issue paths are relative to it). */
  schema: z.core.$ZodType;
  value: unknown;
}

/** `tasks.build.retry`, `steps[0].name`, `env["A B"]`. */
export function pathText(path: readonly (string | number)[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(k)) out += out ? `.${k}` : k;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}

/** One problem as a line: `file:3:5: tasks.build.retry: message`. */
export function formatConfigProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.pathText || '(root)'}: ${p.message}`;
}

type Path = (string | number)[];
type Issue = z.core.$ZodIssue;

/**
 * zod issues as located issues with readable messages; union failures are narrowed to the branch
 * that fits. With `source`, an unknown key close to an allowed key that is not there yet says
 * "did you mean ...?".
 */
export function fromZodIssues(issues: readonly Issue[], prefix: Path = [], source?: IssueSource, inner: Path = []): LocatedIssue[] {
  const out: LocatedIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as Path)];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const suggestion = source ? suggestKey(source, [...inner, ...(issue.path as Path)], key) : undefined;
          out.push({
            path: [...path, key],
            message: `unknown key "${key}"${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
            on: 'key',
            unknownKey: suggestion ? { key, suggestion } : { key },
          });
        }
        break;
      case 'invalid_key': {
        const why = issue.issues.map((i) => i.message).join('; ');
        out.push({ path, message: `invalid key "${String(path[path.length - 1])}": ${why}`, on: 'key' });
        break;
      }
      case 'invalid_union':
        out.push(...fromUnion(issue, path, source, [...inner, ...(issue.path as Path)]));
        break;
      case 'invalid_type':
        if (/received undefined$/.test(issue.message) && path.length > 0) {
          out.push({ path, message: `missing required key "${String(path[path.length - 1])}" (${issue.expected})`, on: 'value' });
        } else out.push({ path, message: humanize(issue), on: 'value' });
        break;
      case 'custom': {
        // The cross-key checks (see checks.ts) pass their suggested replacement along.
        const replacement = (issue.params as { replacement?: ValueReplacement } | undefined)?.replacement;
        out.push(replacement ? { path, message: humanize(issue), on: 'value', replacement } : { path, message: humanize(issue), on: 'value' });
        break;
      }
      case 'invalid_value': {
        // A misspelt enum value (a retry preset, a backoff kind…): say which value was meant.
        const value = source ? valueAt(source.value, [...inner, ...(issue.path as Path)]) : undefined;
        const suggestion = typeof value === 'string' ? didYouMean(value, issue.values.filter((v): v is string => typeof v === 'string')) : undefined;
        out.push(
          typeof value === 'string' && suggestion
            ? { path, message: `${humanize(issue)}; did you mean "${suggestion}"?`, on: 'value', replacement: { value, suggestion } }
            : { path, message: humanize(issue), on: 'value' },
        );
        break;
      }
      default:
        out.push({ path, message: humanize(issue), on: 'value' });
    }
  }
  return out;
}

function valueAt(root: unknown, path: Path): unknown {
  let here = root;
  for (const k of path) here = here !== null && typeof here === 'object' ? (here as Record<string | number, unknown>)[k] : undefined;
  return here;
}

/** The allowed key at `objectPath` (relative to the source's schema) closest to `key`, among those not present. */
function suggestKey(source: IssueSource, objectPath: Path, key: string): string | undefined {
  const allowed = allowedKeysAt(source.schema, objectPath, source.value);
  if (!allowed) return undefined;
  let here: unknown = source.value;
  for (const k of objectPath) here = here !== null && typeof here === 'object' ? (here as Record<string | number, unknown>)[k] : undefined;
  const present = here !== null && typeof here === 'object' ? new Set(Object.keys(here)) : new Set<string>();
  return didYouMean(key, allowed.filter((k) => !present.has(k)));
}

function fromUnion(issue: z.core.$ZodIssueInvalidUnion, path: Path, source: IssueSource | undefined, inner: Path): LocatedIssue[] {
  if (issue.errors.length === 0) return [{ path, message: issue.message, on: 'value' }];
  // A branch of the wrong type fails at its root: invalid_type (an object for a string), or
  // invalid_value (a string outside an enum, or any non-string for an enum). Prefer the branch that fits best.
  const misfit = (branch: readonly Issue[]) => Math.max(0, ...branch.filter((i) => i.path.length === 0).map((i) => (i.code === 'invalid_type' ? 2 : i.code === 'invalid_value' ? 1 : 0)));
  const best = issue.errors.reduce((a, b) => (misfit(b) < misfit(a) ? b : a));
  if (misfit(best) < 2) return fromZodIssues(best, path, source, inner);
  const expected = issue.errors.flatMap((branch) =>
    branch.map((i) => {
      if (i.code === 'invalid_type') return i.expected === 'object' ? 'an object' : i.expected === 'array' ? 'an array' : `a ${i.expected}`;
      if (i.code === 'invalid_value') return `one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
      return i.message;
    }),
  );
  return [{ path, message: `expected ${[...new Set(expected)].join(' or ')}`, on: 'value' }];
}

/** zod's default messages in the words of the rest of Rebound; custom messages are kept. */
function humanize(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.replace(/^Invalid input: /, '');
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}`;
    case 'too_small':
    case 'too_big': {
      if (!/^Too (small|big): /.test(issue.message)) return issue.message;
      const small = issue.code === 'too_small';
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string' && small && Number(limit) === 1) return 'must not be empty';
      if (issue.origin === 'string') return `must have ${small ? 'at least' : 'at most'} ${limit} character(s)`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${small ? 'at least' : 'at most'} ${limit} item(s)`;
      return `must be ${small ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than'} ${limit}`;
    }
    default:
      return issue.message;
  }
}
