/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|PWD|KEY|CREDENTIAL|AUTH|COOKIE|SESSION)[A-Za-z0-9_.-]*`;

/**
 * Patterns for secrets, applied in order. Each replaces only the secret part and keeps the name,
 * so a redacted message still says what was there.
 */
const RULES: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // PEM private keys.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  // Credentials in URLs: scheme://user:password@host
  [/\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s/:@"']*):([^\s/@"']+)@/g, `$1$2:${REDACTED}@`],
  // Authorization-style headers: everything after the colon up to the line end.
  [/\b((?:Proxy-)?Authorization|Cookie|Set-Cookie|X-Api-Key|X-Auth-Token)(\s*[:=]\s*)(?!\[REDACTED\])[^\s"'][^\r\n"']*/gi, `$1$2${REDACTED}`],
  // Bearer / Basic credentials anywhere.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*/g, `$1 ${REDACTED}`],
  // Well-known token shapes.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})\b/g, REDACTED],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, REDACTED],
  // Command-line flags: --password VALUE, --token=VALUE, -p? (only the named ones).
  [new RegExp(String.raw`(--?${SECRET_NAME})(=|\s+)(?!\[REDACTED\])("[^"]*"|'[^']*'|[^\s"']+)`, 'gi'), (_m, name, sep) => `${name}${sep}${REDACTED}`],
  // Assignments: NAME=value, NAME: value, "name": "value", name = 'value'.
  [
    new RegExp(String.raw`(["']?)(\b${SECRET_NAME})\1(\s*[:=]\s*)(?!\[REDACTED\]|"\[REDACTED\]"|'\[REDACTED\]')("(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|[^\s,;&"'}\]]+)`, 'gi'),
    (_m, q, name, sep, value) => `${q}${name}${q}${sep}${quoteLike(value)}`,
  ],
];

function quoteLike(value: string): string {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${REDACTED}${q}` : REDACTED;
}

/** A cheap first look: text with none of these cannot hold anything the rules above redact. */
const MAYBE = /secret|token|passw|passphrase|pwd|key|credential|auth|cookie|session|bearer|basic|:\/\/[^\s/@]*:[^\s/@]*@|eyJ|gh[pousr]_|github_pat_|glpat-|npm_|xox[abprs]-|sk_(?:live|test)_|AKIA|AIza/i;

/** Removes secrets (tokens, keys, passwords in URLs, Authorization headers, secret-named assignments) from text. */
export function redact(text: string): string {
  if (!text || !MAYBE.test(text)) return text;
  let out = text;
  for (const [re, replacement] of RULES) {
    re.lastIndex = 0;
    out = typeof replacement === 'string' ? out.replace(re, replacement) : out.replace(re, replacement as (...m: string[]) => string);
  }
  return out;
}

/** `redact` for optional values. */
export function redactOptional(text: string | null | undefined): string | undefined {
  return text === null || text === undefined ? undefined : redact(text);
}
