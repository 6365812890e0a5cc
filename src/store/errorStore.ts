import { createClassifier, type Classifier } from '../engine/classify/classifier';
import type { UserRule } from '../engine/classify/ruleSchema';
import { systemClock, type Clock } from '../engine/clock';
import { EventEmitter, type Disposable, type Event } from '../engine/event';
import { evaluateHealth, type ComponentMetrics, type HealthNote, type HealthReport } from '../engine/health/evaluate';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from '../engine/health/thresholdsSchema';
import { DEFAULT_ISSUE_POLICY, type IgnoreCondition, type IssuePolicy, type IssueTransition } from '../engine/issues/issueState';
import type { LimitsConfig } from '../engine/issues/limitsSchema';
import { DEFAULT_RETENTION, type RetentionConfig } from '../engine/issues/retentionSchema';
import { addSecretValues, secretEnvValues } from '../engine/redact/values';
import { openDatabase, type OpenOptions } from './database';
import { EventRepository, type EventFilter, type EventPage, type RecordInput, type RecordResult, type StoredEvent } from './events';
import { exportEvents, type ExportFormat } from './export';
import { IssueRepository, type Issue, type IssueFilter, type IssuePage, type IssueSortKey, type PageRequest } from './issues';
import type { Database } from './sqlite';
import { StatsRepository, type Statistics } from './stats';
import { EventBudget, SizeLimit, resolveLimits, type SizeTrim } from './limits';
import { SpoolKeeper, type SpoolImport } from './spoolKeeper';

/** What changed, so views refresh only what they show. */
export interface StoreChange {
  kind: 'recorded' | 'triaged' | 'retention' | 'cleared';
  /** Issues touched (empty for `cleared`). */
  issueIds: number[];
  /** Transitions that happened (created, regressed, escalated, ...). */
  transitions: IssueTransition[];
}

export interface ErrorStoreOptions {
  /** The workspace folder: paths under it are normalised in fingerprints and frames found in it. */
  workspaceRoot?: string;
  clock?: Clock;
  /** The user's classification rules (`rules` in config.json, already validated). */
  rules?: readonly UserRule[];
  /** A ready classifier (instead of `rules`). */
  classifier?: Classifier;
  retention?: RetentionConfig;
  /** `limits` of config.json: database size, events per run, flood control across fingerprints (defaults in limitsSchema.ts). */
  limits?: LimitsConfig;
  issuePolicy?: Partial<IssuePolicy>;
  healthThresholds?: HealthThresholds;
}

const DAY = 86_400_000;

/**
 * The workspace's error store: records failures (classified, redacted, fingerprinted, grouped
 * into issues, flood-controlled), answers the explorer, dashboard, CLI and health queries, and
 * fires `onDidChange` after every write.
 */
/** The resolution of an event whose failure a retry of the same run recovered. */
export const RECOVERED_RESOLUTION = 'recovered by a retry';

export class ErrorStore implements Disposable {
  readonly events: EventRepository;
  readonly issues: IssueRepository;
  readonly stats: StatsRepository;
  /** Things the user should be told about opening the database (a corrupt file moved aside). */
  readonly notices: string[];
  private readonly changed = new EventEmitter<StoreChange>();
  readonly onDidChange: Event<StoreChange> = this.changed.event;
  private readonly clock: Clock;
  private readonly retention: Required<RetentionConfig>;
  private readonly thresholds: HealthThresholds;
  private closed = false;
  private lastRetention: number | undefined;
  /** Where events go when the database cannot take them, and how they come back (see spool.ts). */
  readonly spool: SpoolKeeper;
  private readonly sizeLimit: SizeLimit;
  /** What the size limit removed last (for health and tests). */
  lastTrim: SizeTrim | undefined;
  private healthCache: { key: string; metrics: ComponentMetrics[] } | undefined;

  /**
   * Opens (creating or upgrading) the database file and imports what was spooled for it; see
   * `notices` for what the user should know.
   */
  static open(file: string, options: ErrorStoreOptions & OpenOptions = {}): ErrorStore {
    const { db, notices } = openDatabase(file, { ...options, now: options.now ?? (options.clock ? () => options.clock!.now() : undefined) });
    const store = new ErrorStore(db, options, notices, true);
    store.importSpool();
    return store;
  }

