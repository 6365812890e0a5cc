import { createScanner, getNodeValue, parseTree, printParseErrorCode, stripComments, type Node, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import type { TaskDefinition } from '../tasks/definition';
import { semanticIssues } from './checks';
import { LineIndex } from '../migrations/text';
import { locate } from './locate';
import { fromZodIssues, pathText, type ConfigProblem, type LocatedIssue } from './problems';
import { resolveTasks } from './resolve';
import { configSchema, type ReboundConfig } from './schema';

export type ParseConfigResult = { ok: true; config: ReboundConfig; tasks: Map<string, TaskDefinition> } | { ok: false; problems: ConfigProblem[] };

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'invalid symbol',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name (in double quotes) is expected',
  ValueExpected: 'a value is expected',
  ColonExpected: 'a colon is expected',
  CommaExpected: 'a comma is expected',
  CloseBraceExpected: 'a closing brace "}" is expected',
  CloseBracketExpected: 'a closing bracket "]" is expected',
  EndOfFileExpected: 'the end of the file is expected (more than one value)',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'a comment is not closed',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is not finished',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

/**
 * Parses and validates the text of .rebound/config.json (JSON with comments and trailing commas).
 * Every problem carries its JSON path and its place in the text. A file with only whitespace and
 * comments is an empty config. On success, the tasks are resolved to the runner's definitions.
 */
export function parseConfig(text: string, file: string): ParseConfigResult {
  const doc = readDocument(text, file);
  if (doc.kind === 'empty') return success({});
  if (doc.kind === 'invalid') return { ok: false, problems: doc.problems };
  const { root, value, toProblems } = doc;

  const issues: LocatedIssue[] = duplicateKeys(root);
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    issues.push(...fromZodIssues(parsed.error.issues, [], { schema: configSchema, value }));
    // zod skips the cross-key checks when the structure has problems: run them on the raw value.
    const ranChecks = parsed.error.issues.some((i) => i.code === 'custom' && (i.params as { semantic?: boolean } | undefined)?.semantic);
    if (!ranChecks) issues.push(...semanticIssues(value).map((i) => ({ ...i, on: 'value' as const })));
  }
  if (issues.length === 0 && parsed.success) return success(parsed.data);
  return { ok: false, problems: toProblems(issues) };
}

export type ParseSectionResult<T> = { ok: true; value: T | undefined } | { ok: false; problems: ConfigProblem[] };

/**
 * One top-level section of .rebound/config.json (e.g. `databases`) validated with its own schema,
 * for readers that need only that section: problems elsewhere in the file are not reported, but
 * JSON syntax errors are. `value` is undefined when the section is absent.
 */
export function parseConfigSection<T>(text: string, file: string, key: string, schema: z.ZodType<T>): ParseSectionResult<T> {
  const doc = readDocument(text, file);
  if (doc.kind === 'empty') return { ok: true, value: undefined };
  if (doc.kind === 'invalid') return { ok: false, problems: doc.problems };
  const section = (doc.value as Record<string, unknown>)[key];
  if (section === undefined) return { ok: true, value: undefined };
  const parsed = schema.safeParse(section);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: doc.toProblems(fromZodIssues(parsed.error.issues, [key], { schema, value: section })) };
}

type Document =
  | { kind: 'empty' }
  | { kind: 'invalid'; problems: ConfigProblem[] }
  | { kind: 'object'; root: Node; value: unknown; toProblems(issues: LocatedIssue[]): ConfigProblem[] };

/**
 * How deep objects and arrays may nest. The deepest valid config is about ten levels; parsing and
 * validating are recursive, so a deeper file (2,000 levels) is refused before either runs, with
 * a problem naming the file and the place, not a stack overflow.
 */
export const MAX_CONFIG_DEPTH = 64;

/** jsonc-parser's SyntaxKind values (a const enum, which isolated modules cannot read). */
const TOKEN = { openBrace: 1, closeBrace: 2, openBracket: 3, closeBracket: 4, eof: 17 } as const;

