-- Sundial PostgreSQL store, schema 7: a hot table of live jobs, and a compact history.
--
-- `jobs` held every job, queued to finished, so each job wrote two new row versions (claim,
-- completion) and their index entries into a table that was mostly history, and its indexes
-- grew with the history. Now:
-- - `jobs` holds only the jobs not final (queued, reserved, running, failed awaiting a retry).
--   Claims and completions touch a table as large as the backlog, whatever the history.
-- - `job_history` holds the final ones (succeeded, dead, cancelled): written once, never
--   updated, with only the indexes the read side needs. The completion that makes a job final
--   moves it there in the same statement (DELETE … RETURNING into INSERT); an operator's retry
--   moves it back the same way. Same columns in the same order, so `all_jobs` (both tables,
--   UNION ALL) serves every read; its predicates reach each table's indexes.
-- - `fire_keys` holds one row per (schedule_id, fire_at_ms) of a job kept, in either table: its
--   primary key is the invariant "one job per schedule fire" that the unique index on `jobs`
--   enforced when there was one table. It is written with the job (in the statement that
--   inserts it) and deleted with it (purge, a discarded fire, a dropped reservation); a move
--   between the tables leaves it alone, so no fire can slip in between the DELETE and the INSERT
--   of a move. An insert racing another for the same fire fails on this key (23505) rather
--   than creating a second job; the store then enqueues again and finds the first.

-- The history: the columns of `jobs` (LIKE: same order, collations, NOT NULL and defaults; seq
-- is a plain column here, the value it had as a live job).
CREATE TABLE job_history (LIKE jobs INCLUDING DEFAULTS);
ALTER TABLE job_history ADD PRIMARY KEY (id);
ALTER TABLE job_history ADD CONSTRAINT job_history_status_check CHECK (status IN ('succeeded', 'dead', 'cancelled'));
ALTER TABLE job_history SET (fillfactor = 100);

CREATE TABLE fire_keys (
  schedule_id text COLLATE "C" NOT NULL,
  fire_at_ms  bigint NOT NULL,
  -- The job holding the fire (enqueueJobs answers a colliding fire with it).
  job_id      text COLLATE "C" NOT NULL,
  PRIMARY KEY (schedule_id, fire_at_ms)
);

INSERT INTO fire_keys (schedule_id, fire_at_ms, job_id)
SELECT schedule_id, fire_at_ms, id FROM jobs WHERE fire_at_ms IS NOT NULL AND schedule_id IS NOT NULL;

WITH moved AS (DELETE FROM jobs WHERE status IN ('succeeded', 'dead', 'cancelled') RETURNING *)
INSERT INTO job_history SELECT * FROM moved;

-- The read side of the history: listings (by status, by schedule), the purge (a range of
-- job_history_status_created per status), the change feed and the per-bucket statistics.
CREATE INDEX job_history_status_created ON job_history (status, created_at_ms DESC, id DESC);
CREATE INDEX job_history_schedule_created ON job_history (schedule_id, created_at_ms DESC, id DESC) WHERE schedule_id IS NOT NULL;
CREATE INDEX job_history_updated ON job_history (updated_at_ms, id);

ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'reserved', 'running', 'failed'));
-- fire_keys is the invariant now; the live table pays no entry for it.
DROP INDEX jobs_schedule_fire;

CREATE VIEW all_jobs AS SELECT * FROM jobs UNION ALL SELECT * FROM job_history;

