import { ConfigurationError } from '../../../engine/errors';
import { ENV_REFERENCE, postgresUrlProblem } from '../../../engine/migrations';

/**
 * A url fit for messages: no password (nor `${env:...}` reference to one), no query string
 * (`?password=` or `sslkey=` may hide there).
 */
export function redactUrl(url: string): string {
  const m = /^([a-z]+:\/\/)([^/?#]*)([^?#]*)/i.exec(url);
  if (!m) return '(a PostgreSQL url)';
  let authority = m[2];
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const user = authority.slice(0, at).split(':')[0];
    authority = `${user}@${authority.slice(at + 1)}`;
  }
  return `${m[1]}${authority}${m[3]}`;
}

/** Replaces every `${env:NAME}` of the url by the variable's value (URI-encoded); a missing variable is a ConfigurationError naming it. */
export function expandUrl(url: string, env: NodeJS.ProcessEnv = process.env, field = 'url'): string {
  const problem = postgresUrlProblem(url);
  if (problem) throw new ConfigurationError(`${field} ${problem}.`, { context: { component: 'migrations' } });
  return url.replace(ENV_REFERENCE, (_all, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new ConfigurationError(`${field} refers to \${env:${name}}, but the environment variable ${name} is not set.`, { context: { component: 'migrations' } });
    }
    return encodeURIComponent(value);
  });
}

/** A message with every url in it reduced to its redacted form (a password a server echoes back never reaches a log). */
export function redactMessage(text: string): string {
  return text.replace(/postgres(?:ql)?:\/\/[^\s'"]+/gi, (u) => redactUrl(u));
}
