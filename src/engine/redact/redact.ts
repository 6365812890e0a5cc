import { AhoCorasick } from '../classify/ahoCorasick';

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|PWD|KEY|CREDENTIAL|AUTH|COOKIE|SESSION)[A-Za-z0-9_.-]*`;

const NAME_TRIGGERS = ['secret', 'token', 'passw', 'passphrase', 'pwd', 'key', 'credential', 'auth', 'cookie', 'session'];

interface RedactionRule {
  re: RegExp;
  replacement: string | ((...m: string[]) => string);
  /** Case-insensitive text every match contains (any of), so the expression only runs when one is present. */
  triggers: string[];
  /** Further text that must also be present. */
  also?: string;
}

/**
 * Patterns for secrets, applied in order. Each replaces only the secret part and keeps the name,
 * so a redacted message still says what was there.
 */
const RULES: RedactionRule[] = [
  // PEM private keys.
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, replacement: REDACTED, triggers: ['private key-----'] },
  // Credentials in URLs: scheme://user:password@host
  { re: /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s/:@"']*):(?!\[REDACTED\])([^\s/@"']+)@/g, replacement: `$1$2:${REDACTED}@`, triggers: ['://'], also: '@' },
  // Authorization-style headers: the value up to the line end or a quote.
  {
    re: /\b((?:Proxy-)?Authorization|Cookie|Set-Cookie|X-Api-Key|X-Auth-Token)(\s*[:=]\s*)(?!\[REDACTED\])[^\s"'][^\r\n"']*/gi,
    replacement: `$1$2${REDACTED}`,
    triggers: ['authorization', 'cookie', 'x-api-key', 'x-auth-token'],
  },
  // Bearer / Basic credentials anywhere.
  { re: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*/g, replacement: `$1 ${REDACTED}`, triggers: ['bearer', 'basic', 'token'] },
  // Well-known token shapes.
  {
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})\b/g,
    replacement: REDACTED,
    triggers: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-', 'npm_', 'xoxa-', 'xoxb-', 'xoxp-', 'xoxr-', 'xoxs-', 'sk_live_', 'sk_test_', 'akia', 'aiza'],
  },
  // JSON Web Tokens.
  { re: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, replacement: REDACTED, triggers: ['eyj'] },
  // Command-line flags: --password VALUE, --token=VALUE.
  {
    re: new RegExp(String.raw`(--?${SECRET_NAME})(=|\s+)(?!\[REDACTED\])("[^"]*"|'[^']*'|[^\s"']+)`, 'gi'),
    replacement: (_m, name, sep) => `${name}${sep}${REDACTED}`,
    triggers: NAME_TRIGGERS,
    also: '-',
  },
  // Assignments: NAME=value, NAME: value, "name": "value", name = 'value'.
  {
    re: new RegExp(
      String.raw`(["']?)(\b${SECRET_NAME})\1(\s*[:=]\s*)(?!\[REDACTED\]|"\[REDACTED\]"|'\[REDACTED\]')("(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|(?:\[REDACTED\]|[^\s,;&"'}\][])+)`,
      'gi',
    ),
    replacement: (_m, q, name, sep, value) => `${q}${name}${q}${sep}${quoteLike(value)}`,
    triggers: NAME_TRIGGERS,
  },
];

const triggerRule: number[] = [];
const triggers = new AhoCorasick(RULES.flatMap((r, i) => r.triggers.map((t) => (triggerRule.push(i), t))));

function quoteLike(value: string): string {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${REDACTED}${q}` : REDACTED;
}

/**
 * Removes secrets (tokens, keys, passwords in URLs, Authorization headers, secret-named
 * assignments) from text. One case-insensitive pass finds which rules can apply; only those run.
 */
export function redact(text: string): string {
  if (!text) return text;
  let wanted = 0;
  triggers.scan(text, (k) => {
    wanted |= 1 << triggerRule[k];
  });
  if (wanted === 0) return text;
  let out = text;
  for (let i = 0; i < RULES.length; i++) {
    if ((wanted & (1 << i)) === 0) continue;
    const { re, replacement, also } = RULES[i];
    if (also !== undefined && !out.includes(also)) continue;
    re.lastIndex = 0;
    out = typeof replacement === 'string' ? out.replace(re, replacement) : out.replace(re, replacement as (...m: string[]) => string);
  }
  return out;
}

/** `redact` for optional values. */
export function redactOptional(text: string | null | undefined): string | undefined {
  return text === null || text === undefined ? undefined : redact(text);
}