-- completeJobs: as in schema 6, but a completion that makes the job final (succeeded, dead,
-- cancelled) deletes it from `jobs` and inserts the finished row into `job_history`; a retry or
-- a release updates it in place. Fires deleted (discarded, reservations dropped with an ended
-- schedule) free their keys.
CREATE OR REPLACE FUNCTION complete_jobs(p_completions jsonb, p_ids text[], p_channel text)
RETURNS TABLE (completion_index integer, completed boolean)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH r AS (
    SELECT * FROM jsonb_to_recordset(p_completions) AS r(i int, job_id text, fencing_token bigint, now_ms bigint, kind text,
      result jsonb, error jsonb, retry_at_ms bigint, outcome text, end_schedule boolean, started_at_ms bigint, count_as text)),
  locked AS (SELECT j.id, j.status, j.fencing_token FROM jobs j WHERE j.id = ANY(p_ids) ORDER BY j.id FOR UPDATE),
  held AS (
    SELECT r.*, l.status = 'reserved' AS was_reserved FROM r
    JOIN locked l ON l.id = r.job_id AND l.fencing_token = r.fencing_token AND l.status IN ('running', 'reserved')),
  done AS (
    UPDATE jobs j SET
      status = CASE h.kind WHEN 'retry' THEN 'failed' ELSE 'queued' END,
      error = CASE h.kind WHEN 'released' THEN j.error ELSE h.error END,
      run_at_ms = CASE WHEN h.kind = 'retry' THEN h.retry_at_ms WHEN h.kind = 'released' AND NOT h.was_reserved THEN h.now_ms
        ELSE j.run_at_ms END,
      attempt = CASE WHEN h.kind = 'released' THEN j.attempt - (NOT h.was_reserved)::int ELSE j.attempt + h.was_reserved::int END,
      started_at_ms = CASE WHEN h.was_reserved AND h.kind <> 'released' THEN COALESCE(j.started_at_ms, h.started_at_ms, h.now_ms)
        ELSE j.started_at_ms END,
      lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = h.now_ms, attempt_started_at_ms = NULL,
      attempts = CASE WHEN h.was_reserved AND h.kind = 'released' THEN j.attempts
        ELSE j.attempts || jsonb_build_array(jsonb_build_object('attempt', j.attempt + h.was_reserved::int, 'nodeId', j.lease_owner,
          'fencingToken', j.fencing_token,
          'startedAtMs', CASE WHEN h.was_reserved THEN COALESCE(h.started_at_ms, h.now_ms) ELSE j.attempt_started_at_ms END,
          'finishedAtMs', h.now_ms, 'outcome', h.outcome,
          'error', CASE WHEN h.kind = 'retry' THEN COALESCE(h.error, 'null'::jsonb) END)) END
    FROM held h
    WHERE j.id = h.job_id AND h.kind NOT IN ('succeeded', 'dead', 'cancelled', 'discarded')
    RETURNING j.id, j.schedule_id, h.end_schedule, h.kind, h.now_ms),
  finished AS (
    DELETE FROM jobs j USING held h
    WHERE j.id = h.job_id AND h.kind IN ('succeeded', 'dead', 'cancelled')
    RETURNING j.id, j.seq, j.task, j.data, j.origin, j.schedule_id, j.fire_at_ms, h.kind AS status, j.priority, j.run_at_ms,
      j.created_at_ms, h.now_ms AS updated_at_ms,
      CASE WHEN h.was_reserved THEN COALESCE(j.started_at_ms, h.started_at_ms, h.now_ms) ELSE j.started_at_ms END AS started_at_ms,
      h.now_ms AS finished_at_ms, j.attempt + h.was_reserved::int AS attempt, j.max_attempts, j.dedupe_key,
      NULL::text AS lease_owner, NULL::bigint AS lease_expires_at_ms, j.fencing_token, j.cancel_requested,
      CASE WHEN h.kind = 'succeeded' THEN COALESCE(h.result, 'null'::jsonb) ELSE j.result END AS result,
      CASE WHEN h.kind = 'succeeded' THEN NULL ELSE h.error END AS error,
      j.attempts || jsonb_build_array(jsonb_build_object('attempt', j.attempt + h.was_reserved::int, 'nodeId', j.lease_owner,
        'fencingToken', j.fencing_token,
        'startedAtMs', CASE WHEN h.was_reserved THEN COALESCE(h.started_at_ms, h.now_ms) ELSE j.attempt_started_at_ms END,
        'finishedAtMs', h.now_ms, 'outcome', h.outcome,
        'error', CASE WHEN h.kind IN ('dead', 'cancelled') THEN COALESCE(h.error, 'null'::jsonb) END)) AS attempts,
      NULL::bigint AS attempt_started_at_ms, h.end_schedule),
  archived AS (
    INSERT INTO job_history
    SELECT f.id, f.seq, f.task, f.data, f.origin, f.schedule_id, f.fire_at_ms, f.status, f.priority, f.run_at_ms, f.created_at_ms,
      f.updated_at_ms, f.started_at_ms, f.finished_at_ms, f.attempt, f.max_attempts, f.dedupe_key, f.lease_owner,
      f.lease_expires_at_ms, f.fencing_token, f.cancel_requested, f.result, f.error, f.attempts, f.attempt_started_at_ms
    FROM finished f),
  discarded AS (
    DELETE FROM jobs j USING held h WHERE j.id = h.job_id AND h.kind = 'discarded'
    RETURNING j.schedule_id, j.fire_at_ms, h.count_as),
  ends AS (
    SELECT e.schedule_id, max(e.now_ms) AS now_ms
    FROM (SELECT d.schedule_id, d.end_schedule, d.now_ms FROM done d
          UNION ALL SELECT f.schedule_id, f.end_schedule, f.updated_at_ms FROM finished f) AS e
    WHERE e.end_schedule AND e.schedule_id IS NOT NULL GROUP BY e.schedule_id),
  counted AS (
    UPDATE schedules sc SET fired_count = sc.fired_count - d.n, skipped_count = sc.skipped_count + d.skipped,
      missed_count = sc.missed_count + d.n - d.skipped
    FROM (SELECT schedule_id, count(*) AS n, count(*) FILTER (WHERE count_as = 'skipped') AS skipped
          FROM discarded WHERE schedule_id IS NOT NULL GROUP BY schedule_id) AS d
    WHERE sc.id = d.schedule_id AND sc.id NOT IN (SELECT schedule_id FROM ends)
    RETURNING sc.id),
  ended AS (DELETE FROM schedules sc USING ends e WHERE sc.id = e.schedule_id RETURNING sc.id),
  dropped AS (
    DELETE FROM jobs j USING ends e
    WHERE j.schedule_id = e.schedule_id AND j.status = 'reserved' AND j.run_at_ms > e.now_ms AND j.id <> ALL(p_ids)
    RETURNING j.schedule_id, j.fire_at_ms),
  unkeyed AS (
    DELETE FROM fire_keys k
    USING (SELECT schedule_id, fire_at_ms FROM discarded UNION ALL SELECT schedule_id, fire_at_ms FROM dropped) AS g
    WHERE k.schedule_id = g.schedule_id AND k.fire_at_ms = g.fire_at_ms),
  notified AS (SELECT pg_notify(p_channel, 'jobs') FROM (SELECT 1 FROM done WHERE kind IN ('retry', 'released') LIMIT 1) AS requeued)
  SELECT r.i, h.job_id IS NOT NULL
  FROM r LEFT JOIN held h ON h.i = r.i
    LEFT JOIN notified ON true
  ORDER BY r.i;
