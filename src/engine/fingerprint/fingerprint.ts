import * as crypto from 'node:crypto';
import { normalizeMessage } from './normalize';
import { topWorkspaceFrame, type StackFrame } from './stackFrame';

export interface FingerprintInput {
  code: string;
  message: string;
  stack?: string;
  /** Tool output, searched for a workspace frame when the stack has none. */
  output?: string;
  task?: string;
  migration?: string;
  component?: string;
  workspaceRoot?: string;
  /** A frame the caller already found (then `stack` and `output` are not searched). */
  frame?: StackFrame;
}

export interface FingerprintResult {
  /** 32 hex characters: equal for repeats of the same failure. */
  fingerprint: string;
  normalized: string;
  frame?: StackFrame;
  /** Where the failure is (Sentry's culprit): the frame, else the task, migration or component. */
  culprit: string;
  /** A short title for the issue: the first line of the message. */
  title: string;
}

/**
 * Groups failures: the code and where it happened (task, migration or component), plus the top
 * in-workspace stack frame (file and function, not the line, so edits do not split issues) when
 * there is one, else the normalised message.
 */
export function fingerprint(input: FingerprintInput): FingerprintResult {
  const normalized = normalizeMessage(input.message, input.workspaceRoot);
  const frame = input.frame ?? topWorkspaceFrame(input.stack, input.workspaceRoot) ?? topWorkspaceFrame(input.output, input.workspaceRoot);
  const scope = input.task !== undefined ? `task:${input.task}` : input.migration !== undefined ? `migration:${input.migration}` : `component:${input.component ?? ''}`;
  const where = frame ? `frame:${frame.file}#${frame.function ?? ''}` : `message:${normalized}`;
  const fingerprint = hashKey(`${input.code}\u0000${scope}\u0000${where}`);
  const culprit = frame
    ? `${frame.file}${frame.function ? ` in ${frame.function}` : ''}`
    : input.task !== undefined
      ? `task ${input.task}`
      : input.migration !== undefined
        ? `migration ${input.migration}`
        : (input.component ?? '');
  const message = input.message ?? '';
  const eol = message.indexOf('\n');
  const firstLine = (eol < 0 ? message : message.slice(0, eol)).trim();
  const title = (firstLine || input.code).slice(0, 200);
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