  /** Uses an already open database (schema v1 or later); `close()` closes it only when this store opened it. */
  constructor(
    readonly db: Database,
    options: ErrorStoreOptions = {},
    notices: string[] = [],
    private readonly ownsDb = false,
  ) {
    this.notices = notices;
    this.clock = options.clock ?? systemClock;
    // Values of the process's secret-named variables are redacted wherever they appear.
    addSecretValues(secretEnvValues(process.env));
    this.retention = { ...DEFAULT_RETENTION, ...stripUndefined(options.retention ?? {}) };
    this.thresholds = options.healthThresholds ?? DEFAULT_HEALTH_THRESHOLDS;
    const policy: IssuePolicy = { ...DEFAULT_ISSUE_POLICY, ...stripUndefined(options.issuePolicy ?? {}), windowMs: this.retention.floodWindowMs };
    this.issues = new IssueRepository(db, policy);
    this.stats = new StatsRepository(db);
    const classifier = options.classifier ?? createClassifier(options.rules ?? []);
    const limits = resolveLimits(options.limits);
    this.events = new EventRepository(db, this.issues, {
      classifier,
      workspaceRoot: options.workspaceRoot,
      now: () => this.clock.now(),
      flood: { cap: this.retention.floodCap },
      budget: new EventBudget(db, limits, this.retention.floodWindowMs),
    });
    this.sizeLimit = new SizeLimit(db, limits.maxDatabaseMb * 1024 * 1024, limits.maxNewIssuesPerWindow);
    this.spool = new SpoolKeeper(db, this.events, classifier, () => this.clock.now());
  }

  record(input: RecordInput): RecordResult {
    return this.recordBatch([input])[0];
  }

  /**
   * Records events in one transaction. When the database cannot take them (busy past the bounded
   * wait, full, read-only, gone), they are spooled instead (results with `spooled` set, no issue
   * yet) and imported at the next open, or after the next write that succeeds.
   */
  recordBatch(inputs: readonly RecordInput[]): RecordResult[] {
    let results: RecordResult[];
    // The file was deleted under us (`.rebound/` removed during a run): a write would land in the deleted file.
    if (inputs.length > 0 && this.spool.fileGone()) {
      const spooled = this.spool.spool(inputs, 'FILE_GONE');
      if (spooled !== undefined) return spooled;
    }
    try {
      results = this.events.recordBatch(inputs);
    } catch (err) {
      const spooled = this.spool.spoolIfUnavailable(inputs, err);
      if (spooled === undefined) throw err;
      return spooled;
    }
    if (results.length > 0) {
      this.fire('recorded', [...new Set(results.map((r) => r.issueId))], results.flatMap((r) => r.transitions));
      this.retentionIfDue();
      this.enforceSizeLimit();
    }
    if (this.spool.degraded) this.spool.recovered();
    if (this.spool.hasSpooled) this.importSpool();
    return results;
  }

  /**
   * Imports the events spooled for this database (by any process), exactly once. Quietly does
   * nothing while the database still cannot take them.
   */
  importSpool(): SpoolImport {
    const r = this.spool.importAll();
    if (r.imported > 0) {
      this.fire('recorded', r.issueIds, []);
      this.enforceSizeLimit();
    }
    return r;
  }

  /** Keeps the database under `limits.maxDatabaseMb` (see SizeLimit); a failure here never fails the recording. */
  enforceSizeLimit(): SizeTrim | undefined {
    try {
      const trim = this.sizeLimit.enforce();
      if (trim) {
        this.lastTrim = trim;
        this.fire('retention', [], []);
      }
      return trim;
    } catch {
      // Busy or full: the next recording tries again.
      return undefined;
    }
  }

