-- Sundial PostgreSQL store, schema 9: the trace context of jobs and schedules.
--
-- `trace_context` is where a job or a schedule was made in a distributed trace (W3C traceparent,
-- then a line break and tracestate when there is one; NewJob.traceContext and
-- ScheduleWrite.traceContext): opaque to the store, NULL when none. A job keeps its own through
-- retries, reservations, completion and the history; every upsert of a schedule replaces its
-- (a write without one clears it). Claims hand it out with the job (`claimed_job`), so the node
-- that runs an attempt links its span to it: one more nullable column in the same reply, no
-- extra statement.
--
-- Adding a nullable column without a default rewrites no table. The column comes last in both
-- `jobs` and `job_history`, which keep the same columns in the same order; `all_jobs` is
-- redefined to take it in (a view's `*` was expanded when it was created). Every statement that
-- moves a row between the two tables names its columns in order, so each now carries it too.
--
-- Nodes of the previous version: their prepared `SELECT *` statements would change result type
-- (PostgreSQL refuses the cached plan), so stop them before this one migrates, as for schema 8.
-- Their enqueue still works (enqueue_jobs takes the trace contexts as a last, optional argument).

ALTER TABLE jobs ADD COLUMN trace_context text;
ALTER TABLE job_history ADD COLUMN trace_context text;
ALTER TABLE schedules ADD COLUMN trace_context text;

CREATE OR REPLACE VIEW all_jobs AS SELECT * FROM jobs UNION ALL SELECT * FROM job_history;

-- Last, after `completed`: the claim functions' rows gain one column at their end.
ALTER TYPE claimed_job ADD ATTRIBUTE trace_context text;

-- claimJobs: as in schema 6, handing out the trace context.
CREATE OR REPLACE FUNCTION claim_jobs(p_node_id text, p_now_ms bigint, p_lease_ms bigint, p_limit integer, p_tasks text[],
  p_ahead_ms bigint, p_ahead_limit integer)
RETURNS SETOF claimed_job
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET enable_seqscan = off
SET enable_bitmapscan = off
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  IF p_limit > 0 THEN
    RETURN QUERY
    UPDATE jobs j SET status = 'running', attempt = j.attempt + 1, fencing_token = j.fencing_token + 1,
      lease_owner = p_node_id, lease_expires_at_ms = p_now_ms + p_lease_ms,
      started_at_ms = COALESCE(j.started_at_ms, p_now_ms), attempt_started_at_ms = p_now_ms, updated_at_ms = p_now_ms
    WHERE j.id IN (
      SELECT c.id
      FROM unnest(p_tasks) AS t(task)
      CROSS JOIN LATERAL (
        SELECT q.id, q.priority, q.run_at_ms, q.seq FROM jobs q
        WHERE q.task = t.task AND q.status IN ('queued', 'failed') AND q.run_at_ms <= p_now_ms
        ORDER BY q.priority DESC, q.run_at_ms, q.seq
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED) AS c
      ORDER BY c.priority DESC, c.run_at_ms, c.seq
      LIMIT p_limit)
    RETURNING j.id, j.task, j.data, j.origin, j.schedule_id, j.fire_at_ms, j.priority, j.run_at_ms, j.created_at_ms,
      j.dedupe_key, j.status, j.attempt, j.max_attempts, j.fencing_token, j.lease_expires_at_ms, j.seq,
      claim_problem(j.attempts, j.error), NULL::integer, NULL::boolean, j.trace_context;
  END IF;
  IF p_ahead_ms > 0 AND p_ahead_limit > 0 THEN
    RETURN QUERY
    UPDATE jobs j SET status = 'reserved', fencing_token = j.fencing_token + 1, lease_owner = p_node_id,
      lease_expires_at_ms = j.run_at_ms + p_lease_ms, updated_at_ms = p_now_ms
    WHERE j.id IN (
      SELECT c.id
      FROM unnest(p_tasks) AS t(task)
      CROSS JOIN LATERAL (
        SELECT q.id, q.run_at_ms, q.seq FROM jobs q
        WHERE q.task = t.task AND q.status IN ('queued', 'failed') AND q.run_at_ms > p_now_ms AND q.run_at_ms <= p_now_ms + p_ahead_ms
        ORDER BY q.run_at_ms, q.seq
        LIMIT p_ahead_limit
        FOR UPDATE SKIP LOCKED) AS c
      ORDER BY c.run_at_ms, c.seq
      LIMIT p_ahead_limit)
    RETURNING j.id, j.task, j.data, j.origin, j.schedule_id, j.fire_at_ms, j.priority, j.run_at_ms, j.created_at_ms,
      j.dedupe_key, j.status, j.attempt, j.max_attempts, j.fencing_token, j.lease_expires_at_ms, j.seq,
      claim_problem(j.attempts, j.error), NULL::integer, NULL::boolean, j.trace_context;
  END IF;
END
$$;

-- completeAndClaim: as in schema 6; the completion rows have no trace context.
CREATE OR REPLACE FUNCTION complete_and_claim(p_completions jsonb, p_ids text[], p_channel text, p_node_id text, p_now_ms bigint,
  p_lease_ms bigint, p_limit integer, p_tasks text[], p_ahead_ms bigint, p_ahead_limit integer)
RETURNS SETOF claimed_job
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
  RETURN QUERY
  SELECT NULL::text, NULL::text, NULL::jsonb, NULL::text, NULL::text, NULL::bigint, NULL::integer, NULL::bigint, NULL::bigint,
    NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text,
    c.completion_index, c.completed, NULL::text
  FROM complete_jobs(p_completions, p_ids, p_channel) AS c;
  RETURN QUERY SELECT * FROM claim_jobs(p_node_id, p_now_ms, p_lease_ms, p_limit, p_tasks, p_ahead_ms, p_ahead_limit);
END
$$;

-- completeJobs: as in schema 7; a job made final keeps its trace context in the history.
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
      NULL::bigint AS attempt_started_at_ms, j.trace_context, h.end_schedule),
  archived AS (
    INSERT INTO job_history
    SELECT f.id, f.seq, f.task, f.data, f.origin, f.schedule_id, f.fire_at_ms, f.status, f.priority, f.run_at_ms, f.created_at_ms,
      f.updated_at_ms, f.started_at_ms, f.finished_at_ms, f.attempt, f.max_attempts, f.dedupe_key, f.lease_owner,
      f.lease_expires_at_ms, f.fencing_token, f.cancel_requested, f.result, f.error, f.attempts, f.attempt_started_at_ms,
      f.trace_context
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

-- upsertSchedule(s): as in schema 7; each write sets the trace context (`trace_context`, null:
-- none). It is no part of the definition: changing it alone keeps the reservations.
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
      keep_next_fire boolean, trace_context text)
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
      paused, next_fire_at_ms, created_at_ms, updated_at_ms, trace_context)
    VALUES (w.id, w.task, COALESCE(w.data, 'null'::jsonb), w.trigger_spec, w.priority, w.max_running, w.misfire_grace_ms,
      w.coalesce_policy, COALESCE(w.paused, false), w.next_fire_at_ms, w.now_ms, w.now_ms, w.trace_context)
    ON CONFLICT (id) DO UPDATE SET task = excluded.task, data = excluded.data, trigger_spec = excluded.trigger_spec,
      priority = excluded.priority, max_running = excluded.max_running, misfire_grace_ms = excluded.misfire_grace_ms,
      coalesce_policy = excluded.coalesce_policy, paused = COALESCE(w.paused, cur.paused),
      next_fire_at_ms = CASE WHEN w.keep_next_fire AND cur.trigger_spec = excluded.trigger_spec
        THEN LEAST(cur.next_fire_at_ms, (SELECT gone.earliest FROM gone)) ELSE excluded.next_fire_at_ms END,
      fired_count = cur.fired_count - (SELECT gone.n FROM gone),
      updated_at_ms = excluded.updated_at_ms, trace_context = excluded.trace_context
    RETURNING cur.*;
  END LOOP;
  PERFORM pg_notify(p_channel, 'schedules');
