/**
 * Redaction by value: the values of a task's `env` and of the process environment's variables
 * whose names look secret are replaced wherever they appear, whatever surrounds them (a bare
 * `pw=hunter2` printed by the task has no shape a pattern could know).
 *
 * The set is process-wide: whoever loads a config or opens a store adds the values it knows, and
 * every `redact` call (events, dead letters, run definitions, the spool) removes them. Values
 * are only ever added: redacting a value of a workspace that is closed costs nothing and leaks
 * nothing.
 */

/** What replaces a secret (also exported by redact.ts). */
const REDACTED = '[REDACTED]';

/** Environment variable names that hold secrets: `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*_KEY`, ... */
const SECRET_ENV_NAME =
  /(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PWD$|_PW$|CREDENTIAL|PRIVATE|APIKEY|API_KEY|ACCESS_KEY|_KEY$|^KEY$|_KEY_|AUTH|COOKIE|SESSION|DSN$|DATABASE_URL|CONN(?:ECTION)?_?STR)/i;

/** Names that match the pattern above but hold no secret (the shell's working directory and the like). */
const NOT_SECRET_NAMES = new Set(['PWD', 'OLDPWD', 'SSH_AUTH_SOCK', 'XAUTHORITY', 'GPG_AGENT_INFO', 'KEYTIMEOUT', 'TOKENIZERS_PARALLELISM']);

/**
 * Values never treated as secrets: too short to mean anything (they would shred ordinary text),
 * small numbers, booleans and common mode words.
 */
const TRIVIAL = /^(?:.{0,3}|\d{1,7}|true|false|yes|no|on|off|none|null|production|development|staging|test|debug|info|warn|warning|error|verbose|silent)$/i;

/** Whether an environment variable's name says it holds a secret. */
export function isSecretEnvName(name: string): boolean {
  return !NOT_SECRET_NAMES.has(name.toUpperCase()) && SECRET_ENV_NAME.test(name);
}

/** Whether a value is worth redacting wherever it appears (not trivially short or common). */
export function isRedactableValue(value: string): boolean {
  return !TRIVIAL.test(value.trim());
}

/** The values of secret-named variables of an environment (the process's, typically). */
export function secretEnvValues(env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isSecretEnvName(name) && isRedactableValue(value)) out.push(value);
  }
  return out;
}

/** Every non-trivial value of a task's `env` (whatever its name: the task chose to hide it from its command line). */
export function taskEnvValues(env: Readonly<Record<string, string>> | undefined): string[] {
  return env ? Object.values(env).filter(isRedactableValue) : [];
}

let values: string[] = [];
const known = new Set<string>();

/** Adds values to redact wherever they appear (each also in its URL-encoded and JSON-escaped forms). */
export function addSecretValues(more: Iterable<string>): void {
  let changed = false;
  for (const v of more) {
    if (typeof v !== 'string' || !isRedactableValue(v)) continue;
    for (const form of new Set([v, v.trim(), encodeURIComponent(v), JSON.stringify(v).slice(1, -1)])) {
      if (form.length < 4 || known.has(form) || form === REDACTED) continue;
      known.add(form);
      changed = true;
    }
  }
  if (!changed) return;
  // Longest first: a value that contains another is replaced whole.
  values = [...known].sort((a, b) => b.length - a.length);
}

/** Forgets every value (tests). */
export function clearSecretValues(): void {
  values = [];
  known.clear();
}

/** How many values (with their encoded forms) are redacted now. */
export function secretValueCount(): number {
  return values.length;
}

/** Replaces every known secret value in `text`. */
export function redactValues(text: string): string {
  if (values.length === 0 || text.length < 4) return text;
  let out = text;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (out.length < v.length || !out.includes(v)) continue;
    out = out.split(v).join(REDACTED);
  }
  return out;
}
