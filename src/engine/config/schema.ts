import { z } from 'zod';
import { rulesSchema } from '../classify/ruleSchema';
import { healthThresholdsSchema } from '../health/thresholdsSchema';
import { limitsSchema } from '../issues/limitsSchema';
import { retentionSchema } from '../issues/retentionSchema';
import { databasesSchema } from '../migrations/configSchema';
import { breakerConfigSchema, retryPolicySchema } from '../resilience/configSchema';
import { BUILTIN_PROBLEM_MATCHERS, type BuiltinProblemMatcher } from '../tasks/definition';
import { compilesAsRegExp, semanticIssues } from './checks';

/** Task, step and breaker names: a letter or digit, then up to 63 letters, digits, "_", "-", "." or ":". */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const NAME_RULE = 'a letter or digit followed by up to 63 letters, digits, "_", "-", "." or ":"';

/** Environment variable names as POSIX shells accept them. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const nameSchema = (what: string) => z.string().regex(NAME_PATTERN, `${what} must be ${NAME_RULE}`);

/** A shell command: any text with at least one non-blank character. */
const commandSchema = (what: string) => z.string().regex(/\S/, `${what} must not be empty`);

const group = (what: string) => z.number().int().min(1, 'a capture group number is 1 or more').describe(`The capture group (1-based) holding ${what}.`);

/** An inline problem pattern in `tasks.NAME.problems` (the ProblemPattern of the task contract). */
export const problemPatternSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('A name for the pattern, shown with the diagnostics it produces.'),
    regexp: z
      .string()
      .min(1)
      .refine(compilesAsRegExp, 'not a valid regular expression')
      .describe('A JavaScript regular expression matched against each line of output.'),
    file: group('the file path'),
    line: group('the line number'),
    column: group('the column').optional(),
    endLine: group('the end line').optional(),
    endColumn: group('the end column').optional(),
    severity: group('"error", "warning" or "info" (anything else counts as an error)').optional(),
    defaultSeverity: z.enum(['error', 'warning', 'info']).optional().describe('The severity when the pattern has no severity group (default "error").'),
    code: group("the tool's own error code").optional(),
    message: group('the message'),
  })
  .describe('A problem pattern: a regular expression and the capture groups holding file, line, message and the rest.');

/** One entry of `tasks.NAME.problems`: a built-in matcher name or an inline pattern. */
export const problemSpecSchema = z
  .union([
    z
      .enum(BUILTIN_PROBLEM_MATCHERS as unknown as [BuiltinProblemMatcher, ...BuiltinProblemMatcher[]])
      .describe(`A built-in problem matcher: ${BUILTIN_PROBLEM_MATCHERS.join(', ')}.`),
    problemPatternSchema,
  ])
  .describe('A built-in problem matcher name or an inline problem pattern.');

/** One entry of `tasks.NAME.steps`. */
export const stepSchema = z
  .strictObject({
    name: nameSchema('a step name').describe('The step name, unique within the task; checkpoints and the journal refer to it.'),
    command: commandSchema('a command').describe("The step's command, run through the user's shell in the task's cwd."),
    undo: commandSchema('an undo command')
      .optional()
      .describe('A command that undoes this step; after a later failure, the undo commands of the completed steps run in reverse order.'),
    rerun: z
      .enum(['always', 'ask'])
      .optional()
      .describe(
        'Whether a resume may run this step again after it started (interrupted mid-way or failed): "always" (default, the step is idempotent) or "ask" (its work is not safe to repeat: a person confirms first, e.g. `rebound recovery execute RUN --rerun`).',
      ),
  })
  .describe('A step of a multi-step task.');

/** One value of `tasks` in .rebound/config.json. Give either `command` or `steps`. */
export const taskSchema = z
  .strictObject({
    description: z.string().optional().describe('What the task does, shown in the Tasks view and the task picker.'),
    command: commandSchema('a command').optional().describe("The command to run through the user's shell (give this or steps)."),
    steps: z.array(stepSchema).min(1, 'a task needs at least one step').optional().describe('Ordered steps, each with an optional undo command (give this or command).'),
    cwd: z.string().min(1).optional().describe('The working directory, relative to the workspace folder (default ".").'),
    env: z
      .record(z.string().regex(ENV_NAME_PATTERN, 'an environment variable name is a letter or "_" followed by letters, digits or "_"'), z.string().describe('The value.'))
      .optional()
      .describe("Extra environment variables, on top of the runner's own environment."),
    timeoutMs: z.number().int().min(1).optional().describe('Stop an attempt of a step that runs longer than this many milliseconds, killing its whole process tree.'),
    retry: retryPolicySchema.optional().describe('How to retry a failed step: a preset (quick, standard, patient, network, none) or an inline policy (default "standard").'),
    breaker: nameSchema('a breaker name').optional().describe('The key of a circuit breaker in "breakers" that guards this task; tasks naming the same key share it.'),
    fallback: nameSchema('a task name').optional().describe('Another task to run when this one gives up or its breaker is open.'),
    problems: z.array(problemSpecSchema).optional().describe('Problem matchers applied to the output: built-in names or inline patterns. Each problem becomes a diagnostic. Default: every built-in matcher; a list narrows it.'),
    deadLetter: z
      .boolean()
      .optional()
      .describe('Park a failed run in the Dead Letters view. Default: yes, except code failures (build, type, lint, test) that put problems in the Problems panel; true: always; false: never.'),
  })
  .describe('A task: a command, or ordered steps with undo commands, run with retries, a breaker and a fallback.');

/** The whole of .rebound/config.json. Every key is optional; unknown keys are errors. */
export const configObjectSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema of this file (used by editors only).'),
    tasks: z.record(nameSchema('a task name'), taskSchema).optional().describe('Tasks Rebound runs, by name.'),
    databases: databasesSchema.optional().describe('Databases whose migrations Rebound manages, by name.'),
    breakers: z.record(nameSchema('a breaker name'), breakerConfigSchema).optional().describe('Circuit breakers tasks can name in "breaker", by key.'),
    rules: rulesSchema.optional().describe('Classification rules for failures, tried in order before the built-in ones.'),
    retention: retentionSchema.optional().describe('How long events of resolved issues are kept, and flood control.'),
    limits: limitsSchema.optional().describe('Limits of the error store: database size, events per run, flood control across fingerprints.'),
    health: healthThresholdsSchema.optional().describe('When a component counts as degraded or failing.'),
  })
  .describe('Rebound configuration: tasks, databases, circuit breakers, classification rules and retention.');

export type ReboundConfig = z.output<typeof configObjectSchema>;
export type TaskConfig = z.output<typeof taskSchema>;
export type StepConfig = z.output<typeof stepSchema>;

/**
 * `configObjectSchema` plus the checks across keys (command or steps, unique step names, known
 * fallbacks without cycles, defined breakers, capture groups that exist). zod runs these only on
 * a structurally valid config; `parseConfig` runs them on any config.
 */
export const configSchema = configObjectSchema.superRefine((config, ctx) => {
  for (const issue of semanticIssues(config)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { semantic: true, replacement: issue.replacement } });
});
