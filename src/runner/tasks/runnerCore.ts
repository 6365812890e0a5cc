import { isAbsolute, resolve } from 'node:path';
import { createClassifier, type Classifier } from '../../engine/classify';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../engine/clock';
import { RecoveryError } from '../../engine/errors';
import type { TaskDefinition } from '../../engine/tasks';
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

  /** The definition to continue a run with: the current one when its steps are the same, else the one the run started with. */
  definitionOf(run: StoredRun): TaskDefinition | undefined {
    const current = this.options.tasks().get(run.name);
    const names = run.steps.map((s) => s.name);
    if (current && current.steps.length === names.length && current.steps.every((s, i) => s.name === names[i])) return current;
    const stored = run.definition as TaskDefinition | null;
    if (stored && Array.isArray(stored.steps) && stored.steps.length === names.length) return stored;
    return undefined;
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
