import { LockError, ValidationError } from '../engine/errors';
import {
  RUN_STATES,
  canStepTransition,
  type JournalRecord,
  type RecoveryAction,
  type RecoveryStrategy,
  type RunState,
  type StepState,
} from '../engine/tasks/runModel';
import { redact } from '../engine/redact/redact';
import { definitionHash, displayDefinition, isTaskDefinitionLike } from '../engine/tasks/storedDefinition';
import type { Database } from './sqlite';
import type {
  InterruptedQuery,
  InterruptedRunInfo,
  Liveness,
  RunListQuery,
  RunOwner,
  StartRunInput,
  StepTransition,
  StoredJournalEntry,
  StoredRecovery,
  StoredRun,
  StoredStep,
} from './runTypes';

export type * from './runTypes';

/** Why a run that says `running` is interrupted, or undefined when its owner is alive (see RunRepository.interrupted). */
function interruption(run: StoredRun, q: Liveness, now: number): InterruptedRunInfo['reason'] | undefined {
  if (run.owner.host === q.host) {
    if (!q.isAlive({ ...run.owner, startTime: null })) return 'owner-gone';
    if (!q.isAlive(run.owner)) return 'pid-reused';
    if (run.owner.startTime === null && now - run.heartbeat > q.staleAfterMs) return 'heartbeat-expired';
    return undefined;
  }
  return now - run.heartbeat > q.staleAfterMs ? 'heartbeat-expired' : undefined;
}

interface RunRow {
  id: string;
  kind: 'task' | 'migration';
  name: string;
  state: RunState;
  owner_pid: number;
  owner_host: string;
  owner_start: number | null;
  started_at: number;
  heartbeat: number;
  ended_at: number | null;
  definition_json: string;
  definition_hash: string | null;
  error_code: string | null;
  resumed_from: string | null;
}

interface StepRow {
  run_id: string;
  idx: number;
  name: string;
  state: StepState;
  started_at: number | null;
  ended_at: number | null;
  exit_code: number | null;
}

interface JournalRow {
  id: number;
  run_id: string;
  time: number;
  entry: string;
  step_idx: number | null;
  data_json: string | null;
}

interface RecoveryRow {
  id: number;
  run_id: string;
  created_at: number;
  strategy: RecoveryStrategy;
  action: RecoveryAction;
  plan_json: string;
  outcome: 'succeeded' | 'failed' | null;
  ended_at: number | null;
  detail: string | null;
}

function parse(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function stepOf(r: StepRow): StoredStep {
  return { index: r.idx, name: r.name, state: r.state, startedAt: r.started_at, endedAt: r.ended_at, exitCode: r.exit_code };
}

function journalOf(r: JournalRow): StoredJournalEntry {
  const data = parse(r.data_json);
  const e: StoredJournalEntry = { id: r.id, runId: r.run_id, time: r.time, entry: r.entry as JournalRecord['entry'], stepIndex: r.step_idx };
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) e.data = data as Record<string, unknown>;
  return e;
}

function recoveryOf(r: RecoveryRow): StoredRecovery {
  return {
    id: r.id,
    runId: r.run_id,
    createdAt: r.created_at,
    strategy: r.strategy,
    action: r.action,
    plan: parse(r.plan_json),
    outcome: r.outcome,
    endedAt: r.ended_at,
    detail: r.detail,
  };
}

/** What a run keeps of its definition: the redacted copy to show and the hash to compare (see storedDefinition.ts). */
function storedDefinition(definition: unknown): { json: string; hash: string | null } {
  if (isTaskDefinitionLike(definition)) {
    const def = { ...definition, cwd: definition.cwd ?? '.', env: definition.env ?? {} };
    return { json: JSON.stringify(displayDefinition(def)), hash: definitionHash(def) };
  }
  if (definition === undefined || definition === null) return { json: 'null', hash: null };
  return { json: JSON.stringify(redact(JSON.stringify(definition)).slice(0, 2000)), hash: null };
}

/** Terminal states a run may end in through {@link RunRepository.finish}. */
const END_STATES: readonly RunState[] = RUN_STATES.filter((s) => s !== 'running');

/**
 * Task runs with their step checkpoints, the journal and recovery records (tables of store v3).
 * Every change of a run's or a step's state writes its journal entry in the same transaction, so
 * `runs`/`run_steps` and `journal` can never disagree (see `checkJournal` in the engine).
 */
