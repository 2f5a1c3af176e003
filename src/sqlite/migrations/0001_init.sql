-- Sundial SQLite store, schema 1.
-- Times are INTEGER epoch milliseconds; JSON values (payloads, triggers, errors, attempts) are TEXT.
-- Applied by migrations.ts inside BEGIN IMMEDIATE, which then records the schema version.

-- Identifies the file as a Sundial store ('format' row) and records the schema version.
CREATE TABLE sundial_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO sundial_meta (key, value) VALUES ('format', 'sundial-store');

CREATE TABLE schedules (
  id                  TEXT PRIMARY KEY,
  task                TEXT NOT NULL,
  data                TEXT NOT NULL,
  trigger_spec        TEXT NOT NULL,
  priority            INTEGER NOT NULL,
  max_running         INTEGER,
  misfire_grace_ms    INTEGER,
  coalesce_policy     TEXT NOT NULL,
  paused              INTEGER NOT NULL,
  next_fire_at_ms     INTEGER,
  last_fire_at_ms     INTEGER,
  created_at_ms       INTEGER NOT NULL,
  updated_at_ms       INTEGER NOT NULL,
  lease_owner         TEXT,
  lease_expires_at_ms INTEGER,
  lease_token         INTEGER NOT NULL DEFAULT 0,
  fired_count         INTEGER NOT NULL DEFAULT 0,
  skipped_count       INTEGER NOT NULL DEFAULT 0,
  missed_count        INTEGER NOT NULL DEFAULT 0
);

-- acquireDueSchedules and nextWakeAtMs: earliest unpaused fire first.
CREATE INDEX schedules_due ON schedules (next_fire_at_ms) WHERE paused = 0;

CREATE TABLE jobs (
  -- Creation order (the claim tie-breaker). Without AUTOINCREMENT a new row still gets max + 1.
  seq                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,
  task                TEXT NOT NULL,
  data                TEXT NOT NULL,
  origin              TEXT NOT NULL,
  schedule_id         TEXT,
  fire_at_ms          INTEGER,
  status              TEXT NOT NULL,
  priority            INTEGER NOT NULL,
  run_at_ms           INTEGER NOT NULL,
  created_at_ms       INTEGER NOT NULL,
  updated_at_ms       INTEGER NOT NULL,
  started_at_ms       INTEGER,
  finished_at_ms      INTEGER,
  attempt             INTEGER NOT NULL DEFAULT 0,
  max_attempts        INTEGER NOT NULL,
  dedupe_key          TEXT,
  lease_owner         TEXT,
  lease_expires_at_ms INTEGER,
  fencing_token       INTEGER NOT NULL DEFAULT 0,
  cancel_requested    INTEGER NOT NULL DEFAULT 0,
  result              TEXT,
  error               TEXT,
  attempts            TEXT NOT NULL DEFAULT '[]'
);

-- At most one job per schedule fire.
CREATE UNIQUE INDEX jobs_schedule_fire ON jobs (schedule_id, fire_at_ms) WHERE fire_at_ms IS NOT NULL;
-- claimJobs walks this in claim order and stops at the limit.
CREATE INDEX jobs_claim ON jobs (priority DESC, run_at_ms, seq) WHERE status IN ('queued', 'failed');
-- nextWakeAtMs: earliest runAtMs of claimable jobs (jobs_claim is ordered by priority first).
CREATE INDEX jobs_pending_run_at ON jobs (run_at_ms) WHERE status IN ('queued', 'failed');
-- findExpiredLeases and nextWakeAtMs.
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at_ms) WHERE status = 'running';
-- enqueueJobs dedupe: only non-final jobs hold their key.
CREATE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running', 'failed');
-- acquireDueSchedules' activeJobs count, without scanning a schedule's whole history.
CREATE INDEX jobs_schedule_active ON jobs (schedule_id) WHERE status IN ('queued', 'running', 'failed');
-- listJobs (newest first), by status, by schedule; purgeJobs.
CREATE INDEX jobs_created ON jobs (created_at_ms DESC, id DESC);
CREATE INDEX jobs_status_created ON jobs (status, created_at_ms DESC, id DESC);
CREATE INDEX jobs_schedule_created ON jobs (schedule_id, created_at_ms DESC, id DESC);
CREATE INDEX jobs_finished ON jobs (finished_at_ms) WHERE finished_at_ms IS NOT NULL;
