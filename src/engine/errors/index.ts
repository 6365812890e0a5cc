export * from './types';
export {
  ReboundError,
  REBOUND_ERROR_BRAND,
  isReboundError,
  isKind,
  serializeError,
  deserializeError,
  type ReboundErrorOptions,
  type SerializedError,
} from './reboundError';
export * from './kinds';
export { toReboundError } from './toReboundError';
export { GUIDED_CODES, DERIVED_CODES, codeOf, guidanceCodeOf, isReboundCode, type AnyCode, type DerivedCode, type GuidedCode, type ReboundCode, type UserCode } from './codes';
