import * as assert from 'node:assert/strict';
import { failedStatementIndex, locateMigrationFailure } from '../../../../src/engine/migrations';

const FILE = ['-- rebound:up', 'CREATE TABLE a (id INTEGER);', 'INSERT INTO missing VALUES (1);', '', '-- rebound:down', 'DROP TABLE a;', ''].join('\n');

describe('migrations: where a failed migration stopped', () => {
  it('reads the failing statement from the runner message', () => {
    assert.equal(failedStatementIndex('Migration 2 (0002_x.sql) failed at statement 2 of 2 (INSERT INTO missing VALUES (1)): no such table: missing.'), 1);
    assert.equal(failedStatementIndex('Migration 2 (0002_x.sql) failed after its 2 statement(s): Foreign key check failed'), undefined);
  });

  it('ranges over the failing statement of the up or down section', () => {
    const up = locateMigrationFailure(FILE, 'up', 1);
    assert.deepEqual(up.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 31 } });
    const down = locateMigrationFailure(FILE, 'down', 0);
    assert.deepEqual(down.range, { start: { line: 5, character: 0 }, end: { line: 5, character: 13 } });
  });

  it('falls back to the section marker when no statement failed or the file changed', () => {
    assert.deepEqual(locateMigrationFailure(FILE, 'up', undefined).range, { start: { line: 0, character: 0 }, end: { line: 0, character: 13 } });
    const gone = locateMigrationFailure(FILE, 'up', 7);
    assert.equal(gone.statementIndex, undefined);
    assert.equal(gone.range.start.line, 0);
  });
});
