import type { StoreStep } from '../schema';

/**
 * v1: error events grouped into issues, plus hourly counters for the dashboard and health.
 * Issues keep their triage state (status, substatus, ignore condition, rate window) in columns;
 * `count` is every event seen, `stored_count` the rows kept, `dropped_count` those flood control
 * only counted.
 */
export const errorsStep: StoreStep = {
  version: 1,
  name: 'errors',
  up(db) {
    db.exec(`
      CREATE TABLE issues (
        id               INTEGER PRIMARY KEY,
        fingerprint      TEXT NOT NULL UNIQUE,
        title            TEXT NOT NULL,
        culprit          TEXT,
        code             TEXT NOT NULL,
        category         TEXT NOT NULL,
        severity         TEXT NOT NULL,
        component        TEXT,
        task             TEXT,
        migration        TEXT,
        status           TEXT NOT NULL DEFAULT 'unresolved' CHECK (status IN ('unresolved','resolved','ignored')),
        substatus        TEXT NOT NULL DEFAULT 'new' CHECK (substatus IN ('new','ongoing','regressed','escalating')),
        substatus_since  INTEGER NOT NULL,
        first_seen       INTEGER NOT NULL,
        last_seen        INTEGER NOT NULL,
        count            INTEGER NOT NULL DEFAULT 0,
        stored_count     INTEGER NOT NULL DEFAULT 0,
        dropped_count    INTEGER NOT NULL DEFAULT 0,
        last_event_id    INTEGER,
        resolved_at      INTEGER,
        resolved_by      TEXT,
        ignore_mode      TEXT CHECK (ignore_mode IN ('forever','count','until')),
        ignore_until     INTEGER,
        ignore_remaining INTEGER,
        window_start     INTEGER NOT NULL,
        window_count     INTEGER NOT NULL DEFAULT 0,
        baseline_rate    REAL
      );
      CREATE INDEX issues_status_last_seen ON issues(status, last_seen DESC);
      CREATE INDEX issues_last_seen ON issues(last_seen DESC);
      CREATE INDEX issues_task ON issues(task);
      CREATE INDEX issues_migration ON issues(migration);

      CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        time        INTEGER NOT NULL,
        severity    TEXT NOT NULL,
        category    TEXT NOT NULL,
        code        TEXT NOT NULL,
        component   TEXT,
        message     TEXT NOT NULL,
        details     TEXT,
        stack       TEXT,
        task        TEXT,
        step        TEXT,
        migration   TEXT,
        file        TEXT,
        line        INTEGER,
        col         INTEGER,
        command     TEXT,
        exit_code   INTEGER,
        signal      TEXT,
        duration_ms INTEGER,
        attempt     INTEGER,
        run_id      TEXT,
        rule        TEXT,
        evidence    TEXT,
        fingerprint TEXT NOT NULL,
        issue_id    INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
        resolution  TEXT
      );
      CREATE INDEX events_time ON events(time);
      CREATE INDEX events_severity_time ON events(severity, time);
      CREATE INDEX events_component_time ON events(component, time);
      CREATE INDEX events_issue_time ON events(issue_id, time);
      CREATE INDEX events_task_time ON events(task, time);
      CREATE INDEX events_migration_time ON events(migration, time) WHERE migration IS NOT NULL;
      CREATE INDEX events_run ON events(run_id) WHERE run_id IS NOT NULL;

      -- Events seen per hour (flood-dropped ones included), so statistics never scan the events.
      CREATE TABLE event_buckets (
        hour      INTEGER NOT NULL,
        severity  TEXT NOT NULL,
        category  TEXT NOT NULL,
        component TEXT NOT NULL,
        count     INTEGER NOT NULL,
        PRIMARY KEY (hour, severity, category, component)
      ) WITHOUT ROWID;

      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  },
};
