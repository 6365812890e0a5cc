export { Classifier, createClassifier, defaultClassifier, type Classification, type FailureInput } from './classifier';
export { BUILTIN_RULES } from './builtinRules';
export { ruleFromUser, type Rule, type MatchSpec } from './rule';
export { ruleSchema, rulesSchema, ruleMatchSchema, type UserRule, type RuleMatch } from './ruleSchema';
export { headlineOf } from './headline';
