import * as crypto from 'node:crypto';
import { locateFailure, type FailureLocation } from '../locate/locate';
import { normalizeMessage } from './normalize';
import { topWorkspaceFrame } from './stackFrame';

export interface FingerprintInput {
  code: string;
  message: string;
  /** The error's own headline (from its output or stack); the message's first line when absent. */
  headline?: string;
  stack?: string;
  /** Tool output, searched for the failure's location when the stack names none. */
  output?: string;
  task?: string;
  step?: string;
  migration?: string;
  component?: string;
  workspaceRoot?: string;
  /** The folder the command ran in: relative paths in `output` resolve against it. */
  cwd?: string;
  /** A location the caller already found (then `stack` and `output` are not searched). */
  frame?: FailureLocation;
}

export interface FingerprintResult {
  /** 32 hex characters: equal for repeats of the same failure. */
  fingerprint: string;
  /** The normalised headline the fingerprint is made of. */
  normalized: string;
  frame?: FailureLocation;
  /** Where the failure is (Sentry's culprit): task › step, then file:line or the function. */
  culprit: string;
  /** The issue title: the error's own headline. */
  title: string;
}

const firstLine = (s: string) => {
  const eol = s.indexOf('\n');
  return (eol < 0 ? s : s.slice(0, eol)).trim();
};

/**
 * Groups failures as Sentry does: the code, where it happened (task, migration or component), the
 * normalised headline (numbers, quoted values, paths and times replaced) and the location (file
 * and function when a frame names one, else file and line). Distinct failures of one task are
 * distinct issues; one failure seen across runs and attempts is one issue.
 */
export function fingerprint(input: FingerprintInput): FingerprintResult {
  const message = input.message ?? '';
  const head = (input.headline && input.headline.trim()) || firstLine(message) || input.code;
  const normalized = normalizeMessage(head, input.workspaceRoot);
  const frame =
    input.frame ?? topWorkspaceFrame(input.stack, input.workspaceRoot) ?? locateFailure(input.output, { workspaceRoot: input.workspaceRoot, cwd: input.cwd });
  const scope = input.task !== undefined ? `task:${input.task}` : input.migration !== undefined ? `migration:${input.migration}` : `component:${input.component ?? ''}`;
  const where = frame ? `${frame.file}#${frame.function ?? frame.line ?? ''}` : '';
  const fingerprint = hashKey(`${input.code}\u0000${scope}\u0000${normalized}\u0000${where}`);
  const owner = input.task !== undefined ? `${input.task}${input.step !== undefined && input.step !== input.task ? ` › ${input.step}` : ''}` : input.migration !== undefined ? `migration ${input.migration}` : '';
  const place = frame ? `${frame.file}${frame.line ? `:${frame.line}` : ''}${frame.function ? ` in ${frame.function}` : ''}` : '';
  const culprit = owner && place ? `${owner}, ${place}` : owner || place || (input.component ?? '');
  const title = head.slice(0, 200);
  const result: FingerprintResult = { fingerprint, normalized, culprit, title };
  if (frame) result.frame = frame;
  return result;
}

const hashes = new Map<string, string>();

/** The first 32 hex characters of the key's sha1, remembered: the same few keys repeat for every failure of a kind. */
function hashKey(key: string): string {
  let h = hashes.get(key);
  if (h === undefined) {
    if (hashes.size >= 1024) hashes.clear();
    h = sha1(key).slice(0, 32);
    hashes.set(key, h);
  }
  return h;
}

/** sha1 hex: the one-shot `crypto.hash` where the runtime has it (Node >= 20.12), else a Hash object. */
const sha1: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash(algorithm: string, data: string): string }).hash('sha1', text)
    : (text) => crypto.createHash('sha1').update(text).digest('hex');
