const PLACEHOLDERS = new RegExp(
  [
    String.raw`(?<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)`,
    String.raw`(?<time>\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b)`,
    String.raw`(?<hex>\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b)`,
    String.raw`(?<str>"[^"\r\n]*"|(?<![\w'])'[^'\r\n]*'(?![\w'])|\x60[^\x60\r\n]*\x60)`,
    String.raw`(?<duration>\b\d+(?:\.\d+)?\s?(?:ms|milliseconds?|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?)\b)`,
    String.raw`(?<n>\b\d+(?:\.\d+)?\b)`,
  ].join('|'),
  'g',
);

const MAX = 500;

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
    for (const root of rootForms(workspaceRoot)) s = s.split(root).join('<ws>');
  }
  s = s.replace(PLACEHOLDERS, (m, ...args: unknown[]) => {
    const g = args[args.length - 1] as Record<string, string | undefined>;
    for (const k in g) if (g[k] !== undefined) return `<${k}>`;
    return m;
  });
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > MAX ? s.slice(0, MAX) : s;
}

/** The spellings a workspace path takes in messages: as given, with the other slash, as a file URL. */
export function rootForms(root: string): string[] {
  const trimmed = root.replace(/[\\/]+$/, '');
  const forms = new Set([trimmed, trimmed.replace(/\\/g, '/'), trimmed.replace(/\//g, '\\')]);
  forms.add('file://' + (trimmed.startsWith('/') ? '' : '/') + trimmed.replace(/\\/g, '/'));
  // Longest first so the file URL is replaced whole.
  return [...forms].filter((f) => f.length > 1).sort((a, b) => b.length - a.length);
}
