-- rebound:up
-- No down section yet: Rebound flags it and offers a quick fix that writes one.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  message TEXT NOT NULL
);
