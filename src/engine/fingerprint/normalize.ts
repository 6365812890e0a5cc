const MAX = 500;

const UUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/y;
const TIME = /\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/y;
const NUMBER = /\d+(?:\.\d+)?\b/y;
const DIGITS = /\d+(?:\.\d+)?/y;
const DURATION = /\s?(?:ms|milliseconds?|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?)\b/y;
const HEX_WORD = /^(?:0x[0-9a-fA-F]+|(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,})$/;

/** Whitespace other than single spaces between words (what the collapse below would change). */
const MESSY_SPACE = /[^\S ]| {2}/;

const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

function sticky(re: RegExp, s: string, at: number): number {
  re.lastIndex = at;
  return re.test(s) ? re.lastIndex : -1;
}

/**
 * A message with its variable parts replaced by placeholders, so repeats of one failure compare
 * equal: the workspace folder becomes `<ws>`, UUIDs `<uuid>`, timestamps `<time>`, hex `<hex>`,
 * quoted strings `<str>`, durations `<duration>`, other numbers `<n>`; whitespace is collapsed.
 * Left to right, passing again only while a quote could still pair; never throws.
 */
export function normalizeMessage(message: string, workspaceRoot?: string): string {
  let s = typeof message === 'string' ? message : String(message ?? '');
  if (s.length > MAX * 4) s = s.slice(0, MAX * 4);
  if (workspaceRoot && workspaceRoot.length > 1) {
    for (const root of rootForms(workspaceRoot)) if (s.includes(root)) s = s.split(root).join('<ws>');
  }
  // Whitespace first: a placeholder decision must not change once line breaks become spaces.
  if (MESSY_SPACE.test(s)) s = s.replace(/\s+/g, ' ');
  let out = settled(s);
  // Cutting to the limit can leave a quote that now pairs: settle what is left again.
  while (out.length > MAX) out = settled(out.slice(0, MAX));
  return out;
}

const QUOTE = /['"`]/;

/**
 * Placeholders put in until nothing changes: a quote left in the result may pair differently once
 * its neighbours are placeholders, and normalising a normalised message must change nothing.
 */
function settled(s: string): string {
  let out = placeholders(s).trim();
  for (let pass = 0; pass < 64 && QUOTE.test(out); pass++) {
    const again = placeholders(out).trim();
    if (again === out) break;
    out = again;
  }
  return out;
}

/** One left-to-right pass that puts the placeholders in. */
function placeholders(s: string): string {
  let out = '';
  let copied = 0;
  const emit = (from: number, to: number, placeholder: string) => {
    out += s.slice(copied, from) + placeholder;
    copied = to;
  };
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 96 || c === 39) {
      // "..." and `...`; '...' only between non-word characters (not an apostrophe).
      const prev = i > 0 ? s.charCodeAt(i - 1) : 32;
      if (c === 39 && (isWord(prev) || prev === 39)) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n && s.charCodeAt(j) !== c && s.charCodeAt(j) !== 10 && s.charCodeAt(j) !== 13) j++;
      const closed = j < n && s.charCodeAt(j) === c;
      const after = j + 1 < n ? s.charCodeAt(j + 1) : 32;
      if (closed && (c !== 39 || (!isWord(after) && after !== 39))) {
        emit(i, j + 1, '<str>');
        i = j + 1;
      } else i++;
      continue;
    }
    if (!isWord(c) || (i > 0 && isWord(s.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    // At the start of a word.
    let end = i + 1;
    while (end < n && isWord(s.charCodeAt(end))) end++;
    if (isHex(c)) {
      // A UUID starts with a word of exactly 8 hex digits followed by "-".
      let e = end - i === 8 && s.charCodeAt(end) === 45 ? sticky(UUID, s, i) : -1;
      if (e > 0) {
        emit(i, e, '<uuid>');
        i = e;
        continue;
      }
      // A time starts with 4 digits and "-" or with 1-2 digits and ":".
      if (isDigit(c) && (s.charCodeAt(i + 4) === 45 || s.charCodeAt(i + 1) === 58 || s.charCodeAt(i + 2) === 58)) {
        e = sticky(TIME, s, i);
        if (e > 0) {
          emit(i, e, '<time>');
          i = e;
          continue;
        }
      }
      // Hex words are "0x..." or at least 8 hex digits.
      if (end - i >= 3 && (end - i >= 8 || (c === 48 && s.charCodeAt(i + 1) === 120)) && HEX_WORD.test(s.slice(i, end))) {
        emit(i, end, '<hex>');
        i = end;
        continue;
      }
      if (isDigit(c)) {
        const d = sticky(DURATION, s, sticky(DIGITS, s, i));
        if (d > 0) {
          emit(i, d, '<duration>');
          i = d;
          continue;
        }
        e = sticky(NUMBER, s, i);
        if (e > 0) {
          emit(i, e, '<n>');
          i = e;
          continue;
        }
      }
    }
    i = end;
  }
  out += s.slice(copied);
  return out;
}

const formsCache = new Map<string, string[]>();

/** The spellings a workspace path takes in messages: as given, with the other slash, as a file URL (longest first). */
export function rootForms(root: string): string[] {
  let forms = formsCache.get(root);
  if (forms) return forms;
  const trimmed = root.replace(/[\\/]+$/, '');
  const set = new Set([trimmed, trimmed.replace(/\\/g, '/'), trimmed.replace(/\//g, '\\')]);
  set.add('file://' + (trimmed.startsWith('/') ? '' : '/') + trimmed.replace(/\\/g, '/'));
  forms = [...set].filter((f) => f.length > 1).sort((a, b) => b.length - a.length);
  if (formsCache.size > 64) formsCache.clear();
  formsCache.set(root, forms);
  return forms;
}