export class RunRepository {
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Creates a run in state `running` with every step `pending`; journal: `run-started`. With
   * `exclusive`, a run of the same kind and name whose owner is alive makes this throw a LockError
   * naming it; the check and the insert are one immediate transaction, so two processes cannot
   * both start.
   */
  start(input: StartRunInput, exclusive?: Liveness): StoredRun {
    if (input.steps.length === 0) throw new ValidationError(`Run ${input.id} of "${input.name}" has no steps`);
    const now = this.now();
    const stored = storedDefinition(input.definition);
    this.db
      .transaction(() => {
        if (exclusive) this.assertNoLiveRun(input.kind ?? 'task', input.name, input.id, exclusive, now);
        this.db
          .prepare(
            `INSERT INTO runs (id, kind, name, state, owner_pid, owner_host, owner_start, started_at, heartbeat, ended_at, definition_json, definition_hash, error_code, resumed_from)
             VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?)`,
          )
          .run(
            input.id,
            input.kind ?? 'task',
            input.name,
            input.owner.pid,
            input.owner.host,
            input.owner.startTime,
            now,
            now,
            stored.json,
            stored.hash,
            input.resumedFrom ?? null,
          );
        const step = this.db.prepare(`INSERT INTO run_steps (run_id, idx, name, state) VALUES (?, ?, ?, 'pending')`);
        input.steps.forEach((name, i) => step.run(input.id, i, name));
        this.append(input.id, now, { entry: 'run-started', stepIndex: null, data: { steps: [...input.steps], owner: input.owner } });
      })
      .immediate();
    return this.require(input.id);
  }

