import { z } from 'zod';
import type { Clock, RandomSource } from '../clock';
import { CATEGORIES, type Category } from '../errors';
import { BACKOFF_KINDS, JITTER_KINDS, backoff, type Backoff, type BackoffKind, type JitterKind } from './backoff';
import { consecutiveBreaker, rateBreaker } from './breakerStrategy';
import { circuitBreaker, type CircuitBreakerPolicy, type CircuitBreakerSnapshot } from './circuitBreaker';
import { retry, type CategoryRetryOptions, type RetryPolicy } from './retry';
import { RetryBudget } from './retryBudget';
import { RETRY_PRESETS, RETRY_PRESET_NAMES, type RetryPresetName } from './retryPresets';

const ms = (what: string) => z.number().int().min(0).describe(what);
const positiveMs = (what: string) => z.number().int().min(1).describe(what);
const categorySchema = z.enum(CATEGORIES as [Category, ...Category[]]);

export const backoffConfigSchema = z
  .strictObject({
    kind: z.enum(BACKOFF_KINDS as [BackoffKind, ...BackoffKind[]]).describe('fixed, linear, exponential or fibonacci.'),
    baseMs: ms('The first delay in milliseconds (fixed: every delay).'),
    maxMs: ms('No delay is longer than this (jitter included). Default: no cap.').optional(),
    jitter: z
      .enum(JITTER_KINDS as [JitterKind, ...JitterKind[]])
      .optional()
      .describe('none (default); full: uniform in [0, d]; equal: uniform in [d/2, d]; decorrelated: min(max, uniform(base, previous * 3)).'),
    factor: z
      .number()
      .positive()
      .optional()
      .describe('exponential: the multiplier between delays (default 2); linear: the step as a multiple of baseMs (default 1).'),
  })
  .refine((b) => b.maxMs === undefined || b.maxMs >= b.baseMs, { message: 'maxMs must be >= baseMs', path: ['maxMs'] })
  .describe('How long to wait between attempts.');

export const retryOnSchema = z
  .strictObject({
    categories: z.array(categorySchema).min(1).optional().describe('Retry failures of these categories (permanent ones are never retried).'),
    codes: z.array(z.string().min(1)).min(1).optional().describe('Retry failures with these error codes.'),
  })
  .describe('Which failures to retry. Default: the ones classified as retryable. Permanent failures and cancellations never are.');

const categoryOverrideSchema = z
  .strictObject({
    maxAttempts: z.number().int().min(1).max(100).optional().describe('Attempts in all for failures of this category.'),
    backoff: backoffConfigSchema.optional(),
  })
  .describe('Attempt limits and backoff for failures of this category.');

export const inlineRetrySchema = z
  .strictObject({
    maxAttempts: z.number().int().min(1).max(100).describe('Attempts in all, the first included.'),
    backoff: backoffConfigSchema.optional(),
    deadlineMs: positiveMs('Give up once this much time has passed since the first attempt started.').optional(),
    attemptTimeoutMs: positiveMs('Stop an attempt that runs longer than this; it counts as a transient failure.').optional(),
    retryOn: retryOnSchema.optional(),
    perCategory: z
      .strictObject(Object.fromEntries(CATEGORIES.map((c) => [c, categoryOverrideSchema.optional()])) as Record<Category, z.ZodOptional<typeof categoryOverrideSchema>>)
      .optional()
      .describe('Attempt limits and backoff for failures of one category.'),
    budget: z
      .strictObject({
        capacity: z.number().int().min(1).describe('The most retries in a burst.'),
        refillPerSecond: z.number().min(0).describe('Retries earned back per second.'),
      })
      .optional()
      .describe('A retry budget (token bucket): each retry takes a token, so a failing dependency cannot multiply the load.'),
  })
  .describe('A retry policy.');

/** `retry` in .rebound/config.json: a preset name or an inline policy. */
export const retryPolicySchema = z
  .union([
    z.enum(RETRY_PRESET_NAMES as [RetryPresetName, ...RetryPresetName[]]).describe('quick (3 attempts from 0.5 s), standard (5 from 1 s), patient (10 from 2 s), network (exponential with decorrelated jitter), none.'),
    inlineRetrySchema,
  ])
  .describe('How to retry: a preset name or an inline policy.');

const breakBackoffSchema = z
  .strictObject({
    kind: z.enum(BACKOFF_KINDS as [BackoffKind, ...BackoffKind[]]).describe('How the break grows: fixed, linear, exponential or fibonacci.'),
    maxMs: ms('The longest break.').optional(),
    factor: z.number().positive().optional().describe('exponential: the multiplier between breaks (default 2); linear: the step as a multiple of halfOpenAfterMs (default 1).'),
    jitter: z.enum(JITTER_KINDS as [JitterKind, ...JitterKind[]]).optional().describe('none (default), full, equal or decorrelated.'),
  })
  .describe('Make the break grow on each reopening, starting from halfOpenAfterMs.');