  /** Retention runs by itself, at most once a day, after recording (the last run is kept in `meta`). */
  private retentionIfDue(): void {
    const now = this.clock.now();
    if (this.lastRetention === undefined) {
      const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'retention.lastRun'`).get() as { value: string } | undefined;
      this.lastRetention = row ? Number(row.value) : 0;
    }
    if (now - this.lastRetention < DAY) return;
    this.lastRetention = now;
    this.db.prepare(`INSERT INTO meta (key, value) VALUES ('retention.lastRun', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(now));
    this.applyRetention();
  }

  getEvent(id: number): StoredEvent | undefined {
    return this.events.get(id);
  }

  listEvents(filter: EventFilter = {}, page: PageRequest = {}): EventPage {
    return this.events.list(filter, page);
  }

  eventsByTask(task: string, page: PageRequest = {}): EventPage {
    return this.events.byTask(task, page);
  }

  eventsByMigration(migration: string, page: PageRequest = {}): EventPage {
    return this.events.byMigration(migration, page);
  }

  getIssue(id: number): Issue | undefined {
    return this.issues.get(id);
  }

  listIssues(filter: IssueFilter = {}, page: PageRequest = {}, sort?: { key: IssueSortKey; direction?: 'asc' | 'desc' }): IssuePage {
    return this.issues.list(filter, page, sort);
  }

  resolve(issueId: number, by?: string): Issue | undefined {
    const r = this.issues.resolve(issueId, this.clock.now(), by);
    if (r) this.fire('triaged', [issueId], r.applied.transitions);
    return r?.issue;
  }

  ignore(issueId: number, condition: IgnoreCondition = { mode: 'forever' }): Issue | undefined {
    const r = this.issues.ignore(issueId, condition);
    if (r) this.fire('triaged', [issueId], r.applied.transitions);
    return r?.issue;
  }

  /**
   * A step of run `runId` succeeded on a retry: the events its failed attempts recorded are marked
   * recovered, and each issue all of whose stored events are now recovered leaves the unresolved
   * list as `recovered` (a later failure that is not recovered brings it back). Returns those issues.
   */
  markRecovered(runId: string, step: string): number[] {
    const now = this.clock.now();
    const { ids, transitions } = this.db
      .transaction(() => {
        const touched = (this.db.prepare('SELECT DISTINCT issue_id AS id FROM events WHERE run_id = ? AND step = ? AND resolution IS NULL').all(runId, step) as Array<{ id: number }>).map((r) => r.id);
        this.db.prepare('UPDATE events SET resolution = ? WHERE run_id = ? AND step = ? AND resolution IS NULL').run(RECOVERED_RESOLUTION, runId, step);
        const unrecovered = this.db.prepare('SELECT 1 FROM events WHERE issue_id = ? AND (resolution IS NULL OR resolution <> ?) LIMIT 1');
        const recovered: number[] = [];
        const all: IssueTransition[] = [];
        for (const id of touched) {
          if (unrecovered.get(id, RECOVERED_RESOLUTION)) continue;
          const r = this.issues.recover(id, now);
          if (r?.applied.transitions.length) {
            recovered.push(id);
            all.push(...r.applied.transitions);
          }
        }
        return { ids: recovered, transitions: all };
      })
      .immediate();
    if (ids.length) this.fire('triaged', ids, transitions);
    return ids;
  }

  reopen(issueId: number): Issue | undefined {
    const r = this.issues.reopen(issueId, this.clock.now());
    if (r) this.fire('triaged', [issueId], r.applied.transitions);
    return r?.issue;
  }

  statistics(): Statistics {
    return this.stats.statistics(this.clock.now());
  }

  /** Each component's health by the thresholds; `extra` adds what the store cannot see (the migration targets' own state). */
  health(extra: readonly HealthNote[] = []): HealthReport {
    const notes = [...this.notices.map((reason) => ({ component: 'store', status: 'degraded' as const, reason })), ...extra];
    // The memory-only driver (sql.js) holds a named store in memory: healthy it is not, since nothing is saved.
    if (this.db.memory && this.db.name !== ':memory:' && this.db.name !== '') notes.push({ component: 'store', status: 'degraded', reason: 'in memory only (the sql.js driver): nothing is saved' });
    return evaluateHealth(this.healthMetrics(), this.thresholds, notes);
  }

  /**
   * The per-component figures health is judged on, read again only when the database changed
   * (a write on this connection or any other) or the minute turned: the views and the status bar
   * ask on every change of anything (a migration starting, say), and over a million events the read
   * takes tens of milliseconds of the extension host's thread.
   */
  private healthMetrics(): ComponentMetrics[] {
    const now = this.clock.now();
    const key = `${Math.floor(now / 60_000)}:${this.events.changeMark()}`;
    if (this.healthCache?.key === key) return this.healthCache.metrics;
    const metrics = this.stats.healthMetrics(now, this.thresholds.windowHours);
    this.healthCache = { key, metrics };
    return metrics;
  }

  /** Deletes events of resolved issues older than `days` (default: the configured retention). Returns rows deleted. */
  applyRetention(days: number = this.retention.days): number {
    const now = this.clock.now();
    const before = now - days * DAY;
    // Hourly counters are kept for the 30-day dashboard at least.
    const deleted = this.events.deleteResolvedBefore(before, Math.min(before, now - 31 * DAY));
    if (deleted > 0) {
      scrubFreed(this.db);
      this.fire('retention', [], []);
    }
    return deleted;
  }

  /** Deletes every issue and event (or only resolved issues). Returns issues deleted. */
  clear(options: { resolvedOnly?: boolean } = {}): number {
    const n = this.events.clear(options);
    scrubFreed(this.db);
    this.fire('cleared', [], []);
    return n;
  }

  export(format: ExportFormat, filter: EventFilter = {}): Generator<string> {
    return exportEvents(this.events, format, filter);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.changed.dispose();
    if (this.ownsDb) this.db.close();
  }

  dispose(): void {
    this.close();
  }

  private fire(kind: StoreChange['kind'], issueIds: number[], transitions: IssueTransition[]): void {
    this.changed.fire({ kind, issueIds, transitions: [...new Set(transitions)] });
  }
}

/**
 * After a delete: the freed pages were zeroed as they were freed (`secure_delete`, set on every
 * connection), and the WAL, which still holds the old page images, is checkpointed and truncated,
 * so deleted text is gone from the files. Best effort: a reader elsewhere may keep the WAL alive
 * until its next checkpoint, which then overwrites it.
 */
export function scrubFreed(db: Database): void {
  if (db.memory || db.inTransaction) return;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Busy: the next checkpoint does it.
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
