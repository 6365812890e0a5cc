import { z } from 'zod';

const one = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

/** What a user rule matches. Every given matcher must match (AND); at least one is required. */
export const ruleMatchSchema = z
  .strictObject({
    output: z.string().min(1).describe('Text that appears in a line of output or in the message (case-insensitive).'),
    pattern: z
      .string()
      .min(1)
      .refine((p) => {
        try {
          new RegExp(p, 'm');
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .describe('A JavaScript regular expression matched against each line of output and the message (case-sensitive; ^ and $ match at line ends).'),
    exitCode: one(z.number().int()).describe('Exit code(s) of the command.'),
    signal: one(z.string().regex(/^SIG[A-Z0-9]+$/)).describe('Signal(s) that ended the command, e.g. SIGKILL.'),
    errorCode: one(z.string().min(1)).describe('Node error code(s) (ECONNRESET) or SQLite result code(s) (SQLITE_BUSY).'),
    httpStatus: one(z.number().int().min(100).max(599)).describe('HTTP status code(s) seen in the output.'),
    component: z.string().min(1).describe('Only failures of this component (tasks, migrations, ...).'),
    task: z.string().min(1).describe('Only failures of this task.'),
  })
  .partial()
  .refine(
    (m) => m.output !== undefined || m.pattern !== undefined || m.exitCode !== undefined || m.signal !== undefined || m.errorCode !== undefined || m.httpStatus !== undefined,
    'a rule must match on at least one of output, pattern, exitCode, signal, errorCode, httpStatus',
  )
  .describe('What the rule matches: every given matcher must match; at least one of output, pattern, exitCode, signal, errorCode, httpStatus.');

/** One user classification rule, `rules[i]` in .rebound/config.json. User rules are tried before the built-in ones, in order. */
export const ruleSchema = z
  .strictObject({
    match: ruleMatchSchema,
    category: z.enum(['transient', 'permanent', 'system', 'business', 'unknown']).describe('The category matching failures get: transient ones are retried, permanent ones are not.'),
    code: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'a code is a letter followed by up to 63 letters, digits, "_", "." or "-"')
      .describe('The error code matching failures get (e.g. APP-DB-LOCKED); issues and guidance are keyed by it.'),
    severity: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).optional().describe('Default MEDIUM.'),
    retryable: z.boolean().optional().describe('Default: true for transient, false otherwise.'),
    title: z.string().min(1).optional().describe('A short title for the guidance.'),
    guidance: z.string().min(1).optional().describe('What to do about it: shown in hovers, the dashboard and `rebound errors guidance CODE`.'),
  })
  .describe('A classification rule: failures it matches get this category, code, severity and guidance.');

export const rulesSchema = z.array(ruleSchema);

export type UserRule = z.infer<typeof ruleSchema>;
export type RuleMatch = z.infer<typeof ruleMatchSchema>;
