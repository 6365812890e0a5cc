import type { StoreStep } from '../schema';

/** v3: task runs with their step checkpoints, the rollback journal and recovery plans. */
export const runsStep: StoreStep = {
  version: 3,
  name: 'runs',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('task','migration')),
        name        TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('running','succeeded','failed','cancelled','rolled-back','abandoned','recovered')),
        owner_pid   INTEGER NOT NULL,
        owner_host  TEXT NOT NULL,
        owner_start INTEGER,
        started_at  INTEGER NOT NULL,
        heartbeat   INTEGER NOT NULL,
        ended_at    INTEGER,
        definition_json TEXT NOT NULL,
        error_code  TEXT,
        resumed_from TEXT
      );
      CREATE INDEX runs_state ON runs(state, started_at);
      CREATE INDEX runs_name ON runs(name, started_at DESC);

      CREATE TABLE run_steps (
        run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        idx        INTEGER NOT NULL,
        name       TEXT NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('pending','running','done','failed','undoing','undone','undo-failed','skipped')),
        started_at INTEGER,
        ended_at   INTEGER,
        exit_code  INTEGER,
        PRIMARY KEY (run_id, idx)
      );

      CREATE TABLE journal (
        id       INTEGER PRIMARY KEY,
        run_id   TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        time     INTEGER NOT NULL,
        entry    TEXT NOT NULL,
        step_idx INTEGER,
        data_json TEXT
      );
      CREATE INDEX journal_run ON journal(run_id, id);

      CREATE TABLE recoveries (
        id         INTEGER PRIMARY KEY,
        run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        strategy   TEXT NOT NULL CHECK (strategy IN ('automatic','guided','manual','skip')),
        action     TEXT NOT NULL CHECK (action IN ('resume','rollback','abandon')),
        plan_json  TEXT NOT NULL,
        outcome    TEXT CHECK (outcome IN ('succeeded','failed')),
        ended_at   INTEGER,
        detail     TEXT
      );
    `);
  },
};
