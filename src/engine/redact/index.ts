export { redact, redactOptional, REDACTED, TOKEN_SHAPES } from './redact';
export { redactPrivateKeys } from './privateKeys';
export { addSecretValues, clearSecretValues, isRedactableValue, isSecretEnvName, redactValues, secretEnvValues, secretValueCount, taskEnvValues } from './values';