  get(id: string): StoredRun | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? this.runOf(row) : undefined;
  }

  /** The run, or a ValidationError naming the id. */
  require(id: string): StoredRun {
    const run = this.get(id);
    if (!run) throw new ValidationError(`Run ${id} does not exist`);
    return run;
  }

  /**
   * Moves one step to another state and journals it (entry `step`, data `{ from, to, ... }`).
   * Throws a ValidationError when the step is not in an allowed `from` state, so a second writer
   * cannot silently overwrite the first one's checkpoint.
   */
  transition(runId: string, index: number, t: StepTransition): StoredStep {
    const now = this.now();
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT * FROM run_steps WHERE run_id = ? AND idx = ?').get(runId, index) as StepRow | undefined;
        if (!row) throw new ValidationError(`Run ${runId} has no step ${index}`);
        const allowed = t.from === undefined ? undefined : typeof t.from === 'string' ? [t.from] : t.from;
        if ((allowed && !allowed.includes(row.state)) || !canStepTransition(row.state, t.to)) {
          throw new ValidationError(`Step ${index} ("${row.name}") of run ${runId} is ${row.state}; it cannot become ${t.to}`);
        }
        const startedAt = t.to === 'running' || t.to === 'undoing' ? now : row.started_at;
        const endedAt = t.to === 'running' || t.to === 'undoing' ? null : now;
        const exitCode = t.exitCode === undefined ? (t.to === 'running' ? null : row.exit_code) : t.exitCode;
        this.db
          .prepare('UPDATE run_steps SET state = ?, started_at = ?, ended_at = ?, exit_code = ? WHERE run_id = ? AND idx = ?')
          .run(t.to, startedAt, endedAt, exitCode, runId, index);
        this.db.prepare('UPDATE runs SET heartbeat = max(heartbeat, ?) WHERE id = ?').run(now, runId);
        const data: Record<string, unknown> = { ...(t.data ?? {}), from: row.state, to: t.to };
        if (exitCode !== null && t.exitCode !== undefined) data.exitCode = exitCode;
        this.append(runId, now, { entry: 'step', stepIndex: index, data });
        return { index, name: row.name, state: t.to, startedAt, endedAt, exitCode };
      })
      .immediate();
  }

  /** A journal entry that changes no state (an attempt's failure, an output note). */
  note(runId: string, entry: 'attempt' | 'note', stepIndex: number | null, data: Record<string, unknown>): void {
    const now = this.now();
    this.db.transaction(() => this.append(runId, now, { entry, stepIndex, data })).immediate();
  }

  /**
   * Keeps the run visibly alive; false when the run is no longer running and owned by `owner`
   * (the same pid, host and start time: a process that took the run over under a reused pid is
   * another owner).
   */
  heartbeat(runId: string, owner: RunOwner): boolean {
    const info = this.db
      .prepare(`UPDATE runs SET heartbeat = ? WHERE id = ? AND state = 'running' AND owner_pid = ? AND owner_host = ? AND owner_start IS ?`)
      .run(this.now(), runId, owner.pid, owner.host, owner.startTime);
    return info.changes > 0;
  }

  /** Ends a running run; journal: `run-ended` with the state. */
  finish(runId: string, state: RunState, options: { errorCode?: string | null; data?: Record<string, unknown> } = {}): StoredRun {
    if (!END_STATES.includes(state)) throw new ValidationError(`A run cannot finish as ${state}`);
    const now = this.now();
    this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT state FROM runs WHERE id = ?').get(runId) as { state: RunState } | undefined;
        if (!row) throw new ValidationError(`Run ${runId} does not exist`);
        if (row.state !== 'running') throw new ValidationError(`Run ${runId} is ${row.state}, not running; it cannot end as ${state}`);
        this.db.prepare('UPDATE runs SET state = ?, ended_at = ?, heartbeat = ?, error_code = ? WHERE id = ?').run(state, now, now, options.errorCode ?? null, runId);
        this.append(runId, now, { entry: 'run-ended', stepIndex: null, data: { ...(options.data ?? {}), state, errorCode: options.errorCode ?? null } });
      })
      .immediate();
    return this.require(runId);
  }

  /**
   * Takes a run over to continue it (resume, rollback, abandon): it becomes `running`, owned by
   * `owner`. Only when it is still as `expected` says (its state, and for a running run its owner
   * and heartbeat), so two processes recovering the same run cannot both take it. Journal:
   * `run-resumed`. Returns false when someone else changed it first.
   */
  claim(
    runId: string,
    owner: RunOwner,
    expected: Pick<StoredRun, 'state' | 'owner' | 'heartbeat' | 'kind' | 'name'>,
    data: Record<string, unknown> = {},
    exclusive?: Liveness,
  ): boolean {
    const now = this.now();
    return this.db
      .transaction(() => {
        if (exclusive) this.assertNoLiveRun(expected.kind, expected.name, runId, exclusive, now);
        const info = this.db
          .prepare(
            `UPDATE runs SET state = 'running', owner_pid = ?, owner_host = ?, owner_start = ?, heartbeat = ?, ended_at = NULL, error_code = NULL
             WHERE id = ? AND state = ? AND owner_pid = ? AND owner_host = ? AND heartbeat = ?`,
          )
          .run(owner.pid, owner.host, owner.startTime, now, runId, expected.state, expected.owner.pid, expected.owner.host, expected.heartbeat);
        if (info.changes === 0) return false;
        this.append(runId, now, { entry: 'run-resumed', stepIndex: null, data: { ...data, from: expected.state, owner } });
        return true;
      })
      .immediate();
  }

  /** Runs, newest first. */
  list(query: RunListQuery = {}): StoredRun[] {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (query.kind) {
      parts.push('kind = ?');
      params.push(query.kind);
    }
    if (query.name !== undefined) {
      parts.push('name = ?');
      params.push(query.name);
    }
    if (query.states) {
      if (query.states.length === 0) return [];
      parts.push(`state IN (${query.states.map(() => '?').join(', ')})`);
      params.push(...query.states);
    }
    const limit = Math.max(1, Math.min(query.limit ?? 100, 10_000));
    const rows = this.db
      .prepare(`SELECT * FROM runs ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY started_at DESC, rowid DESC LIMIT ?`)
      .all(...params, limit) as RunRow[];
    return rows.map((r) => this.runOf(r));
  }

  /** The latest run of each name (of `kind`, default tasks). */
  lastPerName(kind: 'task' | 'migration' = 'task'): Map<string, StoredRun> {
    const rows = this.db
      .prepare(
        `SELECT r.* FROM runs r
         WHERE r.kind = ? AND r.rowid = (SELECT r2.rowid FROM runs r2 WHERE r2.kind = r.kind AND r2.name = r.name ORDER BY r2.started_at DESC, r2.rowid DESC LIMIT 1)`,
      )
      .all(kind) as RunRow[];
    return new Map(rows.map((r) => [r.name, this.runOf(r)]));
  }

  /**
   * Runs that say `running` but whose owner is gone: on this host, its pid is not alive or belongs
   * to a later process (another start time); on any host, its heartbeat is older than
   * `staleAfterMs` — unless the owner is on this host and proven alive (a suspended laptop does
   * not make a live run "interrupted").
   */
  interrupted(q: InterruptedQuery): InterruptedRunInfo[] {
    const now = this.now();
    const found: InterruptedRunInfo[] = [];
    for (const run of this.list({ states: ['running'], kind: q.kind, name: q.name, limit: 10_000 })) {
      const reason = interruption(run, q, now);
      if (reason) found.push({ run, reason });
    }
    return found;
  }

  /** Runs that say `running` and whose owner is alive (the complement of {@link interrupted}). */
  live(q: InterruptedQuery, now = this.now()): StoredRun[] {
    return this.list({ states: ['running'], kind: q.kind, name: q.name, limit: 10_000 }).filter((r) => interruption(r, q, now) === undefined);
  }

  /** Throws a LockError when another run of this kind and name says `running` and its owner is alive. */
  private assertNoLiveRun(kind: 'task' | 'migration', name: string, exceptId: string, liveness: Liveness, now: number): void {
    const other = this.live({ ...liveness, kind, name }, now).find((r) => r.id !== exceptId);
    if (!other) return;
    const what = kind === 'task' ? 'Task' : 'Migration';
    throw new LockError(
      `${what} "${name}" is already running: run ${other.id}, pid ${other.owner.pid} on ${other.owner.host}, started ${new Date(other.startedAt).toISOString()}. ` +
        'Wait for it to finish or cancel it; two runs of one task would run its steps at the same time.',
      { context: kind === 'task' ? { component: 'tasks', task: name, runId: other.id } : { component: 'migrations', runId: other.id } },
    );
  }

  journal(runId: string): StoredJournalEntry[] {
    return (this.db.prepare('SELECT * FROM journal WHERE run_id = ? ORDER BY id').all(runId) as JournalRow[]).map(journalOf);
  }

  /** Records a recovery decision with its plan; the outcome follows with {@link endRecovery}. Journal: `recovery`. */
  addRecovery(runId: string, strategy: RecoveryStrategy, action: RecoveryAction, plan: unknown): StoredRecovery {
    const now = this.now();
    const id = this.db
      .transaction(() => {
        const info = this.db
          .prepare(`INSERT INTO recoveries (run_id, created_at, strategy, action, plan_json) VALUES (?, ?, ?, ?, ?)`)
          .run(runId, now, strategy, action, redact(JSON.stringify(plan ?? null)));
        const recoveryId = Number(info.lastInsertRowid);
        this.append(runId, now, { entry: 'recovery', stepIndex: null, data: { recoveryId, strategy, action } });
        return recoveryId;
      })
      .immediate();
    return this.recovery(id)!;
  }

  endRecovery(id: number, outcome: 'succeeded' | 'failed', detail?: string): StoredRecovery {
    this.db.prepare('UPDATE recoveries SET outcome = ?, ended_at = ?, detail = ? WHERE id = ?').run(outcome, this.now(), detail === undefined ? null : redact(detail), id);
    const r = this.recovery(id);
    if (!r) throw new ValidationError(`Recovery ${id} does not exist`);
    return r;
  }

  recovery(id: number): StoredRecovery | undefined {
    const row = this.db.prepare('SELECT * FROM recoveries WHERE id = ?').get(id) as RecoveryRow | undefined;
    return row ? recoveryOf(row) : undefined;
  }

  recoveries(runId: string): StoredRecovery[] {
    return (this.db.prepare('SELECT * FROM recoveries WHERE run_id = ? ORDER BY id').all(runId) as RecoveryRow[]).map(recoveryOf);
  }

  /**
   * Deletes ended runs (with their steps, journal and recoveries) that ended before `before`,
   * keeping the latest run of each name. Running runs are never deleted. Returns how many.
   */
  purgeEndedBefore(before: number, kind: 'task' | 'migration' = 'task'): number {
    return this.db
      .transaction(() => {
        const latest = this.lastPerName(kind);
        const rows = this.db.prepare(`SELECT id FROM runs WHERE kind = ? AND state != 'running' AND ended_at IS NOT NULL AND ended_at < ?`).all(kind, before) as Array<{
          id: string;
        }>;
        const keep = new Set([...latest.values()].map((r) => r.id));
        const del = this.db.prepare('DELETE FROM runs WHERE id = ?');
        let n = 0;
        for (const r of rows) {
          if (keep.has(r.id)) continue;
          // Children first: foreign keys may be off on this connection.
          for (const t of ['run_steps', 'journal', 'recoveries']) this.db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(r.id);
          n += del.run(r.id).changes;
        }
        return n;
      })
      .immediate();
  }

  private append(runId: string, time: number, e: JournalRecord): void {
    this.db
      .prepare('INSERT INTO journal (run_id, time, entry, step_idx, data_json) VALUES (?, ?, ?, ?, ?)')
      .run(runId, time, e.entry, e.stepIndex, e.data === undefined ? null : redact(JSON.stringify(e.data)));
  }

  private runOf(r: RunRow): StoredRun {
    const steps = (this.db.prepare('SELECT * FROM run_steps WHERE run_id = ? ORDER BY idx').all(r.id) as StepRow[]).map(stepOf);
    return {
      id: r.id,
      kind: r.kind,
      name: r.name,
      state: r.state,
      owner: { pid: r.owner_pid, host: r.owner_host, startTime: r.owner_start },
      startedAt: r.started_at,
      heartbeat: r.heartbeat,
      endedAt: r.ended_at,
      definition: parse(r.definition_json),
      definitionHash: r.definition_hash ?? null,
      errorCode: r.error_code,
      resumedFrom: r.resumed_from,
      steps,
    };
  }
}


