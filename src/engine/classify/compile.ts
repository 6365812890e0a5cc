import { isSqlState } from '../errors/sqlstate';
import { AhoCorasick, isAsciiKey } from './ahoCorasick';
import type { Rule } from './rule';

/**
 * What one pass over the text found. Offsets are into the text; -1 means not found.
 * `conditionAt` is a scratch buffer: valid until the next scan of the same compiled rules.
 */
export interface ScanResult {
  /** For each text condition id, the offset of its first match, or -1. */
  conditionAt: Int32Array;
  /** Error codes (Node, SQLite, base and extended) seen as words, with their first offset. */
  codes: Map<string, number>;
  statuses: Map<number, number>;
  delayHintMs?: number;
}

/** A rule set compiled once. */
export interface CompiledRules {
  rules: readonly Rule[];
  /** For rule r, spec s: the text condition ids of its output literals (any of). */
  literalIds: number[][][];
  /** For rule r, spec s: the text condition id of its pattern (or line pattern), or -1. */
  patternIds: number[][];
  conditionCount: number;
  /** Which rules (indexes into `rules`) each kind of evidence can satisfy, to try only those. */
  index: {
    byCondition: number[][];
    byCode: Map<string, number[]>;
    byStatus: Map<number, number[]>;
    byExitCode: Map<number, number[]>;
    bySignal: Map<string, number[]>;
  };
  scan(text: string): ScanResult;
  /** Whether specs naming only an exit code or a signal decide after every other match (built-in rules). */
  weakFirst: boolean;
  /** Rules that could not be compiled (a bad regular expression) and were left out, with the reason. */
  problems: string[];
}

/**
 * Extended SQLite codes (SQLITE_CONSTRAINT_UNIQUE) also count as their base code (SQLITE_CONSTRAINT).
 * A PostgreSQL SQLSTATE (node-postgres sets `code` to it: 23505) also counts as `SQLSTATE:23505` and
 * as its class, `SQLSTATE:23`: the names built-in rules use, so that a bare number in some output
 * is never taken for one.
 */
export function codeAliases(code: string): string[] {
  if (code.startsWith('SQLITE_')) {
    const second = code.indexOf('_', 7);
    if (second > 0) return [code, code.slice(0, second)];
  }
  if (isSqlState(code)) return [code, `${SQLSTATE}${code}`, `${SQLSTATE}${code.slice(0, 2)}`];
  return [code];
}

/** The prefix of SQLSTATE codes in rules (`SQLSTATE:23505`, `SQLSTATE:23`). */
export const SQLSTATE = 'SQLSTATE:';

/**
 * Where text carries a SQLSTATE: psql and the server log with VERBOSITY verbose
 * ("ERROR:  23505: duplicate key ...", "psql:f.sql:3: FATAL:  57P01: ..."), an error from
 * node-postgres printed by Node ("  code: '23505',"), and pgx ("... (SQLSTATE 23505)").
 */
const SQLSTATE_IN_TEXT = /\b(?:ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}): |^\s*code: '([0-9A-Z]{5})',?\s*$|\(SQLSTATE ([0-9A-Z]{5})\)/g;
const SQLSTATE_TRIGGERS = ['error:', 'fatal:', 'panic:', "code: '", '(sqlstate '];

/**
 * Shared empty maps, so that a scan or a gather that finds no code or status allocates none. Never
 * written to: `setCode` and `setStatus` put a new map in place first.
 */
export const NO_CODES: ReadonlyMap<string, number> = new Map();
export const NO_STATUSES: ReadonlyMap<number, number> = new Map();

/** Records `code` at `at` unless already there, making the holder's own map on first use. */
export function setCode(holder: { codes: Map<string, number> }, code: string, at: number): void {
  if (holder.codes === NO_CODES) holder.codes = new Map();
  if (!holder.codes.has(code)) holder.codes.set(code, at);
}

