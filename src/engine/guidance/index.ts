export { GuidanceCatalog, builtinGuidance } from './guidanceCatalog';
export { BUILTIN_GUIDANCE } from './catalog';
export { QUICK_FIXES, type Guidance, type GuidanceAction, type QuickFixId } from './guidance';
