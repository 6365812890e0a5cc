export { redact, redactOptional, REDACTED } from './redact';
