import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { GuidedCode } from '../../engine/errors/codes';
import type { Problem } from '../../engine/tasks';
import type { TaskRunnerCore } from './runnerCore';
import type { TaskProblem } from './types';

const MATCHER_CODES: Record<string, GuidedCode> = {
  tsc: 'RB-BUILD-TS',
  eslint: 'RB-BUILD-LINT',
  'eslint-unix': 'RB-BUILD-LINT',
  pytest: 'RB-TEST-FAIL',
};

/**
 * The problems found in the output, files resolved against the step's cwd; a problem whose file
 * is outside the workspace is dropped (task output must not put diagnostics on any file).
 */
export function problemsOf(core: TaskRunnerCore, found: readonly Problem[], cwd: string, failureCode: string | undefined): TaskProblem[] {
  const root = resolve(core.options.root);
  const problems: TaskProblem[] = [];
  for (const p of found) {
    const file = resolve(cwd, p.file);
    const rel = relative(root, file);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
    problems.push({ ...p, file, code: MATCHER_CODES[p.matcher] ?? failureCode ?? 'RB-EXEC-001' });
  }
  return problems;
}
