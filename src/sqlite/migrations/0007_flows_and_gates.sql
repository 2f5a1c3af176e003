-- Sundial SQLite store, schema 7: job dependencies (flows) and task gates (circuit breakers,
-- rate limits).
--
-- Flows: a job with parents is created 'waiting' (the status column is free text) until its
-- parents finish. The claim indexes (jobs_claim_task, jobs_ahead_task) are partial on
-- ('queued', 'failed'), so a waiting job is in neither: a claim never reads past it, and
-- nextWakeAtMs never sees it. Rows written before the upgrade have no parents: NULL and 0, and
-- ADD COLUMN with a constant default rewrites no row.

-- JSON array of the parents' ids as given (NewJob.parents); NULL when none. Only read back into
-- the record: resolution walks job_edges, so damaged text here never fails a completion.
ALTER TABLE jobs ADD COLUMN parents TEXT;
-- 'fail', 'ignore' or 'cancel' with parents; NULL without.
ALTER TABLE jobs ADD COLUMN on_parent_failure TEXT;
-- How many parents have not reached a final status yet: the child is released when it drops to 0.
ALTER TABLE jobs ADD COLUMN unfinished_parents INTEGER NOT NULL DEFAULT 0;

-- A flow's edges, one row per (parent, child). Resolution reads a finishing job's children by the
-- primary key, and listJobs({ parentId }) lists them the same way. `pending` is 1 while the parent
-- counts as unfinished in its child's `unfinished_parents`: 0 once its final status was counted,
-- 1 again when an operator retries it (Store.retryJob), so that no end is counted twice.
CREATE TABLE job_edges (
  parent_id TEXT NOT NULL,
  child_id  TEXT NOT NULL,
  pending   INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (parent_id, child_id)
) WITHOUT ROWID;
-- The edges of a deleted child (purgeJobs), found without scanning the table.
CREATE INDEX job_edges_child ON job_edges (child_id);

-- A deleted job (purgeJobs, a discarded or dropped reservation) takes its edges with it, so that
-- a later job reusing its id inherits no children. Jobs without parents skip the child side.
CREATE TRIGGER jobs_delete_edges AFTER DELETE ON jobs
BEGIN
  DELETE FROM job_edges WHERE parent_id = OLD.id;
  DELETE FROM job_edges WHERE child_id = OLD.id AND OLD.parents IS NOT NULL;
END;

-- A waiting job is not final: its dedupe key blocks a new job like a queued one's.
DROP INDEX jobs_dedupe;
CREATE INDEX jobs_dedupe ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('waiting', 'queued', 'reserved', 'running', 'failed');

-- Circuit breakers: one row per task with a breaker, written by compare-and-set on `version`
-- (Store.writeBreaker). `state` and `forced` are free text, read through the record checks.
CREATE TABLE breakers (
  task           TEXT PRIMARY KEY,
  state          TEXT NOT NULL,
  forced         TEXT,
  changed_at_ms  INTEGER NOT NULL,
  open_until_ms  INTEGER,
  probe_owner    TEXT,
  probe_until_ms INTEGER,
  version        INTEGER NOT NULL
) WITHOUT ROWID;

-- The calls counted for a task's breaker, per time bucket (Store.recordBreakerCalls): a read sums
-- a window as one primary-key range of the task.
CREATE TABLE breaker_calls (
  task            TEXT NOT NULL,
  bucket_start_ms INTEGER NOT NULL,
  succeeded       INTEGER NOT NULL,
  failed          INTEGER NOT NULL,
  PRIMARY KEY (task, bucket_start_ms)
) WITHOUT ROWID;

-- Rate-limit buckets (Store.takeRateTokens): the GCRA theoretical arrival time per key. REAL:
-- an interval may be fractional (1,000 per second is 1 ms, 3 per second 333.33… ms), and the
-- arithmetic must be exact in doubles, not rounded to whole milliseconds at every step.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  tat REAL NOT NULL
) WITHOUT ROWID;
