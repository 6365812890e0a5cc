import { AhoCorasick } from '../classify/ahoCorasick';
import { redactPrivateKeys } from './privateKeys';
import { redactValues } from './values';

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

/** Token shapes of well-known services: each alternative is one shape, each trigger its literal prefix. */
export const TOKEN_SHAPES: ReadonlyArray<{ name: string; re: string; trigger: string[] }> = [
  { name: 'AWS access key id', re: '(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}', trigger: ['akia', 'asia', 'agpa', 'aida', 'aroa', 'anpa', 'anva', 'aipa'] },
  { name: 'GitHub token', re: 'gh[pousr]_[A-Za-z0-9]{20,}', trigger: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'] },
  { name: 'GitHub fine-grained token', re: 'github_pat_[A-Za-z0-9_]{20,}', trigger: ['github_pat_'] },
  { name: 'GitLab token', re: 'gl(?:pat|dt|rt|ptt|soat|cbt|ft|imt|agent)-[A-Za-z0-9_-]{20,}', trigger: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glsoat-', 'glcbt-', 'glft-', 'glimt-', 'glagent-'] },
  { name: 'GitLab runner registration token', re: 'GR1348941[A-Za-z0-9_-]{20,}', trigger: ['gr1348941'] },
  { name: 'npm token', re: 'npm_[A-Za-z0-9]{30,}', trigger: ['npm_'] },
  { name: 'Slack token', re: 'xox[abprse]-[A-Za-z0-9-]{10,}', trigger: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxr-', 'xoxs-', 'xoxe-'] },
  { name: 'Slack app token', re: 'xapp-\\d-[A-Za-z0-9-]{10,}', trigger: ['xapp-'] },
  { name: 'Stripe secret or restricted key', re: '(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}', trigger: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'] },
  { name: 'Stripe webhook secret', re: 'whsec_[A-Za-z0-9]{24,}', trigger: ['whsec_'] },
  { name: 'Google API key', re: 'AIza[0-9A-Za-z_-]{35}', trigger: ['aiza'] },
  { name: 'Google OAuth client secret', re: 'GOCSPX-[A-Za-z0-9_-]{20,}', trigger: ['gocspx-'] },
  { name: 'Google OAuth access token', re: 'ya29\\.[0-9A-Za-z_-]{20,}', trigger: ['ya29.'] },
  { name: 'Anthropic API key', re: 'sk-ant-[A-Za-z0-9_-]{20,}', trigger: ['sk-ant-'] },
  { name: 'OpenAI API key', re: 'sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}', trigger: ['sk-'] },
  { name: 'SendGrid API key', re: 'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}', trigger: ['sg.'] },
  { name: 'Mailgun API key', re: 'key-[0-9a-f]{32}', trigger: ['key-'] },
  { name: 'Twilio API key', re: 'SK[0-9a-fA-F]{32}', trigger: ['sk'] },
  { name: 'Docker Hub token', re: 'dckr_pat_[A-Za-z0-9_-]{20,}', trigger: ['dckr_pat_'] },
  { name: 'PyPI token', re: 'pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20,}', trigger: ['pypi-'] },
  { name: 'Shopify token', re: 'shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}', trigger: ['shpat_', 'shpss_', 'shpca_', 'shppa_'] },
  { name: 'DigitalOcean token', re: 'do[opr]_v1_[a-f0-9]{64}', trigger: ['dop_v1_', 'doo_v1_', 'dor_v1_'] },
  { name: 'Hugging Face token', re: 'hf_[A-Za-z0-9]{30,}', trigger: ['hf_'] },
  { name: 'Databricks token', re: 'dapi[a-f0-9]{32}', trigger: ['dapi'] },
  { name: 'Square token', re: 'sq0(?:atp|csp)-[0-9A-Za-z_-]{22,}', trigger: ['sq0atp-', 'sq0csp-'] },
  { name: 'Atlassian API token', re: 'ATATT3[A-Za-z0-9_=-]{20,}', trigger: ['atatt3'] },
  { name: 'Postman API key', re: 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}', trigger: ['pmak-'] },
  { name: 'Linear API key', re: 'lin_api_[A-Za-z0-9]{32,}', trigger: ['lin_api_'] },
  { name: 'age secret key', re: 'AGE-SECRET-KEY-1[0-9A-Z]{50,}', trigger: ['age-secret-key-'] },
  { name: 'New Relic API key', re: 'NRAK-[A-Z0-9]{27}', trigger: ['nrak-'] },
  { name: 'HashiCorp Vault token', re: 'hv[sbr]\\.[A-Za-z0-9_-]{24,}', trigger: ['hvs.', 'hvb.', 'hvr.'] },
  { name: 'Telegram bot token', re: '\\d{8,10}:AA[A-Za-z0-9_-]{33}', trigger: [':aa'] },
];

/**
 * Patterns for secrets, applied in order. Each replaces only the secret part and keeps the name,
 * so a redacted message still says what was there.
 */
const RULES: RedactionRule[] = [
  // An AWS access key id with its secret access key on the same line (as `aws configure list`,
  // credential dumps and SDK errors print them): the 40-character secret has no prefix of its own.
  {
    re: /\b((?:AKIA|ASIA)[0-9A-Z]{16})\b([^\r\n]{0,60}?)(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    replacement: `${REDACTED}$2${REDACTED}`,
    triggers: ['akia', 'asia'],
  },
  // Credentials in URLs: scheme://user:password@host
  { re: /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s/:@"']*):(?!\[REDACTED\])([^\s/@"']+)@/g, replacement: `$1$2:${REDACTED}@`, triggers: ['://'], also: '@' },
  // Webhook URLs whose path is the secret (Slack, Discord).
  {
    re: /\b(hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/)[A-Za-z0-9]{8,}|\b(discord(?:app)?\.com\/api\/webhooks\/\d+\/)[A-Za-z0-9_-]{20,}/g,
    replacement: (_m, slack, discord) => `${slack ?? discord}${REDACTED}`,
    triggers: ['hooks.slack.com/', '/api/webhooks/'],
  },
  // Authorization-style headers: the value up to the line end or a quote.
  {
    re: /\b((?:Proxy-)?Authorization|Cookie|Set-Cookie|X-Api-Key|X-Auth-Token)(\s*[:=]\s*)(?!\[REDACTED\])[^\s"'][^\r\n"']*/gi,
    replacement: `$1$2${REDACTED}`,
    triggers: ['authorization', 'cookie', 'x-api-key', 'x-auth-token'],
  },
  // Bearer / Basic credentials anywhere.
  { re: /\b(Bearer|Basic|Token)\s+(?!\[REDACTED\])[A-Za-z0-9\-._~+/]{8,}=*/g, replacement: `$1 ${REDACTED}`, triggers: ['bearer', 'basic', 'token'] },
  // Well-known token shapes.
  {
    re: new RegExp(`\\b(?:${TOKEN_SHAPES.map((s) => s.re).join('|')})(?![A-Za-z0-9_-])`, 'g'),
    replacement: REDACTED,
    triggers: TOKEN_SHAPES.flatMap((s) => s.trigger),
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
 * Removes secrets from text: the known secret values (see values.ts) wherever they appear,
 * private-key blocks wherever their lines fall, then tokens of known shapes, passwords in URLs,
 * Authorization headers and secret-named assignments. One case-insensitive pass finds which
 * shape rules can apply; only those run.
 */
export function redact(text: string): string {
  if (!text) return text;
  let out = redactPrivateKeys(redactValues(text));
  let wanted = 0;
  triggers.scan(out, (k) => {
    wanted |= 1 << triggerRule[k];
  });
  if (wanted === 0) return out;
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
