import type { Database } from './sqlite';
import { errorsStep } from './schema/v1-errors';
import { resilienceStep } from './schema/v2-resilience';
import { runsStep } from './schema/v3-runs';
import { safetyStep } from './schema/v4-safety';

/** One forward step of the store's own schema, applied inside an immediate transaction. */
export interface StoreStep {
  version: number;
  name: string;
  up(db: Database): void;
}

/** The store schema, in order. Never edit a released step: append a new one. */
export const STORE_STEPS: readonly StoreStep[] = [errorsStep, resilienceStep, runsStep, safetyStep];
