import * as assert from 'node:assert/strict';
import {
  FINDING_CODES,
  analyzeMigrationFile,
  applyTextEdits,
  buildDownSkeletonFix,
  buildMoveToNoTransactionFix,
  buildRestoreAppliedFix,
  migrationChecksum,
  parseMigration,
  quickFixesFor,
  upChecksum,
} from '../../../../src/engine/migrations';

const codes = (text: string, name = '0001_x.sql') => analyzeMigrationFile(text, name).map((f) => f.code);

describe('migrations: file analysis and quick fixes', () => {
  it('flags a missing down section on the up marker, and fixes it with the inverses, last first', () => {
    const text = '-- rebound:up\nCREATE TABLE users (id INT);\nCREATE INDEX users_id ON users(id);\nALTER TABLE users ADD COLUMN email TEXT;\n';
    const [f] = analyzeMigrationFile(text, '0001_users.sql');
    assert.equal(f.code, FINDING_CODES.noDown);
    assert.deepEqual(f.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 13 } });
    const [fix] = quickFixesFor(f, text, '0001_users.sql');
    assert.equal(fix.isPreferred, true);
    const fixed = applyTextEdits(text, fix.edits);
    assert.equal(
      fixed,
      text + '\n-- rebound:down\nALTER TABLE users DROP COLUMN email;\nDROP INDEX users_id;\nDROP TABLE users;\n',
    );
    assert.deepEqual(codes(fixed), []);
  });

  it('adds the up marker too for a file without markers, and says when an inverse is unknown', () => {
    const text = "CREATE TABLE a (x);\r\nINSERT INTO a VALUES ('x');";
    const fix = buildDownSkeletonFix(text)!;
    assert.equal(fix.isPreferred, false);
    const fixed = applyTextEdits(text, fix.edits);
    assert.equal(fixed, "-- rebound:up\r\nCREATE TABLE a (x);\r\nINSERT INTO a VALUES ('x');\r\n\r\n-- rebound:down\r\n-- Rebound could not derive the inverse of: INSERT INTO a VALUES ('x')\r\nDROP TABLE a;\r\n");
    const p = parseMigration(fixed);
    assert.deepEqual(p.down!.statements.map((s) => s.text), ['DROP TABLE a']);
  });

  it('fills an empty down section after its marker', () => {
    const text = '-- rebound:up\nCREATE TABLE a (x);\n-- rebound:down\n';
    const f = analyzeMigrationFile(text, '0002_a.sql');
    assert.equal(f[0].code, FINDING_CODES.emptyDown);
    assert.equal(applyTextEdits(text, buildDownSkeletonFix(text)!.edits), '-- rebound:up\nCREATE TABLE a (x);\n-- rebound:down\nDROP TABLE a;\n');
  });

  it('flags a non-transactional statement in a transactional file on the statement, with its fixes', () => {
    const text = '-- rebound:up\nCREATE TABLE a (x);\n  VACUUM;\n-- rebound:down\nDROP TABLE a;\n';
    const f = analyzeMigrationFile(text, '0004_a.sql').find((x) => x.code === FINDING_CODES.nonTransactional)!;
    assert.deepEqual(f.range, { start: { line: 2, character: 2 }, end: { line: 2, character: 9 } });
    assert.deepEqual(f.fixes, ['move-to-no-transaction', 'mark-no-transaction']);
    const [move, mark] = quickFixesFor(f, text, '/ws/migrations/0004_a.sql', { existingFileNames: ['0004_a.sql', '0005_b.sql'] });
    assert.equal(move.newFile!.fileName, '0006_vacuum.sql');
    assert.equal(applyTextEdits(text, move.edits), '-- rebound:up\nCREATE TABLE a (x);\n-- rebound:down\nDROP TABLE a;\n');
    assert.deepEqual(codes(move.newFile!.text, move.newFile!.fileName), []);
    assert.equal(parseMigration(move.newFile!.text).noTransaction, true);
    const marked = applyTextEdits(text, mark.edits);
    assert.ok(marked.startsWith('-- rebound:no-transaction\n'));
    assert.deepEqual(codes(marked), []);
    // The next free version is used when it is free.
    assert.equal(buildMoveToNoTransactionFix(text, '0004_a.sql', 1, ['0004_a.sql', '0009_z.sql'])!.newFile!.fileName, '0005_vacuum.sql');
  });

  it('offers to remove BEGIN/COMMIT, since the file already runs in a transaction', () => {
    const text = '-- rebound:up\nBEGIN;\nCREATE TABLE a (x);\nCOMMIT;\n-- rebound:down\nDROP TABLE a;\n';
    const found = analyzeMigrationFile(text, '0001_a.sql').filter((x) => x.code === FINDING_CODES.nonTransactional);
    assert.equal(found.length, 2);
    let fixed = text;
    // Remove the later statement first so the earlier index stays valid.
    for (const f of [...found].reverse()) fixed = applyTextEdits(fixed, quickFixesFor(f, fixed, '0001_a.sql')[0].edits);
    assert.equal(fixed, '-- rebound:up\nCREATE TABLE a (x);\n-- rebound:down\nDROP TABLE a;\n');
  });

  it('flags DROP TABLE / DROP COLUMN the down section does not restore, but not a rebuild or a restoring down', () => {
    const drop = analyzeMigrationFile('-- rebound:up\nDROP TABLE old;\nALTER TABLE t DROP COLUMN c;\n-- rebound:down\nSELECT 1;\n', '0001_x.sql').filter(
      (f) => f.code === FINDING_CODES.destructive,
    );
    assert.equal(drop.length, 2);
    assert.match(drop[0].message, /table old/);
    assert.match(drop[1].message, /column c of t/);
    assert.deepEqual(drop[1].range.start, { line: 2, character: 0 });
    assert.deepEqual(codes('-- rebound:up\nDROP TABLE old;\nALTER TABLE t DROP COLUMN c;\n-- rebound:down\nCREATE TABLE old (x);\nALTER TABLE t ADD COLUMN c TEXT;\n'), []);
    assert.deepEqual(
      codes('-- rebound:up\nCREATE TABLE t_new (a, b);\nINSERT INTO t_new SELECT a, b FROM t;\nDROP TABLE t;\nALTER TABLE t_new RENAME TO t;\n-- rebound:down\nSELECT 1;\n'),
      [],
    );
    assert.deepEqual(codes('-- rebound:up\nALTER TABLE t DROP COLUMN c;\n-- rebound:down\nCREATE TABLE t2 (a, c);\nDROP TABLE t;\nALTER TABLE t2 RENAME TO t;\n'), []);
  });

  it('flags an applied file that changed, at the first changed line, and restores the applied text', () => {
    const appliedText = '-- rebound:up\nCREATE TABLE a (x);\n-- rebound:down\nDROP TABLE a;\n';
    const applied = { checksum: migrationChecksum(appliedText), upChecksum: upChecksum(appliedText), source: appliedText };
    assert.deepEqual(analyzeMigrationFile(appliedText.replace(/\n/g, '\r\n'), '0001_a.sql', applied), []);
    const edited = '-- rebound:up\nCREATE TABLE a (x, y);\n-- rebound:down\nDROP TABLE a;\n';
    const [f] = analyzeMigrationFile(edited, '0001_a.sql', applied);
    assert.equal(f.code, FINDING_CODES.modified);
    assert.equal(f.severity, 'error');
    assert.equal(f.cosmetic, false);
    assert.equal(f.range.start.line, 1);
    const restored = applyTextEdits(edited, buildRestoreAppliedFix(edited, appliedText).edits);
    assert.equal(restored, appliedText);
    const cosmetic = analyzeMigrationFile(appliedText.replace('CREATE', '-- note\nCREATE'), '0001_a.sql', applied)[0];
    assert.equal(cosmetic.cosmetic, true);
    assert.equal(cosmetic.severity, 'warning');
  });

  it('flags a file name Rebound ignores and syntax problems', () => {
    assert.deepEqual(codes('-- rebound:up\nSELECT 1;\n-- rebound:down\n', 'notes.sql'), [FINDING_CODES.fileName]);
    assert.deepEqual(codes("-- rebound:up\nSELECT 'open;\n-- rebound:down\n"), [FINDING_CODES.syntax]);
  });
});
