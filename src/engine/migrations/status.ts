import type { MigrationDefinition } from './definition';
import { splitStatements } from './splitter';
import { partialEntries, type AppliedMigration, type JournalEntry } from './history';

export type MigrationState =
  | 'applied' // in history, file unchanged
  | 'pending' // file not applied yet
  | 'failed' // the last attempt failed and was rolled back (nothing of it stays)
  | 'partial' // a non-transactional attempt left some statements committed: run recover
  | 'modified' // applied, but the file changed since
  | 'missing'; // applied, but the file is gone

export interface MigrationStatus {
  version: number;
  name: string;
  /** The file in the migrations folder (undefined when missing). */
  fileName?: string;
  state: MigrationState;
  /** Pending (or failed) with a version lower than the highest applied one. */
  outOfOrder: boolean;
  /** For `modified`: `cosmetic` when what the up section does is unchanged (comments, whitespace, down section). */
  change?: 'cosmetic' | 'significant';
  /** Whether it can be rolled back: the recorded down section for applied ones, the file's for others. */
  hasDown: boolean;
  noTransaction: boolean;
  appliedAt?: number;
  appliedBy?: string;
  durationMs?: number;
  /** For failed and partial: the error and how far it got. */
  error?: string;
  statementsDone?: number;
  statementCount?: number;
}

/** The highest applied version, 0 when none. */
export function currentVersion(history: readonly AppliedMigration[]): number {
  let v = 0;
  for (const h of history) if (h.success && h.version > v) v = h.version;
  return v;
}

/** The state of every version known from the files, the history and the journal, lowest first. */
export function computeStatus(
  files: readonly MigrationDefinition[],
  history: readonly AppliedMigration[],
  journal: readonly JournalEntry[] = [],
): MigrationStatus[] {
  const byFile = new Map(files.map((f) => [f.version, f]));
  const byHistory = new Map(history.map((h) => [h.version, h]));
  const partial = new Map(partialEntries(journal).map((e) => [e.version, e]));
  const versions = [...new Set([...byFile.keys(), ...byHistory.keys(), ...partial.keys()])].sort((a, b) => a - b);
  const current = currentVersion(history);
  const out: MigrationStatus[] = [];
  for (const version of versions) {
    const file = byFile.get(version);
    const h = byHistory.get(version);
    const p = partial.get(version);
    const base = {
      version,
      name: file?.name ?? h?.name ?? `version ${version}`,
      fileName: file?.fileName,
      noTransaction: file?.noTransaction ?? h?.noTransaction ?? false,
    };
    if (p) {
      out.push({
        ...base,
        state: 'partial',
        outOfOrder: false,
        hasDown: h?.success ? h.downSql !== null : file?.down !== undefined,
        error: p.error ?? (p.state === 'running' ? 'interrupted' : undefined),
        statementsDone: p.statementsDone,
        statementCount: p.statementCount,
      });
    } else if (h && h.success) {
      const applied = { appliedAt: h.appliedAt, appliedBy: h.appliedBy, durationMs: h.durationMs, hasDown: h.downSql !== null };
      if (!file) out.push({ ...base, ...applied, state: 'missing', outOfOrder: false });
      else if (file.checksum !== h.checksum) {
        out.push({ ...base, ...applied, state: 'modified', outOfOrder: false, change: file.upChecksum === h.upChecksum ? 'cosmetic' : 'significant' });
      } else out.push({ ...base, ...applied, state: 'applied', outOfOrder: false });
    } else if (h && !h.success) {
      out.push({
        ...base,
        state: 'failed',
        outOfOrder: version < current,
        hasDown: file?.down !== undefined,
        appliedAt: h.appliedAt,
        appliedBy: h.appliedBy,
        error: h.error ?? undefined,
      });
    } else if (file) {
      out.push({ ...base, state: 'pending', outOfOrder: version < current, hasDown: file.down !== undefined });
    }
  }
  return out;
}

