import { z } from 'zod';

/** `limits` in .rebound/config.json: how much the error store keeps, whatever fails how often. */
export const limitsSchema = z
  .strictObject({
    maxDatabaseMb: z
      .number()
      .min(1)
      .max(1_048_576)
      .optional()
      .describe(
        'Keep .rebound/rebound.db under this many MiB (default 256): past it, the oldest stored events go first, each issue keeping its latest one; issue counts stay exact.',
      ),
    maxEventsPerRun: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('At most this many events of one task run are stored; the rest are only counted on their issues (default 1000).'),
    maxNewIssuesPerWindow: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Flood control across fingerprints: at most this many new issues per flood window (retention.floodWindowMs); past it, new failures are counted on one overflow issue per error code (default 1000).',
      ),
    maxEventsPerWindow: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Flood control across issues: at most this many events stored per flood window in all; the rest are only counted (default 10000).'),
  })
  .describe('Limits of the error store: database size, events per run, flood control across fingerprints.');

export type LimitsConfig = z.infer<typeof limitsSchema>;

export const DEFAULT_LIMITS = { maxDatabaseMb: 256, maxEventsPerRun: 1000, maxNewIssuesPerWindow: 1000, maxEventsPerWindow: 10_000 } as const;
