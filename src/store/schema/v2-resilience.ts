import type { StoreStep } from '../schema';

/** v2: retry attempts, circuit-breaker state and the dead-letter queue. */
export const resilienceStep: StoreStep = {
  version: 2,
  name: 'resilience',
  up(db) {
    db.exec(`
      CREATE TABLE attempts (
        id          INTEGER PRIMARY KEY,
        run_id      TEXT,
        operation   TEXT NOT NULL,
        component   TEXT,
        number      INTEGER NOT NULL CHECK (number >= 1),
        started_at  INTEGER NOT NULL,
        delay_ms    INTEGER NOT NULL DEFAULT 0,
        duration_ms INTEGER NOT NULL DEFAULT 0,
        outcome     TEXT NOT NULL CHECK (outcome IN ('success','failure','cancelled')),
        error_code  TEXT,
        category    TEXT,
        message     TEXT
      );
      CREATE INDEX attempts_run ON attempts(run_id, number);
      CREATE INDEX attempts_started ON attempts(started_at);
      CREATE INDEX attempts_operation ON attempts(operation, started_at);

      CREATE TABLE breakers (
        key        TEXT PRIMARY KEY,
        state      TEXT NOT NULL CHECK (state IN ('closed','open','half-open','isolated')),
        state_json TEXT NOT NULL,
        opened_at  INTEGER,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE dead_letters (
        id            INTEGER PRIMARY KEY,
        operation     TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (length(kind) > 0),
        component     TEXT,
        code          TEXT NOT NULL,
        category      TEXT NOT NULL,
        message       TEXT NOT NULL,
        input_json    TEXT NOT NULL,
        error_json    TEXT NOT NULL,
        attempts_json TEXT NOT NULL,
        context_json  TEXT NOT NULL,
        state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','requeued','discarded','resolved')),
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        retry_count   INTEGER NOT NULL DEFAULT 0,
        note          TEXT,
        run_id        TEXT
      );
      CREATE INDEX dead_letters_state ON dead_letters(state, created_at);
      CREATE INDEX dead_letters_code ON dead_letters(code, state);
      CREATE INDEX dead_letters_component ON dead_letters(component, state);
    `);
  },
};