END
$$;

-- enqueueJobs: as in schema 7, with the jobs' trace contexts (`p_trace_context`, one per job)
-- as a last argument. NULL (the default) when no job of the batch has one: unnest pads it with
-- NULLs, so the common batch sends no array of nulls, and the previous version's twelve-argument
-- call still resolves here.
DROP FUNCTION enqueue_jobs(text[], text[], text[], text[], text[], bigint[], integer[], bigint[], bigint[], integer[], text[], text);

CREATE FUNCTION enqueue_jobs(p_id text[], p_task text[], p_data text[], p_origin text[], p_schedule_id text[],
  p_fire_at_ms bigint[], p_priority integer[], p_run_at_ms bigint[], p_created_at_ms bigint[], p_max_attempts integer[],
  p_dedupe_key text[], p_channel text, p_trace_context text[] DEFAULT NULL)
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
      p_max_attempts, p_dedupe_key, p_trace_context) WITH ORDINALITY
      AS r(id, task, data, origin, schedule_id, fire_at_ms, priority, run_at_ms, created_at_ms, max_attempts, dedupe_key,
        trace_context, i)),
  created AS (
    INSERT INTO jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms,
      created_at_ms, updated_at_ms, max_attempts, dedupe_key, trace_context)
    SELECT r.id, r.task, COALESCE(r.data::jsonb, 'null'::jsonb), r.origin, r.schedule_id, r.fire_at_ms, 'queued', r.priority,
      r.run_at_ms, r.created_at_ms, r.created_at_ms, r.max_attempts, r.dedupe_key, r.trace_context
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

  -- One primary-key probe of the history per created job (see schema 7).
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
