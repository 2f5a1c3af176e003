-- Sundial PostgreSQL store, schema 10: flows (jobs with parents), deferred completions, a
-- cluster-wide cap per task on claims, and the task gates (circuit breakers, rate limits).
--
-- Flows. A job with parents (NewJob.parents) is `waiting` until they finish. `waiting` is a live
-- status (the row stays in `jobs`), active for dedupe keys, and in no claim index: the claim's
-- partial indexes name only queued and failed, so a claim never reads past waiting jobs.
-- - `parents` (jsonb array of ids, in the given order) and `on_parent_failure` are NULL for a job
--   without parents; `has_children` is set on a job once a child names it while it is live. A
--   completion reads it from the row it locks anyway, so finishing a job that no child waits for
--   costs nothing more than before; only a flagged one looks its children up.
-- - `job_edges` holds one row per (parent, child), written with the child and deleted with it
--   (purge): how a finishing parent finds its children, and how listJobs({ parentId }) does.
-- - Concurrency. The child's enqueue sets `has_children` on its live parents (a row lock, in id
--   order) before it reads their statuses in a later statement; a parent's completion locks the
--   parent first and resolves its children in a later statement. Whichever comes second waits for
--   the first and then reads what it committed: a child never misses its parent's end. Children
--   are locked in id order before they are decided, and decided in a later statement, which sees
--   every parent committed by whoever held the child before: when two parents of one child end at
--   once on two connections, the second to lock the child sees the first's parent as finished.
--   A child's unfinished parents are counted from their current status (a parent is unfinished
--   while it is in `jobs`), not kept as a counter: an operator's retry of a parent makes it
--   unfinished again for the children still waiting for it.
--
-- Nodes of the previous version: their prepared `SELECT *` statements change result type (the
-- new columns, the claim's new `parents` column), so stop them before this one migrates.

ALTER TABLE jobs ADD COLUMN parents jsonb;
ALTER TABLE jobs ADD COLUMN on_parent_failure text;
ALTER TABLE jobs ADD COLUMN has_children boolean NOT NULL DEFAULT false;
ALTER TABLE job_history ADD COLUMN parents jsonb;
ALTER TABLE job_history ADD COLUMN on_parent_failure text;
ALTER TABLE job_history ADD COLUMN has_children boolean NOT NULL DEFAULT false;

ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('waiting', 'queued', 'reserved', 'running', 'failed'));

-- A waiting job holds its dedupe key (it is not final).
DROP INDEX jobs_dedupe;
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('waiting', 'queued', 'reserved', 'running', 'failed');

CREATE OR REPLACE VIEW all_jobs AS SELECT * FROM jobs UNION ALL SELECT * FROM job_history;

CREATE TABLE job_edges (
  parent_id text COLLATE "C" NOT NULL,
  child_id  text COLLATE "C" NOT NULL,
  PRIMARY KEY (parent_id, child_id)
);

-- Last, after trace_context: the claim functions' rows gain one column at their end.
ALTER TYPE claimed_job ADD ATTRIBUTE parents jsonb;