export type BlockerCode =
  | 'partial'
  | 'modified'
  | 'out-of-order'
  | 'non-transactional'
  | 'parse'
  | 'no-down'
  | 'missing-file'
  | 'unknown-version'
  | 'applied-since';

/** Why a plan cannot run: nothing runs while there is one. */
export interface PlanBlocker {
  code: BlockerCode;
  version?: number;
  message: string;
}

export interface PlanStep {
  version: number;
  name: string;
  direction: 'up' | 'down';
  fileName?: string;
  noTransaction: boolean;
  statements: string[];
}

export interface MigrationPlan {
  direction: 'up' | 'down' | 'none';
  /** The highest applied version before and after the plan. */
  from: number;
  to: number;
  steps: PlanStep[];
  blockers: PlanBlocker[];
  warnings: string[];
}

export interface UpOptions {
  /** Stop after this version (inclusive). */
  to?: number;
  /** Apply at most this many. */
  steps?: number;
  /** Apply pending versions lower than the highest applied one instead of refusing. */
  allowOutOfOrder?: boolean;
}

/** Turns a recorded `upSql`/`downSql` (statements joined by `;\n`) back into statements (trigger bodies kept whole). */
export function recordedStatements(sql: string | null): string[] {
  if (sql === null || sql.length === 0) return [];
  return splitStatements(sql).statements.map((s) => s.text);
}

function commonBlockers(status: readonly MigrationStatus[], blockers: PlanBlocker[], warnings: string[]): void {
  for (const s of status) {
    if (s.state === 'partial') {
      blockers.push({
        code: 'partial',
        version: s.version,
        message: `Migration ${s.version} (${s.name}) is partially applied (${s.statementsDone ?? 0} of ${s.statementCount ?? '?'} statements): run \`rebound migrate recover\` first.`,
      });
    } else if (s.state === 'modified' && s.change === 'significant') {
      blockers.push({
        code: 'modified',
        version: s.version,
        message: `Migration ${s.version} (${s.fileName}) was changed after it was applied: restore the applied text, or roll it back before editing it.`,
      });
    } else if (s.state === 'modified') {
      warnings.push(`Migration ${s.version} (${s.fileName}) changed cosmetically since it was applied; accept it with \`rebound migrate repair --accept ${s.version}\`.`);
    } else if (s.state === 'missing') {
      warnings.push(`Migration ${s.version} (${s.name}) is applied but its file is missing; its recorded SQL is used for rollback.`);
    }
  }
}

/** The plan for `up`: pending versions in order, refused as a whole when anything blocks it. */
export function planUp(status: readonly MigrationStatus[], files: readonly MigrationDefinition[], options: UpOptions = {}): MigrationPlan {
  const blockers: PlanBlocker[] = [];
  const warnings: string[] = [];
  commonBlockers(status, blockers, warnings);
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const from = appliedVersion(status);
  let candidates = status.filter((s) => s.state === 'pending' || s.state === 'failed');
  if (options.to !== undefined) {
    const to = options.to;
    candidates = candidates.filter((s) => s.version <= to);
  }
  if (options.steps !== undefined) candidates = candidates.slice(0, Math.max(0, options.steps));
  const steps: PlanStep[] = [];
  for (const s of candidates) {
    const file = byVersion.get(s.version);
    if (!file) continue;
    if (s.outOfOrder && !options.allowOutOfOrder) {
      blockers.push({
        code: 'out-of-order',
        version: s.version,
        message: `Migration ${s.version} (${s.fileName}) is older than the applied version ${from}: renumber it, or allow out-of-order migrations.`,
      });
    }
    if (file.problems.length > 0) {
      blockers.push({ code: 'parse', version: s.version, message: `${file.fileName}: ${file.problems.join('; ')}` });
    }
    if (!file.noTransaction) {
      for (const n of file.nonTransactional.filter((x) => x.section === 'up')) {
        blockers.push({
          code: 'non-transactional',
          version: s.version,
          message: `${file.fileName}: statement ${n.index + 1} (${firstLine(n.sql)}): ${n.reason}. Move it into its own migration marked \`-- rebound:no-transaction\`, or mark this file so.`,
        });
      }
    }
    if (s.state === 'failed') warnings.push(`Migration ${s.version} failed before (${s.error ?? 'unknown error'}); it is tried again.`);
    steps.push({ version: s.version, name: s.name, direction: 'up', fileName: file.fileName, noTransaction: file.noTransaction, statements: file.up });
  }
  const to = steps.length > 0 ? Math.max(from, ...steps.map((s) => s.version)) : from;
  return { direction: steps.length > 0 ? 'up' : 'none', from, to, steps, blockers, warnings };
}

