export { normalizeMessage } from './normalize';
export { topWorkspaceFrame, type StackFrame } from './stackFrame';
export { fingerprint, type FingerprintInput, type FingerprintResult } from './fingerprint';
