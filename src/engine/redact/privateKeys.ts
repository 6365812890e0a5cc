/**
 * Private-key blocks, wherever their lines fall: a whole BEGIN…END block, a BEGIN whose END was
 * cut off, an END whose BEGIN fell before the captured tail (the body lines above it go too), and
 * a run of bare PEM body lines with neither (a tail cut inside the key).
 */

const REDACTED = '[REDACTED]';

/** BEGIN … END, or BEGIN to the end of the text when END is missing. */
const WHOLE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;

/** An END line (BEGIN already handled: what is left of a block is an END without its BEGIN). */
const END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g;

/** A PEM body line: base64 only (optionally indented), or a PEM header line of an encrypted key. */
const BODY_LINE = /^[ \t]*(?:[A-Za-z0-9+/]{16,}={0,2}|Proc-Type:.*|DEK-Info:.*|Comment:.*)?[ \t]*\r?$/;

/** Two or more consecutive lines of 60–80 base64 characters: the inside of a key (or a certificate) with no armour left. */
const BARE_BODY = /(?:^|\n)((?:[ \t]*[A-Za-z0-9+/]{60,80}[ \t]*\r?\n){1,}[ \t]*[A-Za-z0-9+/]{16,80}={0,2}[ \t]*)(?=\r?\n|$)/g;

/** Whether `text` may hold a private-key block or its body. */
function mayHoldKey(text: string): boolean {
  return text.includes('PRIVATE KEY') || /[A-Za-z0-9+/]{60}/.test(text);
}

/** Removes private-key blocks and bare key bodies from `text`. */
export function redactPrivateKeys(text: string): string {
  if (!mayHoldKey(text)) return text;
  let out = text;
  if (out.includes('PRIVATE KEY')) {
    out = out.replace(WHOLE, REDACTED);
    END.lastIndex = 0;
    if (END.test(out)) out = cutBeforeEnds(out);
  }
  BARE_BODY.lastIndex = 0;
  // Base64 mixes cases and digits; a column of hex hashes does not.
  return out.replace(BARE_BODY, (m, body: string) => (/[a-z]/.test(body) && /[A-Z]/.test(body) && /[0-9]/.test(body) ? m.slice(0, m.length - body.length) + REDACTED : m));
}

/** Replaces each END line whose BEGIN is gone, and the key lines right above it, with one REDACTED. */
function cutBeforeEnds(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    END.lastIndex = 0;
    const m = END.exec(lines[i]);
    if (!m) continue;
    // What precedes END on its line: key material goes, anything else (a log prefix) stays.
    const prefix = lines[i].slice(0, m.index).replace(/[A-Za-z0-9+/=]+[ \t]*$/, '');
    const rest = lines[i].slice(m.index + m[0].length);
    let start = i;
    if (prefix.trim() === '') while (start > 0 && lines[start - 1].trim() !== '' && BODY_LINE.test(lines[start - 1])) start--;
    lines.splice(start, i - start + 1, `${start < i ? '' : prefix}${REDACTED}${rest}`);
    i = start;
  }
  return lines.join('\n');
}
