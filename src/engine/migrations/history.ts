/** A row of the migration history kept in the target database. */
export interface AppliedMigration {
  version: number;
  name: string;
  fileName: string;
  checksum: string;
  upChecksum: string;
  /** The whole file as applied (BOM and CR removed): restores an edited file. */
  source: string;
  /** The up statements as applied, joined with `;\n`. */
  upSql: string;
  /** The down statements as recorded; null when the file had no down section. */
  downSql: string | null;
  noTransaction: boolean;
  /** Epoch milliseconds. */
  appliedAt: number;
  /** `user@host (pid N)`. */
  appliedBy: string;
  durationMs: number;
  /** False for a recorded failure (nothing of a transactional migration stays applied). */
  success: boolean;
  /** Schema hash before the migration ran. */
  schemaBefore: string;
  /** Schema hash after it ran; null for a failure. */
  schemaAfter: string | null;
  /** Error message of a recorded failure. */
  error: string | null;
}

export type JournalState = 'running' | 'committed' | 'failed' | 'reverted';

/** One migration attempt in the statement journal: how far it got. */
export interface JournalEntry {
  id: number;
  runId: string;
  version: number;
  direction: 'up' | 'down';
  state: JournalState;
  noTransaction: boolean;
  /** Statements that completed (for a transactional migration that failed: before the failing one, all rolled back). */
  statementsDone: number;
  statementCount: number;
  /** The statements of this attempt, joined with `;\n` (what recover replays or undoes); empty for a committed transactional migration. */
  sql: string;
  /** Schema hash before the attempt. */
  schemaBefore: string;
  /** JSON of the schema objects before a non-transactional attempt (lets recover rebuild the starting schema). */
  schemaObjectsBefore: string | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

/** A run of the migrator (one `up`, `down`, `recover`...), recorded before it starts. */
export interface RunRecord {
  runId: string;
  command: string;
  owner: string;
  pid: number;
  host: string;
  startedAt: number;
  finishedAt: number | null;
  state: 'running' | 'succeeded' | 'failed' | 'interrupted';
  detail: string | null;
}

/** The latest journal entry of each version that left committed statements behind without finishing. */
export function partialEntries(journal: readonly JournalEntry[]): JournalEntry[] {
  const latest = new Map<number, JournalEntry>();
  for (const e of journal) {
    const prev = latest.get(e.version);
    if (!prev || e.id > prev.id) latest.set(e.version, e);
  }
  return [...latest.values()]
    .filter((e) => e.noTransaction && (e.state === 'running' || (e.state === 'failed' && e.statementsDone > 0)))
    .sort((a, b) => a.version - b.version);
}
