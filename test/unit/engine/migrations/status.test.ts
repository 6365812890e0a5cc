import * as assert from 'node:assert/strict';
import {
  computeStatus,
  defineMigration,
  joinStatements,
  planDown,
  planTo,
  planUp,
  recordedStatements,
  validateMigrations,
  type AppliedMigration,
  type JournalEntry,
  type MigrationDefinition,
} from '../../../../src/engine/migrations';

const file = (v: number, text: string): MigrationDefinition => defineMigration(`${String(v).padStart(4, '0')}_m${v}.sql`, text)!;
const simple = (v: number) => file(v, `-- rebound:up\nCREATE TABLE t${v} (x);\n-- rebound:down\nDROP TABLE t${v};\n`);

function applied(f: MigrationDefinition, over: Partial<AppliedMigration> = {}): AppliedMigration {
  return {
    version: f.version,
    name: f.name,
    fileName: f.fileName,
    checksum: f.checksum,
    upChecksum: f.upChecksum,
    source: f.source,
    upSql: joinStatements(f.up),
    downSql: f.down ? joinStatements(f.down) : null,
    noTransaction: f.noTransaction,
    appliedAt: 1000 + f.version,
    appliedBy: 'me@host (pid 1)',
    durationMs: 1,
    success: true,
    schemaBefore: `before${f.version}`,
    schemaAfter: `after${f.version}`,
    error: null,
    ...over,
  };
}