-- The ParentFailedError a child ended by its parent's failure carries (parent-resolution.ts).
CREATE FUNCTION parent_failed_error(p_parent_id text, p_parent_status text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object('name', 'ParentFailedError', 'message', 'parent job ' || p_parent_id || ' ended ' || p_parent_status)
$$;

-- The ids of a stored `parents` value; none when it is damaged (not an array): the job's read
-- flags it unreadable, and it is quarantined rather than run.
CREATE FUNCTION parent_ids(p_parents jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(p_parents) = 'array' THEN p_parents ELSE '[]'::jsonb END)
$$;

-- Resolves the waiting children of jobs that just reached a final status (ids, their statuses
-- and instants, in the order they ended), level by level: a child a parent's failure ends is
-- final in turn, and resolves its own children in the next round. See the header for the locks.
-- Every lookup is by primary key (edges by parent, jobs by id); sequential scans are pinned off,
-- as in claim_jobs, so stale statistics (a flow's tables fill fast) never make one a scan.
-- A child is decided once per round by every parent of the round that names it: ended by the
-- first of them (in the given order) whose failure its policy does not ignore, else queued when
-- no parent of it is left in `jobs`, at the latest of those instants; else it keeps waiting,
-- unchanged.
CREATE FUNCTION resolve_children(p_ids text[], p_statuses text[], p_now_ms bigint[], p_channel text)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET enable_seqscan = off
AS $$
DECLARE
  v_ids text[] := p_ids;
  v_statuses text[] := p_statuses;
  v_now_ms bigint[] := p_now_ms;
  v_children text[];
  v_released boolean := false;
  v_any_released boolean;
BEGIN
  WHILE COALESCE(cardinality(v_ids), 0) > 0 LOOP
    SELECT array_agg(c.id) INTO v_children FROM (
      SELECT j.id FROM unnest(v_ids) AS p(id)
        JOIN job_edges e ON e.parent_id = p.id
        JOIN jobs j ON j.id = e.child_id
      WHERE j.status = 'waiting'
      ORDER BY j.id
      FOR UPDATE OF j) AS c;
    EXIT WHEN v_children IS NULL;

    WITH p AS (SELECT * FROM unnest(v_ids, v_statuses, v_now_ms) WITH ORDINALITY AS p(id, status, now_ms, k)),
    per_child AS (
      SELECT e.child_id,
        (array_agg(p.id ORDER BY p.k) FILTER (WHERE p.status <> 'succeeded'))[1] AS failed_id,
        (array_agg(p.status ORDER BY p.k) FILTER (WHERE p.status <> 'succeeded'))[1] AS failed_status,
        (array_agg(p.now_ms ORDER BY p.k) FILTER (WHERE p.status <> 'succeeded'))[1] AS failed_at_ms,
        (array_agg(p.now_ms ORDER BY p.k DESC))[1] AS last_at_ms
      FROM p JOIN job_edges e ON e.parent_id = p.id
      WHERE e.child_id = ANY(v_children)
      GROUP BY e.child_id),
    decided AS (
      SELECT c.id, pc.failed_id, pc.failed_status, pc.failed_at_ms, pc.last_at_ms,
        CASE
          WHEN pc.failed_id IS NOT NULL AND COALESCE(c.on_parent_failure, 'fail') <> 'ignore'
            THEN CASE c.on_parent_failure WHEN 'cancel' THEN 'cancelled' ELSE 'dead' END
          WHEN EXISTS (SELECT 1 FROM parent_ids(c.parents) AS q(id) WHERE q.id <> c.id AND EXISTS (
            SELECT 1 FROM jobs u WHERE u.id = q.id OFFSET 0))
            THEN 'waiting'
          ELSE 'queued'
        END AS next_status
      FROM jobs c JOIN per_child pc ON pc.child_id = c.id
      WHERE c.id = ANY(v_children) AND c.status = 'waiting'),
    released AS (
      UPDATE jobs j SET status = 'queued', run_at_ms = GREATEST(j.run_at_ms, d.last_at_ms), updated_at_ms = d.last_at_ms
      FROM decided d WHERE j.id = d.id AND d.next_status = 'queued'
      RETURNING j.id),
    ended AS (
      DELETE FROM jobs j USING decided d WHERE j.id = d.id AND d.next_status IN ('dead', 'cancelled')
      RETURNING j.*, d.next_status, d.failed_id, d.failed_status, d.failed_at_ms),
    archived AS (
      INSERT INTO job_history
      SELECT e.id, e.seq, e.task, e.data, e.origin, e.schedule_id, e.fire_at_ms, e.next_status, e.priority, e.run_at_ms,
        e.created_at_ms, e.failed_at_ms, e.started_at_ms, e.failed_at_ms, e.attempt, e.max_attempts, e.dedupe_key, NULL, NULL,
        e.fencing_token, e.cancel_requested, e.result, parent_failed_error(e.failed_id, e.failed_status), e.attempts, NULL,
        e.trace_context, e.parents, e.on_parent_failure, e.has_children
      FROM ended e)
    SELECT array_agg(e.id) FILTER (WHERE e.has_children), array_agg(e.next_status) FILTER (WHERE e.has_children),
      array_agg(e.failed_at_ms) FILTER (WHERE e.has_children), EXISTS (SELECT 1 FROM released)
    INTO v_ids, v_statuses, v_now_ms, v_any_released
    FROM ended e;
    v_released := v_released OR COALESCE(v_any_released, false);
  END LOOP;
  IF v_released THEN
    PERFORM pg_notify(p_channel, 'jobs');
  END IF;
END
$$;

-- enqueueJobs of a batch that holds a job with parents: the jobs one by one, in order, so that a
-- job's parents earlier in the batch exist (with the status their own creation gave them) when
-- it is decided. Each is blocked exactly as enqueue_jobs blocks one (its fire, its id, its active
-- dedupe key); a created job with parents is inserted waiting (never in the claim index), its
-- live parents flagged and locked, then its parents read in a statement of their own: a parent
-- that names no job (or the job itself, or one later in the batch) raises SD001, which rolls the
-- whole batch back. Every parent final already counts as having just finished at the job's
-- creation, in the given order. One row per created job, in order, with the record (`job`) of
-- those with parents. Lookups by primary key only (sequential scans pinned off, as above).
CREATE FUNCTION enqueue_flow_jobs(p_id text[], p_task text[], p_data text[], p_origin text[], p_schedule_id text[],
  p_fire_at_ms bigint[], p_priority integer[], p_run_at_ms bigint[], p_created_at_ms bigint[], p_max_attempts integer[],
  p_dedupe_key text[], p_trace_context text[], p_parents jsonb, p_on_parent_failure text[], p_channel text)
RETURNS TABLE (i integer, job jsonb)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  k integer;
  v_parents jsonb;
  v_policy text;
  v_id text;
  v_unfinished integer;
  v_failed_id text;
  v_failed_status text;
  v_unknown text;
  v_queued boolean := false;
BEGIN
  FOR k IN 1 .. COALESCE(cardinality(p_id), 0) LOOP
    v_parents := p_parents -> (k - 1);
    IF jsonb_typeof(v_parents) IS DISTINCT FROM 'array' OR jsonb_array_length(v_parents) = 0 THEN
      v_parents := NULL;
    END IF;
    v_policy := CASE WHEN v_parents IS NOT NULL THEN COALESCE(p_on_parent_failure[k], 'fail') END;
    v_id := NULL;
    WITH created AS (
      INSERT INTO jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms, created_at_ms,
        updated_at_ms, max_attempts, dedupe_key, trace_context, parents, on_parent_failure)
      SELECT p_id[k], p_task[k], COALESCE(p_data[k]::jsonb, 'null'::jsonb), p_origin[k], p_schedule_id[k], p_fire_at_ms[k],
        CASE WHEN v_parents IS NULL THEN 'queued' ELSE 'waiting' END, p_priority[k], p_run_at_ms[k], p_created_at_ms[k],
        p_created_at_ms[k], p_max_attempts[k], p_dedupe_key[k], p_trace_context[k], v_parents, v_policy
      WHERE p_fire_at_ms[k] IS NULL OR p_schedule_id[k] IS NULL OR NOT EXISTS (
        SELECT 1 FROM fire_keys f WHERE f.schedule_id = p_schedule_id[k] AND f.fire_at_ms = p_fire_at_ms[k])
      ON CONFLICT DO NOTHING
      RETURNING jobs.id, jobs.schedule_id, jobs.fire_at_ms),
    keyed AS (
      INSERT INTO fire_keys (schedule_id, fire_at_ms, job_id)
      SELECT c.schedule_id, c.fire_at_ms, c.id FROM created c WHERE c.fire_at_ms IS NOT NULL AND c.schedule_id IS NOT NULL)
    SELECT c.id INTO v_id FROM created c;
    CONTINUE WHEN v_id IS NULL;

    -- As in enqueue_jobs: an id the history holds (read after the insert's waits) was not free.
    IF EXISTS (SELECT 1 FROM job_history h WHERE h.id = v_id) THEN
      DELETE FROM fire_keys f WHERE f.job_id = v_id AND f.schedule_id = p_schedule_id[k] AND f.fire_at_ms = p_fire_at_ms[k];
      DELETE FROM jobs j WHERE j.id = v_id;
      CONTINUE;
    END IF;

    IF v_parents IS NULL THEN
      v_queued := true;
      RETURN QUERY SELECT k, NULL::jsonb;
      CONTINUE;
    END IF;

    WITH locked AS (
      SELECT j.id FROM jobs j
      WHERE j.id IN (SELECT q.id FROM parent_ids(v_parents) AS q(id)) AND j.id <> v_id
      ORDER BY j.id FOR UPDATE)
    UPDATE jobs j SET has_children = true FROM locked l WHERE j.id = l.id AND NOT j.has_children;

    SELECT count(*) FILTER (WHERE live.id IS NOT NULL),
      (array_agg(q.id ORDER BY q.n) FILTER (WHERE live.id IS NULL AND done.status IN ('dead', 'cancelled')))[1],
      (array_agg(done.status ORDER BY q.n) FILTER (WHERE live.id IS NULL AND done.status IN ('dead', 'cancelled')))[1],
      (array_agg(q.id ORDER BY q.n) FILTER (WHERE live.id IS NULL AND done.id IS NULL))[1]
    INTO v_unfinished, v_failed_id, v_failed_status, v_unknown
    FROM jsonb_array_elements_text(v_parents) WITH ORDINALITY AS q(id, n)
      LEFT JOIN jobs live ON live.id = q.id AND q.id <> v_id
      LEFT JOIN job_history done ON done.id = q.id;
    IF v_unknown IS NOT NULL THEN
      RAISE EXCEPTION 'Job "%" names parent "%", which is neither a stored job nor one earlier in the same batch', v_id, v_unknown
        USING ERRCODE = 'SD001';
    END IF;

    IF v_failed_id IS NOT NULL AND v_policy <> 'ignore' THEN
      WITH gone AS (DELETE FROM jobs j WHERE j.id = v_id RETURNING j.*)
      INSERT INTO job_history
      SELECT g.id, g.seq, g.task, g.data, g.origin, g.schedule_id, g.fire_at_ms, CASE v_policy WHEN 'cancel' THEN 'cancelled' ELSE 'dead' END,
        g.priority, g.run_at_ms, g.created_at_ms, g.created_at_ms, g.started_at_ms, g.created_at_ms, g.attempt, g.max_attempts,
        g.dedupe_key, NULL, NULL, g.fencing_token, g.cancel_requested, g.result, parent_failed_error(v_failed_id, v_failed_status),
        g.attempts, NULL, g.trace_context, g.parents, g.on_parent_failure, g.has_children
      FROM gone g;
    ELSIF v_unfinished = 0 THEN
      UPDATE jobs j SET status = 'queued', run_at_ms = GREATEST(j.run_at_ms, j.created_at_ms) WHERE j.id = v_id;
      v_queued := true;
    END IF;

    INSERT INTO job_edges (parent_id, child_id)
    SELECT DISTINCT q.id, v_id FROM parent_ids(v_parents) AS q(id)
    ON CONFLICT DO NOTHING;

    RETURN QUERY SELECT k, to_jsonb(a) FROM all_jobs a WHERE a.id = v_id;
  END LOOP;
  IF v_queued THEN
    PERFORM pg_notify(p_channel, 'jobs');
  END IF;
END
$$;

-- cancelJob: as the statement of schema 7 (waiting is cancelled now, too), then the children of
-- a job cancelled now are resolved, in a statement after the one that locked it.
CREATE FUNCTION cancel_job(p_id text, p_now_ms bigint, p_error jsonb, p_channel text)
RETURNS SETOF jobs
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_row jobs;
BEGIN
  WITH target AS (
    SELECT j.id, (j.status IN ('waiting', 'queued', 'failed') OR (j.status = 'reserved' AND j.run_at_ms > p_now_ms)) AS now_cancelled
    FROM jobs j WHERE j.id = p_id AND j.status IN ('waiting', 'queued', 'failed', 'running', 'reserved') FOR UPDATE),
  flagged AS (
    UPDATE jobs j SET cancel_requested = true, updated_at_ms = p_now_ms
    FROM target t WHERE j.id = t.id AND NOT t.now_cancelled
    RETURNING j.*),
  gone AS (DELETE FROM jobs j USING target t WHERE j.id = t.id AND t.now_cancelled RETURNING j.*),
  moved AS (
    INSERT INTO job_history
    SELECT g.id, g.seq, g.task, g.data, g.origin, g.schedule_id, g.fire_at_ms, 'cancelled', g.priority, g.run_at_ms,
      g.created_at_ms, p_now_ms, g.started_at_ms, p_now_ms, g.attempt, g.max_attempts, g.dedupe_key, NULL, NULL, g.fencing_token,
      g.cancel_requested, g.result, p_error, g.attempts, g.attempt_started_at_ms, g.trace_context, g.parents, g.on_parent_failure,
      g.has_children
    FROM gone g
    RETURNING *)
  SELECT x.* INTO v_row FROM (SELECT * FROM flagged UNION ALL SELECT * FROM moved) AS x;
  IF v_row.id IS NULL THEN
    RETURN;
  END IF;
  IF v_row.status = 'cancelled' AND v_row.has_children THEN
    PERFORM resolve_children(ARRAY[p_id], ARRAY['cancelled'], ARRAY[p_now_ms], p_channel);
  END IF;
  RETURN NEXT v_row;
END
$$;

-- claimJobs: as in schema 9, handing out the parents.
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
      claim_problem(j.attempts, j.error), NULL::integer, NULL::boolean, j.trace_context, j.parents;
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
      claim_problem(j.attempts, j.error), NULL::integer, NULL::boolean, j.trace_context, j.parents;
  END IF;
END
$$;

-- claimJobs with `maxActive` (ClaimJobsRequest): claim_jobs with a room per task. Claims of a
-- task are serialized by an advisory lock per (schema, task), taken in name order (two claims
-- of overlapping tasks never wait for each other in a cycle) and held until the transaction
-- ends; the running and reserved jobs of each task are counted after every lock is held, in a
-- statement of its own, so the count sees what the previous holder claimed. Each task then
-- takes at most its room (maxActive - active) from its range; the look-ahead counts again, its
-- room less what the due claim just took. Only capped claims pay any of this: the uncapped ones
-- call claim_jobs, unchanged.
CREATE FUNCTION claim_capped_jobs(p_node_id text, p_now_ms bigint, p_lease_ms bigint, p_limit integer, p_tasks text[],
  p_ahead_ms bigint, p_ahead_limit integer, p_max_active integer)
RETURNS SETOF claimed_job
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET enable_seqscan = off
SET enable_bitmapscan = off
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_tasks text[];
  v_room integer[];
  v_task text;
BEGIN
  SELECT array_agg(d.task ORDER BY d.task COLLATE "C") INTO v_tasks FROM (SELECT DISTINCT t.task FROM unnest(p_tasks) AS t(task)) AS d;
  IF v_tasks IS NULL OR p_max_active <= 0 THEN
    RETURN;
  END IF;
  FOREACH v_task IN ARRAY v_tasks LOOP
    PERFORM pg_advisory_xact_lock(hashtext('sundial-cap:' || current_schema()), hashtext(v_task));
  END LOOP;

  IF p_limit > 0 THEN
    SELECT array_agg(GREATEST(0, p_max_active - COALESCE(a.n, 0))::integer ORDER BY t.n) INTO v_room
    FROM unnest(v_tasks) WITH ORDINALITY AS t(task, n)
      LEFT JOIN (SELECT j.task, count(*) AS n FROM jobs j WHERE j.status IN ('running', 'reserved') AND j.task = ANY(v_tasks)
                 GROUP BY j.task) AS a ON a.task = t.task;
    RETURN QUERY
    UPDATE jobs j SET status = 'running', attempt = j.attempt + 1, fencing_token = j.fencing_token + 1,
      lease_owner = p_node_id, lease_expires_at_ms = p_now_ms + p_lease_ms,
      started_at_ms = COALESCE(j.started_at_ms, p_now_ms), attempt_started_at_ms = p_now_ms, updated_at_ms = p_now_ms
    WHERE j.id IN (
      SELECT c.id
      FROM unnest(v_tasks, v_room) AS t(task, room)
      CROSS JOIN LATERAL (
        SELECT q.id, q.priority, q.run_at_ms, q.seq FROM jobs q
        WHERE q.task = t.task AND q.status IN ('queued', 'failed') AND q.run_at_ms <= p_now_ms
        ORDER BY q.priority DESC, q.run_at_ms, q.seq
        LIMIT LEAST(p_limit, t.room)
        FOR UPDATE SKIP LOCKED) AS c
      WHERE t.room > 0
      ORDER BY c.priority DESC, c.run_at_ms, c.seq
      LIMIT p_limit)
    RETURNING j.id, j.task, j.data, j.origin, j.schedule_id, j.fire_at_ms, j.priority, j.run_at_ms, j.created_at_ms,
      j.dedupe_key, j.status, j.attempt, j.max_attempts, j.fencing_token, j.lease_expires_at_ms, j.seq,
      claim_problem(j.attempts, j.error), NULL::integer, NULL::boolean, j.trace_context, j.parents;
  END IF;
  IF p_ahead_ms > 0 AND p_ahead_limit > 0 THEN
    SELECT array_agg(GREATEST(0, p_max_active - COALESCE(a.n, 0))::integer ORDER BY t.n) INTO v_room
    FROM unnest(v_tasks) WITH ORDINALITY AS t(task, n)
      LEFT JOIN (SELECT j.task, count(*) AS n FROM jobs j WHERE j.status IN ('running', 'reserved') AND j.task = ANY(v_tasks)
                 GROUP BY j.task) AS a ON a.task = t.task;
    RETURN QUERY
    UPDATE jobs j SET status = 'reserved', fencing_token = j.fencing_token + 1, lease_owner = p_node_id,
      lease_expires_at_ms = j.run_at_ms + p_lease_ms, updated_at_ms = p_now_ms
    WHERE j.id IN (
      SELECT c.id
      FROM unnest(v_tasks, v_room) AS t(task, room)
      CROSS JOIN LATERAL (
        SELECT q.id, q.run_at_ms, q.seq FROM jobs q
        WHERE q.task = t.task AND q.status IN ('queued', 'failed') AND q.run_at_ms > p_now_ms AND q.run_at_ms <= p_now_ms + p_ahead_ms
        ORDER BY q.run_at_ms, q.seq
        LIMIT LEAST(p_ahead_limit, t.room)
        FOR UPDATE SKIP LOCKED) AS c
      WHERE t.room > 0
      ORDER BY c.run_at_ms, c.seq
      LIMIT p_ahead_limit)
    RETURNING j.id, j.task, j.data, j.origin, j.schedule_id, j.fire_at_ms, j.priority, j.run_at_ms, j.created_at_ms,
      j.dedupe_key, j.status, j.attempt, j.max_attempts, j.fencing_token, j.lease_expires_at_ms, j.seq,
      claim_problem(j.attempts, j.error), NULL::integer, NULL::boolean, j.trace_context, j.parents;
  END IF;
END
$$;

-- completeJobs: as in schema 9, and
-- - `deferred` (a running job given back before its handler started): queued at its `run_at_ms`,
--   the attempt not counted and not recorded, the error kept; a reserved one as by `released`,
--   at the given instant;
-- - a job made final that has children (`has_children`, read from the locked row) has them
--   resolved by resolve_children, in a statement after this one's locks (see the header).
-- The completion rows are gathered first and returned after the resolution.
CREATE OR REPLACE FUNCTION complete_jobs(p_completions jsonb, p_ids text[], p_channel text)
RETURNS TABLE (completion_index integer, completed boolean)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  v_index integer[];
  v_completed boolean[];
  v_parents text[];
  v_statuses text[];
  v_now_ms bigint[];
BEGIN
  WITH r AS (
    SELECT * FROM jsonb_to_recordset(p_completions) AS r(i int, job_id text, fencing_token bigint, now_ms bigint, kind text,
      result jsonb, error jsonb, retry_at_ms bigint, outcome text, end_schedule boolean, started_at_ms bigint, count_as text,
      run_at_ms bigint)),
  locked AS (SELECT j.id, j.status, j.fencing_token, j.has_children FROM jobs j WHERE j.id = ANY(p_ids) ORDER BY j.id FOR UPDATE),
  held AS (
    SELECT r.*, l.status = 'reserved' AS was_reserved, l.has_children FROM r
    JOIN locked l ON l.id = r.job_id AND l.fencing_token = r.fencing_token AND l.status IN ('running', 'reserved')),
  done AS (
    UPDATE jobs j SET
      status = CASE h.kind WHEN 'retry' THEN 'failed' ELSE 'queued' END,
      error = CASE WHEN h.kind IN ('released', 'deferred') THEN j.error ELSE h.error END,
      run_at_ms = CASE WHEN h.kind = 'retry' THEN h.retry_at_ms WHEN h.kind = 'deferred' THEN h.run_at_ms
        WHEN h.kind = 'released' AND NOT h.was_reserved THEN h.now_ms ELSE j.run_at_ms END,
      attempt = CASE WHEN h.kind IN ('released', 'deferred') THEN j.attempt - (NOT h.was_reserved)::int
        ELSE j.attempt + h.was_reserved::int END,
      started_at_ms = CASE WHEN h.was_reserved AND h.kind NOT IN ('released', 'deferred')
        THEN COALESCE(j.started_at_ms, h.started_at_ms, h.now_ms) ELSE j.started_at_ms END,
      lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = h.now_ms, attempt_started_at_ms = NULL,
      attempts = CASE WHEN h.kind = 'deferred' OR (h.was_reserved AND h.kind = 'released') THEN j.attempts
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
      NULL::bigint AS attempt_started_at_ms, j.trace_context, j.parents, j.on_parent_failure, h.has_children,
      h.end_schedule, h.i),
  archived AS (
    INSERT INTO job_history
    SELECT f.id, f.seq, f.task, f.data, f.origin, f.schedule_id, f.fire_at_ms, f.status, f.priority, f.run_at_ms, f.created_at_ms,
      f.updated_at_ms, f.started_at_ms, f.finished_at_ms, f.attempt, f.max_attempts, f.dedupe_key, f.lease_owner,
      f.lease_expires_at_ms, f.fencing_token, f.cancel_requested, f.result, f.error, f.attempts, f.attempt_started_at_ms,
      f.trace_context, f.parents, f.on_parent_failure, f.has_children
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
  notified AS (
    SELECT pg_notify(p_channel, 'jobs') FROM (SELECT 1 FROM done WHERE kind IN ('retry', 'released', 'deferred') LIMIT 1) AS requeued),
  resolving AS (SELECT f.i, f.id, f.status, f.finished_at_ms FROM finished f WHERE f.has_children)
  SELECT array_agg(r.i ORDER BY r.i), array_agg(h.job_id IS NOT NULL ORDER BY r.i),
    (SELECT array_agg(p.id ORDER BY p.i) FROM resolving p), (SELECT array_agg(p.status ORDER BY p.i) FROM resolving p),
    (SELECT array_agg(p.finished_at_ms ORDER BY p.i) FROM resolving p)
  INTO v_index, v_completed, v_parents, v_statuses, v_now_ms
  FROM r LEFT JOIN held h ON h.i = r.i
    LEFT JOIN notified ON true;

  IF v_parents IS NOT NULL THEN
    PERFORM resolve_children(v_parents, v_statuses, v_now_ms, p_channel);
  END IF;
  RETURN QUERY SELECT x.i, x.completed FROM unnest(v_index, v_completed) AS x(i, completed);
END
$$;

-- completeAndClaim: as in schema 9; the completion rows have no parents.
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
    c.completion_index, c.completed, NULL::text, NULL::jsonb
  FROM complete_jobs(p_completions, p_ids, p_channel) AS c;
  RETURN QUERY SELECT * FROM claim_jobs(p_node_id, p_now_ms, p_lease_ms, p_limit, p_tasks, p_ahead_ms, p_ahead_limit);
END
$$;

-- completeAndClaim with `maxActive`: the completions, then claim_capped_jobs (whose count sees
-- the jobs the completions just ended).
CREATE FUNCTION complete_and_claim_capped(p_completions jsonb, p_ids text[], p_channel text, p_node_id text, p_now_ms bigint,
  p_lease_ms bigint, p_limit integer, p_tasks text[], p_ahead_ms bigint, p_ahead_limit integer, p_max_active integer)
RETURNS SETOF claimed_job
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
  RETURN QUERY
  SELECT NULL::text, NULL::text, NULL::jsonb, NULL::text, NULL::text, NULL::bigint, NULL::integer, NULL::bigint, NULL::bigint,
    NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text,
    c.completion_index, c.completed, NULL::text, NULL::jsonb
  FROM complete_jobs(p_completions, p_ids, p_channel) AS c;
  RETURN QUERY SELECT * FROM claim_capped_jobs(p_node_id, p_now_ms, p_lease_ms, p_limit, p_tasks, p_ahead_ms, p_ahead_limit,
    p_max_active);
END
$$;

-- ---- task gates (gate-types.ts) ----------------------------------------------------------------

-- A task's circuit breaker: written only by compare-and-set on `version` (writeBreaker).
CREATE TABLE breakers (
  task           text COLLATE "C" PRIMARY KEY,
  state          text NOT NULL CHECK (state IN ('closed', 'open', 'half-open')),
  forced         text CHECK (forced IN ('open', 'closed')),
  changed_at_ms  bigint NOT NULL,
  open_until_ms  bigint,
  probe_owner    text,
  probe_until_ms bigint,
  version        bigint NOT NULL
);

-- The calls counted for a task's breaker, one row per time bucket (recordBreakerCalls adds to
-- it); independent of `breakers`, so that recording never waits for a breaker's write.
CREATE TABLE breaker_calls (
  task            text COLLATE "C" NOT NULL,
  bucket_start_ms bigint NOT NULL,
  succeeded       bigint NOT NULL,
  failed          bigint NOT NULL,
  PRIMARY KEY (task, bucket_start_ms)
);

-- A rate-limit bucket's theoretical arrival time (GCRA, TakeRateTokensRequest), a double: the
-- interval may be a fraction of a millisecond. `granted` is what the last take granted, so that
-- the upsert that computes it from the old value can hand it back (RETURNING sees the new row).
CREATE TABLE rate_tokens (
  key     text COLLATE "C" PRIMARY KEY,
  tat     double precision NOT NULL,
  granted double precision NOT NULL DEFAULT 0
);

-- takeRateTokens: each request atomically, one upsert on its key, with the arithmetic of
-- TakeRateTokensRequest in double precision, as JavaScript computes it (the same IEEE 754
-- operations in the same order). Requests on different keys do not interact, so they are applied
-- in key order (each key's requests in their given order): two batches on the same keys lock them
-- in the same order and never deadlock. A read (want = 0) stores nothing; a refund on a key
-- without a row stores nothing either (its tat would be nowMs, the same as none). One row per
-- request: its position, what it granted, and the bucket's tat after it.
CREATE FUNCTION take_rate_tokens(p_key text[], p_now_ms double precision[], p_interval_ms double precision[],
  p_burst double precision[], p_want double precision[])
RETURNS TABLE (i integer, granted double precision, tat double precision)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
  q record;
  v_granted double precision;
  v_tat double precision;
BEGIN
  FOR q IN
    SELECT * FROM unnest(p_key, p_now_ms, p_interval_ms, p_burst, p_want) WITH ORDINALITY
      AS x(key, now_ms, interval_ms, burst, want, n)
    ORDER BY x.key COLLATE "C", x.n
  LOOP
    v_granted := 0;
    v_tat := NULL;
    IF q.want > 0 THEN
      INSERT INTO rate_tokens AS b (key, tat, granted)
      SELECT q.key, q.now_ms + g.granted * q.interval_ms, g.granted
      FROM (SELECT LEAST(q.want, GREATEST(0, floor((q.now_ms + q.burst * q.interval_ms - q.now_ms) / q.interval_ms))) AS granted) AS g
      ON CONFLICT (key) DO UPDATE SET
        granted = LEAST(q.want, GREATEST(0, floor((q.now_ms + q.burst * q.interval_ms - GREATEST(b.tat, q.now_ms)) / q.interval_ms))),
        tat = GREATEST(b.tat, q.now_ms)
          + LEAST(q.want, GREATEST(0, floor((q.now_ms + q.burst * q.interval_ms - GREATEST(b.tat, q.now_ms)) / q.interval_ms)))
          * q.interval_ms
      RETURNING b.granted, b.tat INTO v_granted, v_tat;
    ELSIF q.want < 0 THEN
      UPDATE rate_tokens b SET tat = GREATEST(q.now_ms, GREATEST(b.tat, q.now_ms) + q.want * q.interval_ms)
      WHERE b.key = q.key
      RETURNING b.tat INTO v_tat;
    ELSE
      SELECT GREATEST(b.tat, q.now_ms) INTO v_tat FROM rate_tokens b WHERE b.key = q.key;
    END IF;
    i := q.n;
    granted := v_granted;
    tat := COALESCE(v_tat, q.now_ms);
    RETURN NEXT;
  END LOOP;
END
$$;
