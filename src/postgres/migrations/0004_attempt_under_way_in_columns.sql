-- Sundial PostgreSQL store, schema 4: the attempt under way lives in columns.
--
-- A claim appended a JSON record of the new attempt to `attempts`, and its completion rewrote
-- that record: two jsonb rewrites per job, 17% of the time of a claim of 100 jobs. Now
-- `attempts` holds finished attempts only. A running job's attempt is its columns (attempt,
-- lease_owner, fencing_token and the new attempt_started_at_ms), which the store reads back as
-- the last attempt, and the completion appends the finished record once. The Redis store keeps
-- attempts the same way.

ALTER TABLE jobs ADD COLUMN attempt_started_at_ms bigint;

-- Jobs running during the upgrade: their open record leaves the array for the columns.
UPDATE jobs SET attempt_started_at_ms = (attempts -> -1 ->> 'startedAtMs')::bigint, attempts = attempts - (-1)
WHERE status = 'running' AND attempts -> -1 ->> 'outcome' = 'running';

CREATE OR REPLACE FUNCTION claim_jobs(p_node_id text, p_now_ms bigint, p_lease_expires_at_ms bigint, p_limit integer)
RETURNS SETOF jobs
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_sort = off
AS $$
BEGIN
  -- As in schema 2 (see 0002_claim_function.sql for the planner settings), without the JSON.
  RETURN QUERY
  UPDATE jobs SET status = 'running', attempt = attempt + 1, fencing_token = fencing_token + 1,
    lease_owner = p_node_id, lease_expires_at_ms = p_lease_expires_at_ms,
    started_at_ms = COALESCE(started_at_ms, p_now_ms), attempt_started_at_ms = p_now_ms, updated_at_ms = p_now_ms
  WHERE id IN (
    SELECT id FROM jobs
    WHERE status IN ('queued', 'failed') AND run_at_ms <= p_now_ms
    ORDER BY priority DESC, run_at_ms, seq
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED)
  RETURNING *;
END
$$;
