import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinStatements, recordedStatements } from '../../engine/migrations';
import { randomId } from './identity';
import { latestApplied, type MigratorCore } from './migratorCore';
import type { RollbackTestReport, RollbackTestResult } from './reports';
/**
 * Up, down, up on a scratch copy of the database, comparing schema hashes: after down the schema
 * must be the one before up, and after the second up the one after the first. Tests every
 * pending migration in order, or (none pending) the latest applied one with its recorded SQL.
 */
export async function testRollback(core: MigratorCore, options: { versions?: readonly number[] } = {}): Promise<RollbackTestReport> {
  const { files, history, status } = await core.state();
  const scratchFile = join(core.options.scratchDir ?? tmpdir(), `rebound-test-rollback-${randomId()}.db`);
  const scratch = await core.target.cloneTo(scratchFile);
  const results: RollbackTestResult[] = [];
  const runId = `test-rollback-${randomId()}`;
  const now = () => core.clock.now();
  try {
    let pending = status.filter((s) => s.state === 'pending' || s.state === 'failed').map((s) => files.find((f) => f.version === s.version)!).filter(Boolean);
    if (options.versions) pending = pending.filter((f) => options.versions!.includes(f.version));
    if (pending.length > 0) {
      for (const f of pending) {
        const r: RollbackTestResult = { version: f.version, name: f.name, ok: false, hashes: {} };
        results.push(r);
        const before = await scratch.schemaHash();
        r.hashes.before = before;
        const history = {
          version: f.version,
          name: f.name,
          fileName: f.fileName,
          checksum: f.checksum,
          upChecksum: f.upChecksum,
          source: f.source,
          upSql: joinStatements(f.up),
          downSql: f.down ? joinStatements(f.down) : null,
          noTransaction: f.noTransaction,
          appliedBy: core.appliedBy(),
        };
        const up = await scratch.apply({ runId, version: f.version, direction: 'up', statements: f.up, noTransaction: f.noTransaction, history, now });
        if (!up.ok) {
          r.problem = `up failed: ${(up.error as Error)?.message ?? String(up.error)}`;
          break;
        }
        r.hashes.afterUp = up.schemaAfter;
        if (!f.down) {
          r.problem = 'no down section: it cannot be rolled back';
          continue;
        }
        const down = await scratch.apply({ runId, version: f.version, direction: 'down', statements: f.down, noTransaction: f.noTransaction, now });
        if (!down.ok) {
          r.problem = `down failed: ${(down.error as Error)?.message ?? String(down.error)}`;
          if (down.committed) break;
          continue;
        }
        r.hashes.afterDown = down.schemaAfter;
        if (down.schemaAfter !== before) {
          r.problem = 'after down the schema differs from the one before up: the down section does not undo the up section exactly';
          break;
        }
        const again = await scratch.apply({ runId, version: f.version, direction: 'up', statements: f.up, noTransaction: f.noTransaction, history, now });
        if (!again.ok) {
          r.problem = `second up failed: ${(again.error as Error)?.message ?? String(again.error)}`;
          break;
        }
        r.hashes.afterReapply = again.schemaAfter;
        if (again.schemaAfter !== up.schemaAfter) {
          r.problem = 'after the second up the schema differs from the one after the first up';
          break;
        }
        r.ok = true;
      }
      return { ok: results.length > 0 && results.every((r) => r.ok), mode: 'pending', results };
    }
    const last = latestApplied(history);
    if (!last) return { ok: true, mode: 'pending', results };
    const r: RollbackTestResult = { version: last.version, name: last.name, ok: false, hashes: { before: last.schemaBefore, afterUp: last.schemaAfter ?? undefined } };
    results.push(r);
    if (last.downSql === null) {
      r.problem = 'no down section: it cannot be rolled back';
      return { ok: false, mode: 'latest-applied', results };
    }
    const down = await scratch.apply({
      runId,
      version: last.version,
      direction: 'down',
      statements: recordedStatements(last.downSql),
      noTransaction: last.noTransaction,
      now,
    });
    if (!down.ok) r.problem = `down failed: ${(down.error as Error)?.message ?? String(down.error)}`;
    else if (down.schemaAfter !== last.schemaBefore) {
      r.hashes.afterDown = down.schemaAfter;
      r.problem = 'after down the schema differs from the one recorded before the migration was applied';
    } else {
      r.hashes.afterDown = down.schemaAfter;
      const again = await scratch.apply({
        runId,
        version: last.version,
        direction: 'up',
        statements: recordedStatements(last.upSql),
        noTransaction: last.noTransaction,
        history: { ...last },
        now,
      });
      if (!again.ok) r.problem = `second up failed: ${(again.error as Error)?.message ?? String(again.error)}`;
      else {
        r.hashes.afterReapply = again.schemaAfter;
        if (again.schemaAfter !== last.schemaAfter) r.problem = 'after applying it again the schema differs from the one recorded after it was applied';
        else r.ok = true;
      }
    }
    return { ok: r.ok, mode: 'latest-applied', results };
  } finally {
    await scratch.close();
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(scratchFile + suffix, { force: true });
  }
}
