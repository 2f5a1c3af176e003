-- Sundial PostgreSQL store, schema 1.
-- Applied by migrations.ts in one transaction, under a transaction-level advisory lock, with
-- search_path set to the store's schema: names here are unqualified on purpose.
-- Times are bigint epoch milliseconds; payloads, triggers, errors and attempts are jsonb.
-- Ids are COLLATE "C" so that ORDER BY id is byte order, the same as the other stores.

CREATE TABLE schedules (
  id                  text COLLATE "C" PRIMARY KEY,
  task                text NOT NULL,
  data                jsonb NOT NULL,
  trigger_spec        jsonb NOT NULL,
  priority            integer NOT NULL,
  max_running         integer,
  misfire_grace_ms    bigint,
  coalesce_policy     text NOT NULL CHECK (coalesce_policy IN ('latest', 'earliest', 'all')),
  paused              boolean NOT NULL,
  next_fire_at_ms     bigint,
  last_fire_at_ms     bigint,
  created_at_ms       bigint NOT NULL,
  updated_at_ms       bigint NOT NULL,
  lease_owner         text,
  lease_expires_at_ms bigint,
  lease_token         bigint NOT NULL DEFAULT 0,
  fired_count         bigint NOT NULL DEFAULT 0,
  skipped_count       bigint NOT NULL DEFAULT 0,
  missed_count        bigint NOT NULL DEFAULT 0
);

-- acquireDueSchedules (in its order) and nextWakeAtMs: earliest unpaused fire first.
CREATE INDEX schedules_due ON schedules (next_fire_at_ms, id) WHERE NOT paused;

CREATE TABLE jobs (
  id                  text COLLATE "C" PRIMARY KEY,
  -- Creation order: the claim tie-breaker after priority and runAtMs.
  seq                 bigint GENERATED ALWAYS AS IDENTITY,
  task                text NOT NULL,
  data                jsonb NOT NULL,
  origin              text NOT NULL,
  schedule_id         text COLLATE "C",
  fire_at_ms          bigint,
  status              text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
  priority            integer NOT NULL,
  run_at_ms           bigint NOT NULL,
  created_at_ms       bigint NOT NULL,
  updated_at_ms       bigint NOT NULL,
  started_at_ms       bigint,
  finished_at_ms      bigint,
  attempt             integer NOT NULL DEFAULT 0,
  max_attempts        integer NOT NULL,
  dedupe_key          text,
  lease_owner         text,
  lease_expires_at_ms bigint,
  fencing_token       bigint NOT NULL DEFAULT 0,
  cancel_requested    boolean NOT NULL DEFAULT false,
  result              jsonb,
  error               jsonb,
  attempts            jsonb NOT NULL DEFAULT '[]'
);

-- The invariants, enforced by the database whatever a node does:
-- at most one job per schedule fire …
CREATE UNIQUE INDEX jobs_schedule_fire ON jobs (schedule_id, fire_at_ms) WHERE fire_at_ms IS NOT NULL;
-- … and at most one non-final job per dedupe key.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running', 'failed');

-- The hot path: claimJobs walks this in claim order and stops at the limit. Only claimable rows
-- are in it, so it stays small however much history the table holds.
CREATE INDEX jobs_claim ON jobs (priority DESC, run_at_ms, seq) WHERE status IN ('queued', 'failed');
-- nextWakeAtMs: earliest runAtMs of claimable jobs (jobs_claim is ordered by priority first).
CREATE INDEX jobs_pending_run_at ON jobs (run_at_ms) WHERE status IN ('queued', 'failed');
-- findExpiredLeases and nextWakeAtMs.
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at_ms, seq) WHERE status = 'running';
-- acquireDueSchedules' activeJobs count, without scanning a schedule's whole history.
CREATE INDEX jobs_schedule_active ON jobs (schedule_id) WHERE status IN ('queued', 'running', 'failed');
-- listJobs (newest first), by status, by schedule; the change feed; purgeJobs and jobStats.
CREATE INDEX jobs_created ON jobs (created_at_ms DESC, id DESC);
CREATE INDEX jobs_status_created ON jobs (status, created_at_ms DESC, id DESC);
CREATE INDEX jobs_schedule_created ON jobs (schedule_id, created_at_ms DESC, id DESC);
CREATE INDEX jobs_updated ON jobs (updated_at_ms, id);
CREATE INDEX jobs_finished ON jobs (finished_at_ms) WHERE finished_at_ms IS NOT NULL;

-- One row per process sharing the store, replaced at every report (Store.upsertNode).
CREATE TABLE nodes (
  id              text COLLATE "C" PRIMARY KEY,
  hostname        text NOT NULL,
  pid             integer NOT NULL,
  role_schedules  boolean NOT NULL,
  role_jobs       boolean NOT NULL,
  tasks           jsonb NOT NULL,
  concurrency     integer NOT NULL,
  running         integer NOT NULL,
  started_at_ms   bigint NOT NULL,
  last_seen_at_ms bigint NOT NULL,
  version         text NOT NULL
);
