import * as assert from 'node:assert/strict';
import { splitStatements, tokenize, identifierOf } from '../../../../src/engine/migrations';

const texts = (sql: string) => splitStatements(sql).statements.map((s) => s.text);

describe('migrations: statement splitter', () => {
  it('splits at semicolons and drops comment-only pieces', () => {
    assert.deepEqual(texts('CREATE TABLE a (x);\n-- just a comment\n;\nINSERT INTO a VALUES (1);'), ['CREATE TABLE a (x)', 'INSERT INTO a VALUES (1)']);
  });

  it('keeps semicolons inside strings, quoted identifiers and comments', () => {
    const sql = `INSERT INTO t VALUES ('a;b', 'it''s; fine');\nCREATE TABLE "we;ird" ([x;y] TEXT, \`z;w\` INT); -- trailing; comment\n/* block; comment */ SELECT 1;`;
    assert.deepEqual(texts(sql), [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
      'CREATE TABLE "we;ird" ([x;y] TEXT, `z;w` INT)',
      'SELECT 1',
    ]);
  });

  it('keeps a CREATE TRIGGER body (with CASE ... END inside) as one statement', () => {
    const trigger = `CREATE TEMP TRIGGER t_ai AFTER INSERT ON t BEGIN\n  UPDATE t SET v = CASE WHEN new.v IS NULL THEN 0 ELSE new.v END WHERE id = new.id;\n  INSERT INTO log VALUES ('x;y');\nEND`;
    assert.deepEqual(texts(`${trigger};\nSELECT 2;`), [trigger, 'SELECT 2']);
  });

  it('treats BEGIN and COMMIT outside a trigger as statements of their own', () => {
    assert.deepEqual(texts('BEGIN; CREATE TABLE a(x); COMMIT;'), ['BEGIN', 'CREATE TABLE a(x)', 'COMMIT']);
  });

  it('reports offsets (shifted by the base offset), termination and unterminated pieces', () => {
    const r = splitStatements("  SELECT 1;\nSELECT 'open", 100);
    assert.equal(r.statements[0].start, 102);
    assert.equal(r.statements[0].end, 110);
    assert.equal(r.statements[0].endWithSemicolon, 111);
    assert.equal(r.statements[0].terminated, true);
    assert.equal(r.statements[1].terminated, false);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0].message, /Unterminated string/);
    const t = splitStatements('CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;');
    assert.match(t.problems[0].message, /no matching END/);
  });

  it('unquotes identifiers for comparison', () => {
    const [q, b, k] = tokenize('"My""Table" [Other] `x`').filter((t) => t.kind === 'quoted');
    assert.equal(identifierOf(q), 'my"table');
    assert.equal(identifierOf(b), 'other');
    assert.equal(identifierOf(k), 'x');
  });
});