/** Records `status` at `at` unless already there, making the holder's own map on first use. */
export function setStatus(holder: { statuses: Map<number, number> }, status: number, at: number): void {
  if (holder.statuses === NO_STATUSES) holder.statuses = new Map();
  if (!holder.statuses.has(status)) holder.statuses.set(status, at);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

// Structural verifiers, run on a line holding one of their triggers.
// "HTTP/1.1 503", "HTTP Error 404" (Python), "status: 429", "returned error: 404" (curl),
// "ERROR 404: Not Found." (wget), "awaiting response... 503" (wget).
const HTTP =
  /(?:\bHTTP(?:\/\d(?:\.\d)?)?"?\s+(?:Error\s+)?|\bstatus(?:[ _-]?code)?"?\s*[:=]?\s*|\b(?:returned|responded with|received)(?: error:?| status(?: code)?:?)?\s+|\bERROR (?=\d\d\d: )|\bawaiting response\.\.\. )([1-5]\d\d)\b/gi;
const HTTP_TRIGGERS = ['http', 'status', 'returned', 'responded with', 'received', 'error 4', 'error 5', 'awaiting response'];
// "404 Not Found" (npm, curl -i, requests' "404 Client Error"): a status followed by its reason phrase.
const REASONS = [
  'bad request', 'unauthorized', 'payment required', 'forbidden', 'not found', 'method not allowed', 'not acceptable', 'proxy authentication required',
  'request timeout', 'request time-out', 'conflict', 'gone', 'precondition failed', 'payload too large', 'unprocessable entity', 'unprocessable content',
  'too many requests', 'internal server error', 'not implemented', 'bad gateway', 'service unavailable', 'gateway timeout', 'gateway time-out',
  'http version not supported', 'client error', 'server error',
];
const REASON = new RegExp(`\\b([45]\\d\\d) (?:${REASONS.join('|')})\\b`, 'gi');
const RETRY_AFTER =
  /\bretry-after"?\s*[:=]\s*"?(\d+)\b|\bretry (?:again )?(?:after|in) (\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b/gi;
const UNIT_MS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1, s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
};

type Key =
  | { kind: 'literal'; id: number }
  | { kind: 'code'; code: string }
  | { kind: 'sqlite' }
  | { kind: 'verify'; verifier: number };

interface Verifier {
  run(line: string, lineStart: number, found: ScanState): void;
}

interface ScanState extends ScanResult {
  checkedLine: Int32Array;
}

/**
 * Compiles rules once into one case-insensitive multi-keyword automaton: output literals, error
 * codes, and the trigger words of line patterns, HTTP statuses and Retry-After hints. Classifying
 * is then one pass over the text; a line is only handed to a regular expression when it holds a
 * trigger. User `pattern`s (which name no trigger) and non-ASCII literals are searched with one
 * extra expression each, only when a rule has them.
 */
export function compileRules(rules: readonly Rule[], options: { weakFirst?: boolean } = {}): CompiledRules {
  const problems: string[] = [];
  const keys: string[] = [];
  const keyInfo: Key[] = [];
  const addKey = (text: string, key: Key) => {
    keys.push(text);
    keyInfo.push(key);
  };
  const verifiers: Verifier[] = [];
  const addVerifier = (v: Verifier, triggers: readonly string[]) => {
    const id = verifiers.push(v) - 1;
    for (const t of triggers) addKey(t, { kind: 'verify', verifier: id });
  };
  const separate: Array<{ id: number; re: RegExp }> = [];
  const literalIndex = new Map<string, number>();
  const patternIndex = new Map<string, number>();
  const codes = new Set<string>();
  let conditionCount = 0;
  const kept: Rule[] = [];
  const literalIds: number[][][] = [];
  const patternIds: number[][] = [];

  for (const rule of rules) {
    const lits: number[][] = [];
    const pats: number[] = [];
    let ok = true;
    for (const spec of rule.any) {
      const ids: number[] = [];
      for (const lit of spec.output ?? []) {
        const norm = lit.toLowerCase();
        let id = literalIndex.get(norm);
        if (id === undefined) {
          id = conditionCount++;
          literalIndex.set(norm, id);
          if (isAsciiKey(lit)) addKey(norm, { kind: 'literal', id });
          else separate.push({ id, re: new RegExp(escape(lit), 'gi') });
        }
        ids.push(id);
      }
      for (const c of spec.errorCode ?? []) codes.add(c);
      let pid = -1;
      const source = spec.line?.pattern ?? spec.pattern;
      if (source !== undefined) {
        const key = `${spec.line ? 'line' : 'text'}:${source}:${spec.line?.triggers.join('\u0000') ?? ''}`;
        const existing = patternIndex.get(key);
        if (existing !== undefined) pid = existing;
        else {
          try {
            if (spec.line) {
              const triggers = spec.line.triggers.filter(isAsciiKey);
              if (triggers.length !== spec.line.triggers.length || triggers.length === 0) throw new Error('line pattern triggers must be printable ASCII');
              const re = new RegExp(source, 'i');
              const id = conditionCount;
              addVerifier(
                {
                  run(line, lineStart, found) {
                    if (found.conditionAt[id] >= 0) return;
                    const m = re.exec(line);
                    if (m) found.conditionAt[id] = lineStart + m.index;
                  },
                },
                triggers,
              );
            } else separate.push({ id: conditionCount, re: new RegExp(source, 'gm') });
            pid = conditionCount++;
            patternIndex.set(key, pid);
          } catch (err) {
            problems.push(`${rule.id}: ${(err as Error).message}`);
            ok = false;
          }
        }
      }
      lits.push(ids);
      pats.push(pid);
    }
    if (!ok) continue;
    kept.push(rule);
    literalIds.push(lits);
    patternIds.push(pats);
  }

  for (const c of codes) {
    if (c.startsWith('SQLITE_') || c.startsWith(SQLSTATE)) continue;
    if (isAsciiKey(c)) addKey(c.toLowerCase(), { kind: 'code', code: c });
  }
  addKey('sqlite_', { kind: 'sqlite' });
  if ([...codes].some((c) => c.startsWith(SQLSTATE))) {
    addVerifier(
      {
        run(line, lineStart, found) {
          SQLSTATE_IN_TEXT.lastIndex = 0;
          let m: RegExpExecArray | null;
          while ((m = SQLSTATE_IN_TEXT.exec(line)) !== null) {
            const state = m[1] ?? m[2] ?? m[3];
            if (isSqlState(state)) for (const c of codeAliases(state)) setCode(found, c, lineStart + m.index);
          }
        },
      },
      SQLSTATE_TRIGGERS,
    );
  }
  addVerifier(
    {
      run(line, lineStart, found) {
        HTTP.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = HTTP.exec(line)) !== null) {
          setStatus(found, Number(m[1]), lineStart + m.index);
        }
      },
    },
    HTTP_TRIGGERS,
  );
  addVerifier(
    {
      run(line, lineStart, found) {
        REASON.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = REASON.exec(line)) !== null) setStatus(found, Number(m[1]), lineStart + m.index);
      },
    },
    REASONS,
  );
  addVerifier(
    {
      run(line, _lineStart, found) {
        RETRY_AFTER.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = RETRY_AFTER.exec(line)) !== null) {
          const ms = m[1] !== undefined ? Number(m[1]) * 1000 : Math.round(Number(m[2]) * (UNIT_MS[m[3].toLowerCase()] ?? 1000));
          if (Number.isFinite(ms)) found.delayHintMs = Math.max(found.delayHintMs ?? 0, ms);
        }
      },
    },
    ['retry'],
  );

  const index: CompiledRules['index'] = {
    byCondition: Array.from({ length: conditionCount }, () => []),
    byCode: new Map(),
    byStatus: new Map(),
    byExitCode: new Map(),
    bySignal: new Map(),
  };
  const add = <K>(map: Map<K, number[]>, key: K, r: number) => {
    const list = map.get(key);
    if (!list) map.set(key, [r]);
    else if (list[list.length - 1] !== r) list.push(r);
  };
  kept.forEach((rule, r) => {
    rule.any.forEach((spec, s) => {
      for (const id of literalIds[r][s]) if (index.byCondition[id].at(-1) !== r) index.byCondition[id].push(r);
      const pid = patternIds[r][s];
      if (pid >= 0 && index.byCondition[pid].at(-1) !== r) index.byCondition[pid].push(r);
      for (const c of spec.errorCode ?? []) add(index.byCode, c, r);
      for (const h of spec.httpStatus ?? []) add(index.byStatus, h, r);
      for (const e of spec.exitCode ?? []) add(index.byExitCode, e, r);
      for (const g of spec.signal ?? []) add(index.bySignal, g, r);
    });
  });

  const automaton = new AhoCorasick(keys);
  const verifierCount = verifiers.length;

  // Scratch buffers, reused by every scan (classifying is synchronous; see ScanResult).
  const conditionBuffer = new Int32Array(conditionCount);
  const checkedBuffer = new Int32Array(verifierCount);
  const scan = (text: string): ScanResult => {
    const found: ScanState = {
      conditionAt: conditionBuffer.fill(-1),
      codes: NO_CODES as Map<string, number>,
      statuses: NO_STATUSES as Map<number, number>,
      checkedLine: checkedBuffer.fill(-1),
    };
    automaton.scan(text, (k, start, end) => {
      const key = keyInfo[k];
      switch (key.kind) {
        case 'literal':
          if (found.conditionAt[key.id] < 0) found.conditionAt[key.id] = start;
          return;
        case 'code':
          if ((start === 0 || !isWord(text.charCodeAt(start - 1))) && (end >= text.length || !isWord(text.charCodeAt(end)))) setCode(found, key.code, start);
          return;
        case 'sqlite': {
          if (start > 0 && isWord(text.charCodeAt(start - 1))) return;
          let j = end;
          while (j < text.length && isWord(text.charCodeAt(j))) j++;
          if (j === end || j - start > 64) return;
          for (const c of codeAliases(text.slice(start, j).toUpperCase())) if (codes.has(c)) setCode(found, c, start);
          return;
        }
        case 'verify': {
          const lineStart = text.lastIndexOf('\n', start) + 1;
          if (found.checkedLine[key.verifier] === lineStart) return;
          found.checkedLine[key.verifier] = lineStart;
          let lineEnd = text.indexOf('\n', end);
          if (lineEnd < 0) lineEnd = text.length;
          verifiers[key.verifier].run(text.slice(lineStart, lineEnd), lineStart, found);
          return;
        }
      }
    });
    for (const { id, re } of separate) {
      if (found.conditionAt[id] >= 0) continue;
      re.lastIndex = 0;
      const m = re.exec(text);
      if (m) found.conditionAt[id] = m.index;
    }
    return found;
  };

  return { rules: kept, literalIds, patternIds, conditionCount, index, scan, problems, weakFirst: options.weakFirst === true };
}
