-- Sundial SQLite store, schema 2: node records and the job change feed.

-- One row per process sharing the store, replaced at every report (Store.upsertNode).
CREATE TABLE nodes (
  id              TEXT PRIMARY KEY,
  hostname        TEXT NOT NULL,
  pid             INTEGER NOT NULL,
  role_schedules  INTEGER NOT NULL,
  role_jobs       INTEGER NOT NULL,
  -- JSON array of task names, in the node's order.
  tasks           TEXT NOT NULL,
  concurrency     INTEGER NOT NULL,
  running         INTEGER NOT NULL,
  started_at_ms   INTEGER NOT NULL,
  last_seen_at_ms INTEGER NOT NULL,
  version         TEXT NOT NULL
);

-- listJobs with updatedAfterMs (the change feed): range scan and keyset paging in feed order.
CREATE INDEX jobs_updated ON jobs (updated_at_ms, id);
