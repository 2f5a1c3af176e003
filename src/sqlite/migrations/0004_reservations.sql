-- Sundial SQLite store, schema 4: reservations, and the attempt under way in columns.
--
-- Reservations: a job a node claimed ahead of its runAtMs has status 'reserved' (the status column
-- is free text, so no table change): leased and fenced like a running job, its attempt not counted
-- until its node reports the start. The indexes whose partial filter lists the live statuses now
-- list 'reserved' too: lease expiry (takeover of a dead node's reservations), dedupe keys (a
-- reserved job is not final) and a schedule's active jobs (maxRunning, and the reservations a
-- pause or an edit deletes).
--
-- The attempt under way: a claim appended a JSON record to `attempts` and the completion rewrote
-- it, two JSON rewrites per job. Now `attempts` holds finished attempts only; a running job's
-- attempt is its columns (attempt, lease_owner, fencing_token, attempt_started_at_ms), read back
-- as the last attempt, and the completion appends the finished record once (as PostgreSQL's
-- schema 4 does). Nodes of the previous version write the old way: stop them before this one
-- migrates.

ALTER TABLE jobs ADD COLUMN attempt_started_at_ms INTEGER;

-- Jobs running during the upgrade: their open record leaves the array for the columns.
UPDATE jobs SET attempt_started_at_ms = json_extract(attempts, '$[#-1].startedAtMs'), attempts = json_remove(attempts, '$[#-1]')
WHERE status = 'running' AND json_valid(attempts) AND json_type(attempts) = 'array'
  AND json_extract(attempts, '$[#-1].outcome') = 'running';

DROP INDEX jobs_lease_expiry;
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at_ms) WHERE status IN ('running', 'reserved');

DROP INDEX jobs_dedupe;
CREATE INDEX jobs_dedupe ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'reserved', 'running', 'failed');

-- Jobs enqueued on demand have no schedule: leaving them out keeps the index off the hot path.
DROP INDEX jobs_schedule_active;
CREATE INDEX jobs_schedule_active ON jobs (schedule_id)
  WHERE schedule_id IS NOT NULL AND status IN ('queued', 'reserved', 'running', 'failed');

-- claimJobs' look-ahead: per task, the claimable jobs in runAtMs order (the claim index is
-- ordered by priority first, so a window of runAtMs is not one range of it). It also serves
-- nextWakeAtMs (the earliest runAtMs, one short read per task), so jobs_pending_run_at, which
-- every insert and claim had to write, goes.
CREATE INDEX jobs_ahead_task ON jobs (task, run_at_ms, seq) WHERE status IN ('queued', 'failed');
DROP INDEX jobs_pending_run_at;

-- listJobs by schedule: jobs enqueued on demand (no schedule) are never listed by it.
DROP INDEX jobs_schedule_created;
CREATE INDEX jobs_schedule_created ON jobs (schedule_id, created_at_ms DESC, id DESC) WHERE schedule_id IS NOT NULL;

-- acquireDueSchedules orders by (next_fire_at_ms, id): with the index on next_fire_at_ms alone,
-- 5,000 one-shots due at one instant were all read and sorted by id for every acquisition of 100.
DROP INDEX schedules_due;
CREATE INDEX schedules_due ON schedules (next_fire_at_ms, id) WHERE paused = 0;
