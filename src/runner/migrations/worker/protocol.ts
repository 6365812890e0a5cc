import type { SerializedError } from '../../../engine/errors';
import type { NewDeadLetter } from '../../../engine/resilience';
import type { ResolvedDatabase } from '../databases';
import type { MigrationJob } from '../jobs';
import type { MigrationProgress } from '../reports';

/**
 * The messages between the extension host and the migration worker process (a child process with
 * an IPC channel). Everything is plain JSON: errors travel serialised (serializeError) and come
 * back as the same kinds of errors (deserializeError).
 */
export type ToWorker =
  /** Runs one job; the worker answers with progress, park, then done or failed, and exits. */
  | { type: 'start'; db: ResolvedDatabase; job: MigrationJob }
  /** Stops between statements (the job fails with a CancelledError); the host kills the worker if a statement does not end soon. */
  | { type: 'cancel' };

export type FromWorker =
  | { type: 'progress'; progress: MigrationProgress }
  /** A migration failed: this dead letter is for the host to add to the workspace's queue. */
  | { type: 'park'; entry: Omit<NewDeadLetter, 'error'> & { error: SerializedError } }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: SerializedError };