const breakerCommon = {
  halfOpenAfterMs: ms('How long the breaker stays open before trial calls are allowed (default 30000).').optional(),
  breakBackoff: breakBackoffSchema.optional(),
  halfOpenProbes: z.number().int().min(1).max(100).optional().describe('Successful trial calls needed to close again (default 1).'),
  halfOpenConcurrency: z.number().int().min(1).max(100).optional().describe('Trial calls allowed at the same time (default 1).'),
};

export const consecutiveBreakerSchema = z
  .strictObject({
    kind: z.literal('consecutive').describe('consecutive: open after a number of failures in a row.'),
    threshold: z.number().int().min(1).describe('Open after this many failures in a row.'),
    ...breakerCommon,
  })
  .describe('Opens after a number of failures in a row.');

export const rateBreakerSchema = z
  .strictObject({
    kind: z.literal('rate').describe('rate: open when the failure rate in a sliding window reaches a threshold.'),
    threshold: z.number().gt(0).max(1).describe('Open when the failure rate in the window reaches this ratio (0.5 = 50 %).'),
    windowMs: positiveMs('The sliding window in milliseconds.'),
    minimumThroughput: z.number().int().min(1).optional().describe('No opening before this many calls in the window (default 10).'),
    buckets: z.number().int().min(1).max(1000).optional().describe('How many steps the window slides by (default 10).'),
    ...breakerCommon,
  })
  .describe('Opens when the failure rate in a sliding window reaches a threshold.');

/** One value of `breakers` in .rebound/config.json. */
export const breakerConfigSchema = z.discriminatedUnion('kind', [consecutiveBreakerSchema, rateBreakerSchema]).describe('A circuit breaker.');

export type BackoffConfig = z.infer<typeof backoffConfigSchema>;
export type InlineRetryConfig = z.infer<typeof inlineRetrySchema>;
export type RetryPolicyConfig = z.infer<typeof retryPolicySchema>;
export type BreakerConfig = z.infer<typeof breakerConfigSchema>;

export interface PolicyDependencies {
  clock?: Clock;
  random?: RandomSource;
}

export function backoffFromConfig(config: BackoffConfig): Backoff {
  return backoff({ kind: config.kind, baseMs: config.baseMs, maxMs: config.maxMs, factor: config.factor, jitter: config.jitter });
}

/** A preset name as the inline policy it stands for (an inline policy is returned as is). */
export function resolveRetryConfig(config: RetryPolicyConfig): InlineRetryConfig {
  return typeof config === 'string' ? RETRY_PRESETS[config] : config;
}

export interface RetryPolicyDependencies extends PolicyDependencies {
  /** A budget shared with other policies; wins over the config's own `budget`. */
  budget?: RetryBudget;
  /** The budget bucket (the task's component or name). */
  component?: string;
}

/** Builds the retry policy a parsed `retry` value describes. */
export function retryPolicyFromConfig(config: RetryPolicyConfig, deps: RetryPolicyDependencies = {}): RetryPolicy {
  const c = resolveRetryConfig(config);
  const perCategory: Partial<Record<Category, CategoryRetryOptions>> = {};
  for (const cat of CATEGORIES) {
    const o = c.perCategory?.[cat];
    if (o) perCategory[cat] = { maxAttempts: o.maxAttempts, backoff: o.backoff ? backoffFromConfig(o.backoff) : undefined };
  }
  const budget = deps.budget ?? (c.budget ? new RetryBudget({ ...c.budget, clock: deps.clock }) : undefined);
  return retry({
    maxAttempts: c.maxAttempts,
    backoff: c.backoff ? backoffFromConfig(c.backoff) : backoffFromConfig(RETRY_PRESETS.standard.backoff!),
    deadlineMs: c.deadlineMs,
    attemptTimeoutMs: c.attemptTimeoutMs,
    retryOn: c.retryOn,
    perCategory: c.perCategory ? perCategory : undefined,
    budget,
    component: deps.component,
    clock: deps.clock,
    random: deps.random,
  });
}

export interface BreakerDependencies extends PolicyDependencies {
  /** Persisted state to start from (from the breakers repository). */
  initialState?: CircuitBreakerSnapshot;
}

/** Builds the circuit breaker a parsed `breakers.NAME` value describes. */
export function breakerFromConfig(name: string, config: BreakerConfig, deps: BreakerDependencies = {}): CircuitBreakerPolicy {
  const halfOpenAfterMs = config.halfOpenAfterMs ?? 30_000;
  return circuitBreaker({
    name,
    breaker:
      config.kind === 'consecutive'
        ? consecutiveBreaker(config.threshold)
        : rateBreaker({ threshold: config.threshold, windowMs: config.windowMs, minimumThroughput: config.minimumThroughput, buckets: config.buckets }),
    halfOpenAfter: config.breakBackoff ? backoffFromConfig({ ...config.breakBackoff, baseMs: halfOpenAfterMs }) : halfOpenAfterMs,
    halfOpenProbes: config.halfOpenProbes,
    halfOpenConcurrency: config.halfOpenConcurrency,
    initialState: deps.initialState,
    clock: deps.clock,
    random: deps.random,
  });
}
