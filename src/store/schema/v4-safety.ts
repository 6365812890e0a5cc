import { redact } from '../../engine/redact/redact';
import { definitionHash, displayDefinition, isTaskDefinitionLike } from '../../engine/tasks/storedDefinition';
import type { StoreStep } from '../schema';

/**
 * v4: runs keep a redacted copy of their definition and the hash of what it executes
 * (`definition_hash`), never a second copy of the config; spooled events are imported once
 * (`spool_imported`). Old rows are rewritten: their full definition (env values, rules, commands
 * with secrets) is replaced by the redacted copy, its hash computed from the old text first.
 */
export const safetyStep: StoreStep = {
  version: 4,
  name: 'safety',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN definition_hash TEXT;
      CREATE TABLE spool_imported (
        id          TEXT PRIMARY KEY,
        imported_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    const update = db.prepare('UPDATE runs SET definition_json = ?, definition_hash = ? WHERE rowid = ?');
    const rows = db.prepare('SELECT rowid AS rowid, definition_json AS json FROM runs').all() as Array<{ rowid: number; json: string }>;
    for (const row of rows) {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(row.json);
      } catch {
        parsed = null;
      }
      if (isTaskDefinitionLike(parsed)) {
        update.run(JSON.stringify(displayDefinition({ ...parsed, cwd: parsed.cwd ?? '.', env: parsed.env ?? {} })), definitionHash(parsed), row.rowid);
      } else {
        // Not a task definition: nothing to compare with, so such a run is never resumed; keep a redacted hint.
        update.run(JSON.stringify(parsed === null ? null : redact(JSON.stringify(parsed)).slice(0, 2000)), null, row.rowid);
      }
    }
  },
};