/** The highest version in an applied state (applied, modified or missing), 0 when none. */
export function appliedVersion(status: readonly MigrationStatus[]): number {
  let v = 0;
  for (const s of status) if ((s.state === 'applied' || s.state === 'modified' || s.state === 'missing') && s.version > v) v = s.version;
  return v;
}

export interface DownOptions {
  /** Roll back every applied version above this one. */
  to?: number;
  /** Roll back this many of the latest applied versions (default 1 when `to` is not given). */
  steps?: number;
  /**
   * Roll back exactly these versions, those of them still applied (a retry of a failed rollback).
   * They must be the latest applied: a migration applied after them blocks the plan, since
   * rolling them back from under it is not what was asked. Takes the place of `to` and `steps`.
   */
  versions?: readonly number[];
}

/**
 * The plan for `down`: applied versions from the latest, using the down SQL recorded when each
 * was applied. Refused up front when any of them has no down section.
 */
export function planDown(status: readonly MigrationStatus[], history: readonly AppliedMigration[], options: DownOptions = {}): MigrationPlan {
  const blockers: PlanBlocker[] = [];
  const warnings: string[] = [];
  commonBlockers(
    status.filter((s) => s.state !== 'modified' || s.change !== 'significant'),
    blockers,
    warnings,
  );
  // Latest applied first (out-of-order migrations are undone in the reverse order they were applied).
  const applied = history.filter((h) => h.success).sort((a, b) => b.appliedAt - a.appliedAt || b.version - a.version);
  const from = currentVersion(history);
  let chosen: AppliedMigration[];
  if (options.versions !== undefined) {
    const wanted = new Set(options.versions);
    const still = applied.filter((h) => wanted.has(h.version));
    chosen = applied.slice(0, still.length);
    const since = chosen.filter((h) => !wanted.has(h.version));
    if (since.length > 0) {
      blockers.push({
        code: 'applied-since',
        version: since[0].version,
        message: `${since.map((h) => `Migration ${h.version} (${h.fileName})`).join(', ')} ${since.length === 1 ? 'was' : 'were'} applied after ${still.map((h) => h.version).join(', ')}, which would be rolled back from under ${since.length === 1 ? 'it' : 'them'}; choose what to roll back with \`migrate down --steps N\` or \`--to V\`.`,
      });
      chosen = [];
    }
  } else if (options.to !== undefined) {
    const to = options.to;
    if (to > from) blockers.push({ code: 'unknown-version', version: to, message: `Version ${to} is above the applied version ${from}: nothing to roll back to.` });
    chosen = applied.filter((h) => h.version > to);
  } else chosen = applied.slice(0, Math.max(0, options.steps ?? 1));
  const steps: PlanStep[] = [];
  for (const h of chosen) {
    if (h.downSql === null) {
      blockers.push({
        code: 'no-down',
        version: h.version,
        message: `Migration ${h.version} (${h.fileName}) has no down section, so it cannot be rolled back; nothing was run.`,
      });
    }
    const s = status.find((x) => x.version === h.version);
    if (s?.state === 'modified' && s.change === 'significant') {
      warnings.push(`Migration ${h.version} (${h.fileName}) changed since it was applied; the down SQL recorded when it was applied is used.`);
    }
    steps.push({ version: h.version, name: h.name, direction: 'down', fileName: h.fileName, noTransaction: h.noTransaction, statements: recordedStatements(h.downSql) });
  }
  const to = currentVersion(applied.filter((h) => !chosen.includes(h)));
  return { direction: steps.length > 0 ? 'down' : 'none', from, to, steps, blockers, warnings };
}