END
$$;

-- upsertSchedule(s): as in schema 6; the reservations a changed definition deletes free their fire keys.
CREATE OR REPLACE FUNCTION upsert_schedules(p_writes jsonb, p_channel text)
RETURNS SETOF schedules
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  w record;
BEGIN
  FOR w IN
    SELECT * FROM jsonb_to_recordset(p_writes) AS x(i int, id text, task text, data jsonb, trigger_spec jsonb, priority int,
      max_running int, misfire_grace_ms bigint, coalesce_policy text, paused boolean, next_fire_at_ms bigint, now_ms bigint,
      keep_next_fire boolean)
    ORDER BY x.i
  LOOP
    RETURN QUERY
    WITH prev AS (SELECT * FROM schedules WHERE schedules.id = w.id FOR UPDATE),
    dropped AS (
      DELETE FROM jobs j USING prev p
      WHERE j.schedule_id = p.id AND j.status = 'reserved' AND j.run_at_ms > w.now_ms
        AND (p.task <> w.task OR p.data <> COALESCE(w.data, 'null'::jsonb) OR p.trigger_spec <> w.trigger_spec
          OR p.priority <> w.priority OR p.max_running IS DISTINCT FROM w.max_running
          OR p.misfire_grace_ms IS DISTINCT FROM w.misfire_grace_ms OR p.coalesce_policy <> w.coalesce_policy)
      RETURNING j.schedule_id, j.fire_at_ms AS key_fire_at_ms, COALESCE(j.fire_at_ms, j.run_at_ms) AS fire_at_ms),
    unkeyed AS (
      DELETE FROM fire_keys k USING dropped d WHERE k.schedule_id = d.schedule_id AND k.fire_at_ms = d.key_fire_at_ms),
    gone AS (SELECT count(*) AS n, min(fire_at_ms) AS earliest FROM dropped)
    INSERT INTO schedules AS cur (id, task, data, trigger_spec, priority, max_running, misfire_grace_ms, coalesce_policy,
      paused, next_fire_at_ms, created_at_ms, updated_at_ms)
    VALUES (w.id, w.task, COALESCE(w.data, 'null'::jsonb), w.trigger_spec, w.priority, w.max_running, w.misfire_grace_ms,
      w.coalesce_policy, COALESCE(w.paused, false), w.next_fire_at_ms, w.now_ms, w.now_ms)
    ON CONFLICT (id) DO UPDATE SET task = excluded.task, data = excluded.data, trigger_spec = excluded.trigger_spec,
      priority = excluded.priority, max_running = excluded.max_running, misfire_grace_ms = excluded.misfire_grace_ms,
      coalesce_policy = excluded.coalesce_policy, paused = COALESCE(w.paused, cur.paused),
      next_fire_at_ms = CASE WHEN w.keep_next_fire AND cur.trigger_spec = excluded.trigger_spec
        THEN LEAST(cur.next_fire_at_ms, (SELECT gone.earliest FROM gone)) ELSE excluded.next_fire_at_ms END,
      fired_count = cur.fired_count - (SELECT gone.n FROM gone),
      updated_at_ms = excluded.updated_at_ms
    RETURNING cur.*;
  END LOOP;
  PERFORM pg_notify(p_channel, 'schedules');
