import { isAbsolute, resolve } from 'node:path';
import { createClassifier, type Classifier } from '../../engine/classify';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../engine/clock';
import { RecoveryError } from '../../engine/errors';
import { definitionDifferences, definitionHash, type DefinitionDifference, type DisplayDefinition, type TaskDefinition } from '../../engine/tasks';
import { AttemptRepository } from '../../store/attempts';
import { BreakerRepository } from '../../store/breakers';
import { DeadLetterRepository } from '../../store/deadLetters';
import { RunRepository, type Liveness, type RunOwner, type StoredRun } from '../../store/runs';
import { BreakerPool } from './breakerPool';
import { RunLease } from './lease';
import { currentRunOwner, isOwnerAlive, stopRunProcesses } from './owner';
import { requireTask, type TaskRunIo, type TaskRunnerOptions } from './types';

/**
 * What every job of the task runner shares: the store's repositories, the clock, who this runner
 * is and how it tells live owners from gone ones, the breakers, the runs it executes now, and the
 * small helpers (claiming a run, its lease, its definition, its cwd, its classifier).
 */
export class TaskRunnerCore {
  readonly runs: RunRepository;
  readonly attempts: AttemptRepository;
  readonly deadLetters: DeadLetterRepository;
  readonly breakers: BreakerRepository;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly owner: RunOwner;
  readonly isAlive: (owner: RunOwner) => boolean;
  readonly heartbeatMs: number;
  readonly staleAfterMs: number;
  private readonly classifiers = new WeakMap<object, Classifier>();
  /** Runs this runner is executing now, by task name. */
  readonly active = new Map<string, number>();
  /** One breaker per key for every run of this runner, kept in step with the store. */
  readonly breakerPool: BreakerPool;

  constructor(readonly options: TaskRunnerOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    const now = () => this.clock.now();
    const db = options.store.db;
    this.runs = new RunRepository(db, { now });
    this.attempts = new AttemptRepository(db);
    this.deadLetters = new DeadLetterRepository(db, { now });
    this.breakers = new BreakerRepository(db, { now });
    this.owner = options.identity ?? currentRunOwner();
    this.isAlive = options.isAlive ?? isOwnerAlive;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.breakerPool = new BreakerPool(this.breakers, { clock: this.clock, random: this.random });
  }

  /** The task, or a ConfigurationError naming the configured tasks. */
  definition(name: string): TaskDefinition {
    return requireTask(this.options.tasks(), name);
  }

  /**
   * Takes the run over (or throws when someone else changed it first), then stops what is left of
   * its processes, then marks the steps a dead owner left running or undoing. In that order: a
   * process that loses the claim stops nothing. Returns the pids stopped.
   */
  claim(run: StoredRun, data: Record<string, unknown>, io: TaskRunIo, exclusive = true): number[] {
    this.take(run, data, exclusive);
    const pids = stopRunProcesses(run.id);
    if (pids.length) {
      try {
        io.onProgress?.({ kind: 'stopped-leftovers', runId: run.id, pids });
      } catch {
        // A failing listener does not stop the recovery.
      }
    }
    this.markInterrupted(run.id);
    return pids;
  }

  /** Starts the heartbeat of a run this runner owns. */
  lease(runId: string, parent: AbortSignal | undefined): RunLease {
    return new RunLease({ runs: this.runs, runId, owner: this.owner, clock: this.clock, intervalMs: this.heartbeatMs, parent });
  }

  /**
   * Claims the run for this runner, or throws when someone else changed it first (or, when
   * `exclusive`, with a LockError when another live run of the task holds it).
   */
  take(run: StoredRun, data: Record<string, unknown>, exclusive: boolean): void {
    if (!this.runs.claim(run.id, this.owner, run, data, exclusive ? this.liveness() : undefined)) {
      throw new RecoveryError(`Run ${run.id} of "${run.name}" was taken over by another process meanwhile`, { context: { task: run.name, runId: run.id } });
    }
  }

  /** Steps left running or undoing by a dead owner become failed / undo-failed (journaled). */
  markInterrupted(runId: string): void {
    for (const s of this.runs.require(runId).steps) {
      if (s.state === 'running') this.runs.transition(runId, s.index, { from: 'running', to: 'failed', data: { reason: 'interrupted' } });
      else if (s.state === 'undoing') this.runs.transition(runId, s.index, { from: 'undoing', to: 'undo-failed', data: { reason: 'interrupted' } });
    }
  }

