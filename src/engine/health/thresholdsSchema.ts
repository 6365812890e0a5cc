import { z } from 'zod';

const level = (degraded: number, failing: number, what: string) =>
  z
    .strictObject({
      degraded: z.number().int().min(0).default(degraded).describe(`Degraded when ${what} is above this (default ${degraded}).`),
      failing: z.number().int().min(0).default(failing).describe(`Failing when ${what} is above this (default ${failing}).`),
    })
    .default({ degraded, failing })
    .describe(`Thresholds for ${what}.`);

/**
 * When a component (tasks, migrations, store, breakers) counts as degraded or failing. Each measure
 * is compared with "more than": by default one unresolved CRITICAL issue, one failed run in the
 * last 24 hours (not followed by a success), one pending dead letter, one open breaker, more than
 * 10 unresolved issues or more than 20 events in 24 hours make a component degraded; more than two
 * failed runs, five dead letters, two open breakers or four CRITICAL issues make it failing.
 */
export const healthThresholdsSchema = z
  .strictObject({
    unresolvedCritical: level(0, 4, 'the number of unresolved CRITICAL issues'),
    unresolvedIssues: level(10, 50, 'the number of unresolved issues'),
    events24h: level(20, 200, 'the number of events in the last 24 hours'),
    openBreakers: level(0, 2, 'the number of open circuit breakers'),
    failedRuns: level(0, 2, 'the number of runs that failed in the window and have not succeeded since (a fallback that did the work counts as a success)'),
    pendingDeadLetters: level(0, 5, 'the number of dead letters waiting for review'),
    windowHours: z.number().int().min(1).max(24 * 90).default(24).describe('The window, in hours, in which failed runs count (default 24).'),
  })
  .describe('Health thresholds per component.');

export type HealthThresholds = z.output<typeof healthThresholdsSchema>;

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = healthThresholdsSchema.parse({});
