import { z } from 'zod';

/** `retention` in .rebound/config.json: how long resolved events are kept, and flood control. */
export const retentionSchema = z
  .strictObject({
    days: z.number().int().min(1).max(36500).optional().describe('Delete events of resolved issues older than this many days (default 30). Issue counts are kept.'),
    floodCap: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('At most this many events of one issue are stored per flood window; the rest are only counted (default 100).'),
    floodWindowMs: z.number().int().min(1000).optional().describe('The flood-control window in milliseconds (default 3600000, one hour).'),
  })
  .describe('Retention of stored events and flood control.');

export type RetentionConfig = z.infer<typeof retentionSchema>;

export const DEFAULT_RETENTION = { days: 30, floodCap: 100, floodWindowMs: 3_600_000 } as const;
