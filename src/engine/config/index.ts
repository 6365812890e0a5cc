export {
  configSchema,
  configObjectSchema,
  taskSchema,
  stepSchema,
  problemPatternSchema,
  problemSpecSchema,
  NAME_PATTERN,
  ENV_NAME_PATTERN,
  type ReboundConfig,
  type TaskConfig,
  type StepConfig,
} from './schema';
export { semanticIssues, captureGroupCount, compilesAsRegExp, type ConfigIssue } from './checks';
export { parseConfig, parseConfigSection, type ParseConfigResult, type ParseSectionResult } from './parse';
export { resolveTasks } from './resolve';
export { configJsonSchema } from './jsonSchema';
export { formatConfigProblem, pathText, type ConfigProblem, type UnknownKey } from './problems';
export { allowedKeysAt } from './allowedKeys';
export { didYouMean, editDistance } from './didYouMean';
export { removeProperty, type Deletion } from './removeProperty';