  /**
   * The definition to continue a run with: the config's own, and only when it executes exactly
   * what the run started with (the same definition hash). Undefined otherwise: what the database
   * holds of a run's definition is a redacted copy for display, never executed.
   */
  definitionOf(run: StoredRun): TaskDefinition | undefined {
    const current = this.options.tasks().get(run.name);
    if (!current || run.definitionHash === null) return undefined;
    return definitionHash(current) === run.definitionHash ? current : undefined;
  }

  /** How the config's definition of a run's task differs from what the run started with (empty when it does not). */
  definitionChanges(run: StoredRun): DefinitionDifference[] {
    if (this.definitionOf(run)) return [];
    return definitionDifferences(isDisplayDefinition(run.definition) ? run.definition : null, this.options.tasks().get(run.name));
  }

  /**
   * Throws a RecoveryError showing the differences when a run cannot be resumed because
   * .rebound/config.json no longer says what it started with (or the task is gone); rollback and
   * abandon are offered instead.
   */
  requireSameDefinition(run: StoredRun): TaskDefinition {
    const def = this.definitionOf(run);
    if (def) return def;
    const changes = this.definitionChanges(run);
    const gone = changes.length === 1 && changes[0].path === 'task';
    const lines = changes.slice(0, 20).map((c) => `  ${c.path}: ${shown(c.stored)} -> ${shown(c.current)}`);
    if (changes.length > 20) lines.push(`  … and ${changes.length - 20} more`);
    throw new RecoveryError(
      `Run ${run.id} of "${run.name}" cannot be resumed: ${gone ? `.rebound/config.json no longer defines the task "${run.name}"` : `.rebound/config.json no longer defines what it started with`}, ` +
        `and Rebound only runs what the config says now.\n${lines.join('\n')}\n` +
        (gone
          ? `Abandon it (rebound recovery execute ${run.id} --action abandon), or add the task back as it was and resume.`
          : `Roll it back with the config's undo commands (rebound recovery execute ${run.id} --action rollback) or abandon it (--action abandon).`),
      { code: 'RB-RECOVER-CHANGED', context: { task: run.name, runId: run.id } },
    );
  }

  /**
   * The definition a rollback runs: the config's task, each of the run's steps undone with the
   * undo command the config gives the step of that name now (none when the config has no such
   * step). Throws when the task is gone from the config: there is nothing to run, only abandon.
   */
  rollbackDefinition(run: StoredRun): TaskDefinition {
    const same = this.definitionOf(run);
    if (same) return same;
    const current = this.options.tasks().get(run.name);
    if (!current) this.requireSameDefinition(run);
    const byName = new Map(current!.steps.map((s) => [s.name, s]));
    return {
      ...current!,
      steps: run.steps.map((s) => {
        const now = byName.get(s.name);
        return now?.undo === undefined ? { name: s.name, command: now?.command ?? '' } : { name: s.name, command: now.command, undo: now.undo };
      }),
    };
  }

  interruptedReason(run: StoredRun): string | undefined {
    const found = this.runs.interrupted({ ...this.liveness(), kind: run.kind, name: run.name });
    return found.find((f) => f.run.id === run.id)?.reason;
  }

  /** How this runner tells live run owners from gone ones; also what keeps one task to one run at a time. */
  liveness(): Liveness {
    return { host: this.owner.host, isAlive: this.isAlive, staleAfterMs: this.staleAfterMs };
  }

  classifierFor(def: TaskDefinition): Classifier {
    let c = this.classifiers.get(def.rules);
    if (!c) {
      c = createClassifier(def.rules);
      this.classifiers.set(def.rules, c);
    }
    return c;
  }

  cwdOf(def: TaskDefinition): string {
    return isAbsolute(def.cwd) ? def.cwd : resolve(this.options.root, def.cwd || '.');
  }
}

const shown = (v: string | undefined): string => (v === undefined ? '(none)' : JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v));

/** Whether a stored run definition is the redacted copy runs keep (store v4). */
function isDisplayDefinition(v: unknown): v is DisplayDefinition {
  return typeof v === 'object' && v !== null && Array.isArray((v as DisplayDefinition).steps) && typeof (v as DisplayDefinition).name === 'string';
}
