import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { defineMigration, migrationChecksum, parseMigration, parseMigrationFileName, formatMigrationFileName, upChecksum } from '../../../../src/engine/migrations';

describe('migrations: files and sections', () => {
  it('parses NNNN_name.sql file names and ignores the rest', () => {
    assert.deepEqual(parseMigrationFileName('0007_add_users.sql'), { version: 7, versionText: '0007', name: 'add_users', fileName: '0007_add_users.sql' });
    assert.equal(parseMigrationFileName('add_users.sql'), undefined);
    assert.equal(parseMigrationFileName('0007_.sql'), undefined);
    assert.equal(parseMigrationFileName('0007_x.txt'), undefined);
    assert.equal(formatMigrationFileName(12, 'Pragma journal_mode!', 4), '0012_pragma_journal_mode.sql');
  });

  it('reads rebound:up / rebound:down sections and the no-transaction marker', () => {
    const text = '-- header comment\n-- rebound:no-transaction\n-- rebound:up\nCREATE TABLE a (x);\n-- rebound:down\nDROP TABLE a;\n';
    const p = parseMigration(text);
    assert.equal(p.noTransaction, true);
    assert.deepEqual(p.up.statements.map((s) => s.text), ['CREATE TABLE a (x)']);
    assert.deepEqual(p.down!.statements.map((s) => s.text), ['DROP TABLE a']);
    assert.equal(text.slice(p.up.statements[0].start, p.up.statements[0].end), 'CREATE TABLE a (x)');
  });

  it('reads the dbmate spelling, including transaction:false', () => {
    const p = parseMigration('-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\n');
    assert.equal(p.noTransaction, true);
    assert.deepEqual(p.up.statements.map((s) => s.text), ['VACUUM']);
    assert.equal(p.down!.statements.length, 0);
    assert.equal(p.up.marker!.dialect, 'migrate');
  });

  it('treats a file without markers as all up, and reports unknown and duplicate markers', () => {
    const p = parseMigration('CREATE TABLE a (x);');
    assert.equal(p.down, undefined);
    assert.equal(p.up.statements.length, 1);
    const q = parseMigration('-- rebound:up\nSELECT 1;\n-- rebound:up\nSELECT 2;\n-- rebound:sideways\n');
    assert.ok(q.problems.some((x) => /Duplicate "up"/.test(x.message)));
    assert.ok(q.problems.some((x) => /Unknown marker "rebound:sideways"/.test(x.message)));
  });

  it('keeps offsets right in CRLF text with a BOM', () => {
    const text = '\uFEFF-- rebound:up\r\nCREATE TABLE a (x);\r\n-- rebound:down\r\nDROP TABLE a;\r\n';
    const p = parseMigration(text);
    const s = p.down!.statements[0];
    assert.equal(text.slice(s.start, s.end), 'DROP TABLE a');
  });

  it('checksums ignore the BOM and line endings but nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z ();]{0,12}$/), { maxLength: 8 }), (lines) => {
        const lf = lines.join('\n');
        assert.equal(migrationChecksum('\uFEFF' + lines.join('\r\n')), migrationChecksum(lf));
        assert.equal(migrationChecksum(lines.join('\r')), migrationChecksum(lf));
      }),
    );
    assert.notEqual(migrationChecksum('SELECT 1;'), migrationChecksum('SELECT 2;'));
  });

  it('the up checksum sees what the up section does, not comments, spacing, case or the down section', () => {
    const a = '-- rebound:up\nCREATE TABLE a (x INT);\n-- rebound:down\nDROP TABLE a;\n';
    const b = '-- rebound:up\n-- a comment\ncreate   table A(\n  x int\n);\n-- rebound:down\nDROP TABLE IF EXISTS a;\n';
    assert.equal(upChecksum(a), upChecksum(b));
    assert.notEqual(upChecksum(a), upChecksum(a.replace('x INT', 'y INT')));
    assert.notEqual(upChecksum(a), upChecksum('-- rebound:no-transaction\n' + a));
    assert.notEqual(upChecksum("-- rebound:up\nINSERT INTO a VALUES ('X');"), upChecksum("-- rebound:up\nINSERT INTO a VALUES ('x');"));
  });

  it('defines a migration with its statements and non-transactional statements', () => {
    const d = defineMigration('0003_wal.sql', '-- rebound:up\nPRAGMA journal_mode = WAL;\nCREATE TABLE t (x);\n')!;
    assert.equal(d.version, 3);
    assert.equal(d.down, undefined);
    assert.deepEqual(d.up, ['PRAGMA journal_mode = WAL', 'CREATE TABLE t (x)']);
    assert.equal(d.nonTransactional.length, 1);
    assert.match(d.nonTransactional[0].reason, /journal_mode/);
    assert.equal(defineMigration('notes.sql', 'x'), undefined);
  });
});
