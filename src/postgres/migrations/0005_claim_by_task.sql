-- Sundial PostgreSQL store, schema 5: claims by task (routing).
--
-- A node claims only jobs of the tasks it registers (an older node in a rolling deploy never
-- takes, and dead-letters, a job of a task it does not know). With the claim index ordered by
-- priority first, a node would walk every queued job of other tasks on each claim (a controller
-- node behind 100,000 queued jobs of the workers' tasks). Leading with the task, each of the
-- node's tasks is one short index range: the claim takes the first `p_limit` of each (LATERAL),
-- merges them in claim order and keeps the first `p_limit`. Nodes of the previous version call
-- the four-argument function, which is gone: stop them before this one migrates.

DROP FUNCTION claim_jobs(text, bigint, bigint, integer);
DROP INDEX jobs_claim;
CREATE INDEX jobs_claim_task ON jobs (task, priority DESC, run_at_ms, seq) WHERE status IN ('queued', 'failed');

CREATE FUNCTION claim_jobs(p_node_id text, p_now_ms bigint, p_lease_expires_at_ms bigint, p_limit integer, p_tasks text[])
RETURNS SETOF jobs
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
BEGIN
  -- Each task's range is walked in index order and stops at p_limit (see 0002 for why the scans
  -- are pinned). Rows another node is claiming right now are skipped (SKIP LOCKED) inside each
  -- range, so concurrent claims never wait for each other nor hand out a job twice; the rows of a
  -- range beyond the merged p_limit stay locked only until this statement ends.
  RETURN QUERY
  UPDATE jobs SET status = 'running', attempt = attempt + 1, fencing_token = fencing_token + 1,
    lease_owner = p_node_id, lease_expires_at_ms = p_lease_expires_at_ms,
    started_at_ms = COALESCE(started_at_ms, p_now_ms), attempt_started_at_ms = p_now_ms, updated_at_ms = p_now_ms
  WHERE id IN (
    SELECT c.id
    FROM unnest(p_tasks) AS t(task)
    CROSS JOIN LATERAL (
      SELECT j.id, j.priority, j.run_at_ms, j.seq FROM jobs j
      WHERE j.task = t.task AND j.status IN ('queued', 'failed') AND j.run_at_ms <= p_now_ms
      ORDER BY j.priority DESC, j.run_at_ms, j.seq
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED) AS c
    ORDER BY c.priority DESC, c.run_at_ms, c.seq
    LIMIT p_limit)
  RETURNING *;
END
$$;
