export { GuidanceCatalog, builtinGuidance } from './guidanceCatalog';
export { BUILTIN_GUIDANCE } from './catalog';
export { EVENT_FILE, QUICK_FIXES, forEvent, type Guidance, type GuidanceAction, type GuidanceWhere, type QuickFixId } from './guidance';
