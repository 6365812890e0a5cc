// One expression, one alternative per placeholder, in this order (numbered groups 1..6).
const PLACEHOLDERS = new RegExp(
  [
    String.raw`(\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)`,
    String.raw`(\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b)`,
    String.raw`(\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b)`,
    String.raw`("[^"\r\n]*"|(?<![\w'])'[^'\r\n]*'(?![\w'])|\x60[^\x60\r\n]*\x60)`,
    String.raw`(\b\d+(?:\.\d+)?\s?(?:ms|milliseconds?|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?)\b)`,
    String.raw`(\b\d+(?:\.\d+)?\b)`,
  ].join('|'),
  'g',
);
const NAMES = ['', '<uuid>', '<time>', '<hex>', '<str>', '<duration>', '<n>'];
/** Only text with a digit or a quote can hold a placeholder. */
const MAYBE = /[0-9"'\x60]/;

const MAX = 500;

function placeholder(m: string, g1?: string, g2?: string, g3?: string, g4?: string, g5?: string, g6?: string): string {
  return g1 !== undefined ? NAMES[1] : g2 !== undefined ? NAMES[2] : g3 !== undefined ? NAMES[3] : g4 !== undefined ? NAMES[4] : g5 !== undefined ? NAMES[5] : g6 !== undefined ? NAMES[6] : m;
}

/**
 * A message with its variable parts replaced by placeholders, so repeats of one failure compare
 * equal: the workspace folder becomes `<ws>`, UUIDs `<uuid>`, timestamps `<time>`, hex `<hex>`,
 * quoted strings `<str>`, durations `<duration>`, other numbers `<n>`; whitespace is collapsed.
 * Never throws.
 */
export function normalizeMessage(message: string, workspaceRoot?: string): string {
  let s = typeof message === 'string' ? message : String(message ?? '');
  if (s.length > MAX * 4) s = s.slice(0, MAX * 4);
  if (workspaceRoot && workspaceRoot.length > 1) {
    for (const root of rootForms(workspaceRoot)) if (s.includes(root)) s = s.split(root).join('<ws>');
  }
  if (MAYBE.test(s)) s = s.replace(PLACEHOLDERS, placeholder);
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > MAX ? s.slice(0, MAX) : s;
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