describe('migrations: status and plans', () => {
  it('gives every version a state: applied, pending, modified (cosmetic or not), missing, failed, partial, out of order', () => {
    const f1 = simple(1);
    const f2 = simple(2);
    const f3cosmetic = file(3, '-- rebound:up\n-- now with a comment\nCREATE TABLE t3 (x);\n-- rebound:down\nDROP TABLE t3;\n');
    const f3orig = simple(3);
    const f4changed = file(4, '-- rebound:up\nCREATE TABLE t4 (y);\n');
    const f4orig = simple(4);
    const f6 = simple(6);
    const f7 = simple(7);
    const f8 = file(8, '-- rebound:no-transaction\n-- rebound:up\nCREATE TABLE a (x);\nCREATE TABLE b (x);\n');
    const files = [f1, f2, f3cosmetic, f4changed, f6, f7, f8];
    const history = [applied(f1), applied(f3orig), applied(f4orig), applied(simple(5)), applied(f7, { success: false, error: 'boom', schemaAfter: null }), applied(f6)];
    const journal: JournalEntry[] = [
      { id: 1, runId: 'r', version: 8, direction: 'up', state: 'running', noTransaction: true, statementsDone: 1, statementCount: 2, sql: '', schemaBefore: '', schemaObjectsBefore: null, error: null, startedAt: 0, finishedAt: null },
    ];
    const s = computeStatus(files, history, journal);
    const by = new Map(s.map((x) => [x.version, x]));
    assert.equal(by.get(1)!.state, 'applied');
    assert.equal(by.get(2)!.state, 'pending');
    assert.equal(by.get(2)!.outOfOrder, true);
    assert.equal(by.get(3)!.state, 'modified');
    assert.equal(by.get(3)!.change, 'cosmetic');
    assert.equal(by.get(4)!.change, 'significant');
    assert.equal(by.get(5)!.state, 'missing');
    assert.equal(by.get(7)!.state, 'failed');
    assert.equal(by.get(7)!.error, 'boom');
    assert.equal(by.get(8)!.state, 'partial');
    assert.equal(by.get(8)!.statementsDone, 1);
  });

  it('plans up in order and refuses up front what blocks it', () => {
    const f1 = simple(1);
    const tx = file(2, '-- rebound:up\nCREATE TABLE a (x);\nVACUUM;\n');
    let plan = planUp(computeStatus([f1, tx], []), [f1, tx]);
    assert.equal(plan.blockers.length, 1);
    assert.equal(plan.blockers[0].code, 'non-transactional');
    assert.match(plan.blockers[0].message, /VACUUM/);
    const opted = file(2, '-- rebound:no-transaction\n-- rebound:up\nCREATE TABLE a (x);\nVACUUM;\n');
    plan = planUp(computeStatus([f1, opted], []), [f1, opted]);
    assert.deepEqual(plan.blockers, []);
    assert.deepEqual(plan.steps.map((s) => s.version), [1, 2]);
    assert.equal(plan.to, 2);
    const limited = planUp(computeStatus([f1, opted, simple(3)], []), [f1, opted, simple(3)], { to: 2, steps: 1 });
    assert.deepEqual(limited.steps.map((s) => s.version), [1]);
  });

  it('refuses an out-of-order pending migration unless allowed, and a significantly modified one', () => {
    const f1 = simple(1);
    const f2 = simple(2);
    const status = computeStatus([f1, f2], [applied(f2)]);
    assert.equal(planUp(status, [f1, f2]).blockers[0].code, 'out-of-order');
    assert.deepEqual(planUp(status, [f1, f2], { allowOutOfOrder: true }).blockers, []);
    const changed = file(2, '-- rebound:up\nCREATE TABLE t2 (changed);\n');
    const p = planUp(computeStatus([changed], [applied(f2)]), [changed]);
    assert.equal(p.blockers[0].code, 'modified');
  });

  it('plans down from the latest applied with the recorded down SQL, refusing a migration without one', () => {
    const f1 = simple(1);
    const f2 = file(2, '-- rebound:up\nCREATE TABLE t2 (x);\n');
    const f3 = simple(3);
    const history = [applied(f1), applied(f2), applied(f3)];
    const status = computeStatus([f1, f2, f3], history);
    const one = planDown(status, history);
    assert.deepEqual(one.steps.map((s) => s.version), [3]);
    assert.deepEqual(one.steps[0].statements, ['DROP TABLE t3']);
    assert.equal(one.to, 2);
    const all = planDown(status, history, { to: 0 });
    assert.deepEqual(all.steps.map((s) => s.version), [3, 2, 1]);
    assert.equal(all.blockers.length, 1);
    assert.equal(all.blockers[0].code, 'no-down');
    assert.equal(all.blockers[0].version, 2);
  });

  it('plans down exactly the versions given (a retried rollback), only while they are the latest applied', () => {
    const [f1, f2, f3, f4] = [simple(1), simple(2), simple(3), simple(4)];
    // 2 was applied last, out of order.
    const history = [applied(f1), applied(f3), applied(f2, { appliedAt: 2000 })];
    const status = computeStatus([f1, f2, f3], history);
    const exact = planDown(status, history, { versions: [2] });
    assert.deepEqual(exact.steps.map((s) => s.version), [2]);
    assert.equal(exact.to, 3);
    assert.deepEqual(exact.blockers, []);
    // Two given, one of them already rolled back: the other one only.
    const rest = history.filter((h) => h.version !== 2);
    assert.deepEqual(planDown(computeStatus([f1, f2, f3], rest), rest, { versions: [2, 3] }).steps.map((s) => s.version), [3]);
    // None of them applied any more: nothing to do.
    const none = planDown(status, history, { versions: [7] });
    assert.equal(none.direction, 'none');
    assert.deepEqual(none.blockers, []);
    // Something applied after them: refused, naming it, and nothing planned.
    const later = [...history, applied(f4, { appliedAt: 3000 })];
    const blocked = planDown(computeStatus([f1, f2, f3, f4], later), later, { versions: [2] });
    assert.deepEqual(blocked.steps, []);
    assert.equal(blocked.blockers.length, 1);
    assert.equal(blocked.blockers[0].code, 'applied-since');
    assert.equal(blocked.blockers[0].version, 4);
    assert.match(blocked.blockers[0].message, /Migration 4 \(0004_m4\.sql\) was applied after 2/);
  });

  it('plans `to V` up or down, and refuses an unknown version', () => {
    const files = [simple(1), simple(2), simple(3)];
    const history = [applied(files[0]), applied(files[1])];
    const status = computeStatus(files, history);
    assert.equal(planTo(status, files, history, 3).direction, 'up');
    assert.deepEqual(planTo(status, files, history, 0).steps.map((s) => s.version), [2, 1]);
    assert.equal(planTo(status, files, history, 9).blockers[0].code, 'unknown-version');
  });

  it('validates checksums, missing files, order, failures and file problems', () => {
    const f1 = simple(1);
    const f2 = simple(2);
    const changed = file(1, '-- rebound:up\nCREATE TABLE t1 (other);\n');
    const findings = validateMigrations(computeStatus([changed, simple(3)], [applied(f1), applied(f2), applied(simple(4))]), [changed, simple(3)]);
    const codes = findings.map((f) => `${f.code}:${f.version}`).sort();
    assert.deepEqual(codes, ['checksum:1', 'missing-file:2', 'missing-file:4', 'out-of-order:3']);
  });

  it('turns recorded SQL back into statements, trigger bodies whole', () => {
    const stmts = ['CREATE TABLE a (x)', 'CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  SELECT 1;\n  SELECT 2;\nEND'];
    assert.deepEqual(recordedStatements(joinStatements(stmts)), stmts);
    assert.deepEqual(recordedStatements(null), []);
  });
});
