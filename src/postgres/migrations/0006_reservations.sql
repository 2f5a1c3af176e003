-- Sundial PostgreSQL store, schema 6: reserved jobs, and lean hot-path replies.
--
-- `reserved` is a job a node claimed ahead of its runAtMs (a schedule's fire within its
-- look-ahead, or a delayed job) and will start from a local timer: leased and fenced like a
-- running job, active for maxRunning and dedupe keys, its attempt not yet counted. The indexes
-- whose predicates name the active or leased statuses take it in.
--
-- The hot path answers leanly: a claim hands out only what the node needs to run a job
-- (`claimed_job`), a completion only whether it applied. Claims and completions are functions,
-- so that `complete_and_claim` can run the one after the other in one round trip (two
-- statements: the claim sees what the completion requeued). Nodes of the previous version call
-- the five-argument claim_jobs, which is gone: stop them before this one migrates.

ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
  CHECK (status IN ('queued', 'reserved', 'running', 'succeeded', 'failed', 'dead', 'cancelled'));

DROP INDEX jobs_dedupe;
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'reserved', 'running', 'failed');
DROP INDEX jobs_lease_expiry;
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at_ms, seq) WHERE status IN ('running', 'reserved');
DROP INDEX jobs_schedule_active;
CREATE INDEX jobs_schedule_active ON jobs (schedule_id)
  WHERE schedule_id IS NOT NULL AND status IN ('queued', 'reserved', 'running', 'failed');
-- The look-ahead claim: each task's claimable jobs by runAtMs (jobs_claim_task leads with priority).
-- It also serves nextWakeAtMs (the earliest runAtMs of each task), in place of jobs_pending_run_at:
-- every enqueued job pays one index entry for it, not two.
CREATE INDEX jobs_ahead_task ON jobs (task, run_at_ms, seq) WHERE status IN ('queued', 'failed');
DROP INDEX jobs_pending_run_at;
-- Listings by status: a claim no longer adds an entry here (queued → running), nor a reservation.
-- Running and reserved jobs are few (at most the nodes' concurrency and look-ahead) and found
-- through jobs_lease_expiry, which holds exactly them.
DROP INDEX jobs_status_created;
CREATE INDEX jobs_status_created ON jobs (status, created_at_ms DESC, id DESC) WHERE status NOT IN ('running', 'reserved');

DROP FUNCTION claim_jobs(text, bigint, bigint, integer, text[]);

-- A job as a claim hands it out (ClaimedJob). `attempt` is the column (the store adds one for a
-- job whose attempt has not started); `unreadable` names a column of the row, not handed out,
-- whose shape is wrong (the node quarantines the job); `completion_index` and `completed` are
-- set only on the completion rows of complete_and_claim.
CREATE TYPE claimed_job AS (
  id text, task text, data jsonb, origin text, schedule_id text, fire_at_ms bigint, priority integer, run_at_ms bigint,
  created_at_ms bigint, dedupe_key text, status text, attempt integer, max_attempts integer, fencing_token bigint,
  lease_expires_at_ms bigint, seq bigint, unreadable text, completion_index integer, completed boolean);

-- The shape checks of the columns a claim does not hand out (attempts, error), so a damaged row
-- is still flagged (see FieldReader); the columns it hands out are checked by the store.
CREATE FUNCTION claim_problem(p_attempts jsonb, p_error jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN jsonb_typeof(p_attempts) IS DISTINCT FROM 'array' THEN 'attempts'
    WHEN p_error IS NOT NULL AND jsonb_typeof(p_error) <> 'null' AND (jsonb_typeof(p_error) <> 'object'
      OR jsonb_typeof(p_error -> 'name') IS DISTINCT FROM 'string' OR jsonb_typeof(p_error -> 'message') IS DISTINCT FROM 'string')
      THEN 'error'
  END
$$;

-- Due jobs first (running, claim order), then the look-ahead (reserved, runAtMs order): each
-- task's range of an index is walked in order and stops at its limit (see 0002 and 0005 for the
-- pinned scans). The two sets are disjoint (runAtMs <= now, > now).
CREATE FUNCTION claim_jobs(p_node_id text, p_now_ms bigint, p_lease_ms bigint, p_limit integer, p_tasks text[],
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
      claim_problem(j.attempts, j.error), NULL::integer, NULL::boolean;
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
      claim_problem(j.attempts, j.error), NULL::integer, NULL::boolean;
  END IF;
END
$$;

-- completeJobs. p_completions: one object per completion (batch-params.ts), p_ids their job ids.
-- Rows are locked in id order first (a renewal and a completion batch of one node run at once;
-- two lock orders deadlocked them), found by primary key only, and checked as locked. A
-- reserved job is started first when the completion carries its start; one given back is
-- queued again at its own instant with no attempt closed; a discarded fire is deleted and
-- counted on its schedule. endSchedule deletes the schedule with its reservations not due yet.
-- One row per completion, in order: whether it applied.
CREATE FUNCTION complete_jobs(p_completions jsonb, p_ids text[], p_channel text)
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
      status = CASE h.kind WHEN 'succeeded' THEN 'succeeded' WHEN 'retry' THEN 'failed' WHEN 'dead' THEN 'dead'
        WHEN 'cancelled' THEN 'cancelled' ELSE 'queued' END,
      result = CASE WHEN h.kind = 'succeeded' THEN COALESCE(h.result, 'null'::jsonb) ELSE j.result END,
      error = CASE h.kind WHEN 'succeeded' THEN NULL WHEN 'released' THEN j.error ELSE h.error END,
      finished_at_ms = CASE WHEN h.kind IN ('succeeded', 'dead', 'cancelled') THEN h.now_ms ELSE j.finished_at_ms END,
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
          'error', CASE WHEN h.kind IN ('retry', 'dead', 'cancelled') THEN COALESCE(h.error, 'null'::jsonb) END)) END
    FROM held h
    WHERE j.id = h.job_id AND h.kind <> 'discarded'
    RETURNING j.id, j.schedule_id, h.end_schedule, h.kind, h.now_ms),
  discarded AS (
    DELETE FROM jobs j USING held h WHERE j.id = h.job_id AND h.kind = 'discarded'
    RETURNING j.schedule_id, h.count_as),
  ends AS (
    SELECT d.schedule_id, max(d.now_ms) AS now_ms FROM done d
    WHERE d.end_schedule AND d.schedule_id IS NOT NULL GROUP BY d.schedule_id),
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
    RETURNING j.id),
  notified AS (SELECT pg_notify(p_channel, 'jobs') FROM (SELECT 1 FROM done WHERE kind IN ('retry', 'released') LIMIT 1) AS requeued)
  SELECT r.i, h.job_id IS NOT NULL
  FROM r LEFT JOIN held h ON h.i = r.i
    LEFT JOIN notified ON true
  ORDER BY r.i;