/** The offset where nesting first goes deeper than `max`, or -1 (iterative: a token scanner). */
function tooDeepAt(text: string, max: number): number {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind = scanner.scan(); kind !== TOKEN.eof; kind = scanner.scan()) {
    if (kind === TOKEN.openBrace || kind === TOKEN.openBracket) {
      if (++depth > max) return scanner.getTokenOffset();
    } else if (kind === TOKEN.closeBrace || kind === TOKEN.closeBracket) depth = Math.max(0, depth - 1);
  }
  return -1;
}

/** The text as a JSON object tree, or its syntax problems. */
function readDocument(source: string, file: string): Document {
  // A UTF-8 byte order mark (Notepad writes one) is not part of the JSON: read past it. Editors
  // do not show it either, so lines and columns still match what the user sees.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (stripComments(text).trim() === '') return { kind: 'empty' };
  const lines = new LineIndex(text);
  const problem = (issue: LocatedIssue, start: number, end: number): ConfigProblem => {
    // LineIndex is 0-based; problems are 1-based like compilers' messages.
    const s = lines.positionAt(start);
    const e = lines.positionAt(end);
    const p: ConfigProblem = {
      file,
      path: issue.path,
      pathText: pathText(issue.path),
      message: issue.message,
      line: s.line + 1,
      column: s.character + 1,
      endLine: e.line + 1,
      endColumn: e.character + 1,
      severity: 'error',
    };
    if (issue.unknownKey) p.unknownKey = issue.unknownKey;
    if (issue.replacement) p.replacement = issue.replacement;
    return p;
  };

  const deep = tooDeepAt(text, MAX_CONFIG_DEPTH);
  if (deep >= 0) {
    return { kind: 'invalid', problems: [problem({ path: [], message: `objects and arrays nest more than ${MAX_CONFIG_DEPTH} levels deep here; a Rebound config needs about ten`, on: 'value' }, deep, deep + 1)] };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !root) {
    if (errors.length === 0) return { kind: 'invalid', problems: [problem({ path: [], message: 'not valid JSON: a value is expected', on: 'value' }, 0, 1)] };
    return {
      kind: 'invalid',
      problems: errors.map((e) => {
        const name = printParseErrorCode(e.error);
        return problem({ path: [], message: `not valid JSON: ${SYNTAX_MESSAGES[name] ?? name}`, on: 'value' }, e.offset, e.offset + Math.max(e.length, 1));
      }),
    };
  }
  if (root.type !== 'object') {
    return { kind: 'invalid', problems: [problem({ path: [], message: 'the file must hold a JSON object ({ ... })', on: 'value' }, root.offset, root.offset + root.length)] };
  }
  const toProblems = (issues: LocatedIssue[]): ConfigProblem[] => {
    const seen = new Set<string>();
    const problems: ConfigProblem[] = [];
    for (const issue of issues) {
      const r = locate(root, issue);
      const p = problem(issue, r.start, r.end);
      const key = `${p.line}:${p.column}:${p.pathText}:${p.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(p);
    }
    return problems.sort((a, b) => a.line - b.line || a.column - b.column);
  };
  return { kind: 'object', root, value: getNodeValue(root) as unknown, toProblems };
}

function success(config: ReboundConfig): ParseConfigResult {
  return { ok: true, config, tasks: resolveTasks(config) };
}

/** A key given twice in one object (JSON keeps the last one silently): reported on the later key. */
function duplicateKeys(node: Node, path: (string | number)[] = []): LocatedIssue[] {
  const out: LocatedIssue[] = [];
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const [key, value] = prop.children ?? [];
      if (!key) continue;
      const name = String(key.value);
      if (seen.has(name)) out.push({ path: [...path, name], message: `duplicate key "${name}" (only the last one counts)`, on: 'key', range: { start: key.offset, end: key.offset + key.length } });
      seen.add(name);
      if (value) out.push(...duplicateKeys(value, [...path, name]));
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => out.push(...duplicateKeys(child, [...path, i])));
  }
  return out;
}