/** The plan for `to V`: up to V when V is ahead, down to V when it is behind. */
export function planTo(
  status: readonly MigrationStatus[],
  files: readonly MigrationDefinition[],
  history: readonly AppliedMigration[],
  version: number,
  options: Omit<UpOptions, 'to' | 'steps'> = {},
): MigrationPlan {
  const known = status.some((s) => s.version === version) || version === 0;
  const current = currentVersion(history);
  if (!known) {
    return {
      direction: 'none',
      from: current,
      to: current,
      steps: [],
      blockers: [{ code: 'unknown-version', version, message: `There is no migration with version ${version}.` }],
      warnings: [],
    };
  }
  if (version >= current) return planUp(status, files, { ...options, to: version });
  return planDown(status, history, { to: version });
}

/** The first line of a statement, cut to 80 characters, for messages. */
export function firstLine(sql: string): string {
  const line = sql.split('\n')[0].trim();
  return line.length > 80 ? line.slice(0, 79) + '…' : line;
}

export type ValidationCode = 'checksum' | 'cosmetic' | 'missing-file' | 'out-of-order' | 'partial' | 'failed' | 'parse' | 'non-transactional' | 'no-down';

export interface ValidationFinding {
  code: ValidationCode;
  severity: 'error' | 'warning';
  version: number;
  message: string;
}

/** `validate`: checksums, missing files, order, partial or failed attempts, and file problems. */
export function validateMigrations(status: readonly MigrationStatus[], files: readonly MigrationDefinition[]): ValidationFinding[] {
  const out: ValidationFinding[] = [];
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const s of status) {
    const where = s.fileName ?? s.name;
    if (s.state === 'modified') {
      out.push(
        s.change === 'cosmetic'
          ? { code: 'cosmetic', severity: 'warning', version: s.version, message: `${where} changed cosmetically after it was applied (comments, whitespace or down section); accept it with \`rebound migrate repair --accept ${s.version}\`.` }
          : { code: 'checksum', severity: 'error', version: s.version, message: `${where} changed after it was applied: its up section no longer matches the applied SQL.` },
      );
    } else if (s.state === 'missing') {
      out.push({ code: 'missing-file', severity: 'error', version: s.version, message: `Migration ${s.version} (${s.name}) is applied but its file is missing.` });
    } else if (s.state === 'partial') {
      out.push({ code: 'partial', severity: 'error', version: s.version, message: `Migration ${s.version} (${where}) is partially applied: run \`rebound migrate recover\`.` });
    } else if (s.state === 'failed') {
      out.push({ code: 'failed', severity: 'warning', version: s.version, message: `Migration ${s.version} (${where}) failed last time (${s.error ?? 'unknown error'}); nothing of it stayed applied.` });
    }
    if (s.outOfOrder) {
      out.push({ code: 'out-of-order', severity: 'error', version: s.version, message: `${where} is not applied but is older than the applied version.` });
    }
    const f = byVersion.get(s.version);
    if (f && f.problems.length > 0) out.push({ code: 'parse', severity: 'error', version: s.version, message: `${f.fileName}: ${f.problems.join('; ')}` });
    if (f && !f.noTransaction) {
      for (const n of f.nonTransactional) {
        out.push({ code: 'non-transactional', severity: 'error', version: s.version, message: `${f.fileName} (${n.section}, statement ${n.index + 1}): ${n.reason}.` });
      }
    }
    if (f && f.down === undefined && (s.state === 'pending' || s.state === 'failed')) {
      out.push({ code: 'no-down', severity: 'warning', version: s.version, message: `${f.fileName} has no down section: it will not be possible to roll it back.` });
    }
  }
  return out;
}