END
$$;

-- completeAndClaim: the completions, then the claim (which sees what they requeued), in one
-- round trip. The completion rows come first (completion_index and completed set, the rest
-- NULL), then the claimed jobs.
CREATE FUNCTION complete_and_claim(p_completions jsonb, p_ids text[], p_channel text, p_node_id text, p_now_ms bigint,
  p_lease_ms bigint, p_limit integer, p_tasks text[], p_ahead_ms bigint, p_ahead_limit integer)
RETURNS SETOF claimed_job
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
  RETURN QUERY
  SELECT NULL::text, NULL::text, NULL::jsonb, NULL::text, NULL::text, NULL::bigint, NULL::integer, NULL::bigint, NULL::bigint,
    NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text,
    c.completion_index, c.completed
  FROM complete_jobs(p_completions, p_ids, p_channel) AS c;
  RETURN QUERY SELECT * FROM claim_jobs(p_node_id, p_now_ms, p_lease_ms, p_limit, p_tasks, p_ahead_ms, p_ahead_limit);
END
$$;

-- upsertSchedule(s): each write in order, with exactly the semantics of Store.upsertSchedule, in
-- one round trip. A changed definition deletes the schedule's reservations not due yet (they
-- would run the old one), with firedCount down by as many; a kept next fire moves back to the
-- earliest of them. `prev` locks the stored row first, so the comparison is with its latest
-- version.
CREATE FUNCTION upsert_schedules(p_writes jsonb, p_channel text)
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
      RETURNING COALESCE(j.fire_at_ms, j.run_at_ms) AS fire_at_ms),
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