END
$$;

-- enqueueJobs: one array per column (batch-params.ts newJobArrays); the ids created, in order.
-- The unique indexes of `jobs` (id, active dedupe key) are arbiters of DO NOTHING, also between
-- two rows of one batch. A job whose fire is taken (fire_keys), or a second job of the batch
-- with the same fire, is left out; the created jobs' fires are inserted into fire_keys (which
-- fails, 23505, only when a concurrent statement took the same fire: the store runs it again).
-- Then, in a second statement and so with a snapshot taken after the first one's waits, a job
-- created under an id that the history holds is deleted again: the id was in the history
-- already, or its job moved there while this insert waited on its row in `jobs`.
CREATE FUNCTION enqueue_jobs(p_id text[], p_task text[], p_data text[], p_origin text[], p_schedule_id text[],
  p_fire_at_ms bigint[], p_priority integer[], p_run_at_ms bigint[], p_created_at_ms bigint[], p_max_attempts integer[],
  p_dedupe_key text[], p_channel text)
RETURNS text[]
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  created_ids text[];
BEGIN
  WITH r AS (
    SELECT r.*, CASE WHEN r.fire_at_ms IS NULL OR r.schedule_id IS NULL THEN 1
        ELSE row_number() OVER (PARTITION BY r.schedule_id, r.fire_at_ms ORDER BY r.i) END AS nth_of_fire
    FROM unnest(p_id, p_task, p_data, p_origin, p_schedule_id, p_fire_at_ms, p_priority, p_run_at_ms, p_created_at_ms,
      p_max_attempts, p_dedupe_key) WITH ORDINALITY
      AS r(id, task, data, origin, schedule_id, fire_at_ms, priority, run_at_ms, created_at_ms, max_attempts, dedupe_key, i)),
  created AS (
    INSERT INTO jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms,
      created_at_ms, updated_at_ms, max_attempts, dedupe_key)
    SELECT r.id, r.task, COALESCE(r.data::jsonb, 'null'::jsonb), r.origin, r.schedule_id, r.fire_at_ms, 'queued', r.priority,
      r.run_at_ms, r.created_at_ms, r.created_at_ms, r.max_attempts, r.dedupe_key
    FROM r
    WHERE r.nth_of_fire = 1
      AND (r.fire_at_ms IS NULL OR NOT EXISTS (
        SELECT 1 FROM fire_keys k WHERE k.schedule_id = r.schedule_id AND k.fire_at_ms = r.fire_at_ms OFFSET 0))
    ORDER BY r.i
    ON CONFLICT DO NOTHING
    RETURNING jobs.id, jobs.schedule_id, jobs.fire_at_ms),
  keyed AS (
    INSERT INTO fire_keys (schedule_id, fire_at_ms, job_id)
    SELECT c.schedule_id, c.fire_at_ms, c.id FROM created c WHERE c.fire_at_ms IS NOT NULL AND c.schedule_id IS NOT NULL)
  SELECT COALESCE(array_agg(c.id), '{}') INTO created_ids FROM created c;

  -- One primary-key probe of the history per created job. (`h.id = ANY(created_ids)` was
  -- planned as a sequential scan of the whole history, 1.4 ms per job with 200,000 kept; the
  -- OFFSET 0 keeps each EXISTS a per-row probe rather than a join the planner may hash.)
  IF EXISTS (SELECT 1 FROM unnest(created_ids) AS c(id) WHERE EXISTS (SELECT 1 FROM job_history h WHERE h.id = c.id OFFSET 0)) THEN
    WITH gone AS (
      DELETE FROM jobs j WHERE j.id = ANY(created_ids) AND EXISTS (SELECT 1 FROM job_history h WHERE h.id = j.id OFFSET 0)
      RETURNING j.id, j.schedule_id, j.fire_at_ms),
    unkeyed AS (
      DELETE FROM fire_keys k USING gone g WHERE k.schedule_id = g.schedule_id AND k.fire_at_ms = g.fire_at_ms AND k.job_id = g.id)
    SELECT COALESCE(array_agg(x.id ORDER BY x.n), '{}') INTO created_ids
    FROM unnest(created_ids) WITH ORDINALITY AS x(id, n) WHERE x.id NOT IN (SELECT gone.id FROM gone);
  END IF;

  IF cardinality(created_ids) > 0 THEN
    PERFORM pg_notify(p_channel, 'jobs');
  END IF;
  RETURN created_ids;
END
$$;
