// The statements of the read side and of node records: wake-up time, statistics, nodes.
// Listing statements depend on their filters and are built by list-queries.ts.

export function adminStatements(s: string) {
  return {
    // LEAST ignores NULLs: null only when nothing at all is pending. Each term reads one index.
    // Claimable jobs: the tasks that have any are found by skipping through jobs_ahead_task (one
    // probe per task), then each task's earliest runAtMs is the first entry of its range.
    nextWake: `
      WITH RECURSIVE pending(task) AS (
        SELECT min(task) FROM ${s}.jobs WHERE status IN ('queued', 'failed')
        UNION ALL
        SELECT (SELECT min(j.task) FROM ${s}.jobs j WHERE j.status IN ('queued', 'failed') AND j.task > p.task)
        FROM pending p WHERE p.task IS NOT NULL)
      SELECT LEAST(
        (SELECT min(next_fire_at_ms) FROM ${s}.schedules
          WHERE NOT paused AND next_fire_at_ms IS NOT NULL AND lease_expires_at_ms IS NULL),
        -- A leased schedule becomes due again no earlier than its lease expiry.
        (SELECT min(GREATEST(next_fire_at_ms, lease_expires_at_ms)) FROM ${s}.schedules
          WHERE NOT paused AND next_fire_at_ms IS NOT NULL AND lease_expires_at_ms IS NOT NULL),
        (SELECT min((SELECT j.run_at_ms FROM ${s}.jobs j WHERE j.task = p.task AND j.status IN ('queued', 'failed')
          ORDER BY j.run_at_ms LIMIT 1)) FROM pending p WHERE p.task IS NOT NULL),
        (SELECT min(lease_expires_at_ms) FROM ${s}.jobs WHERE status IN ('running', 'reserved'))) AS wake_at_ms`,

    countByStatus: `SELECT status, count(*) AS n FROM ${s}.all_jobs GROUP BY status`,
    // $1 bucketMs, $2 fromMs (inclusive), $3 toMs (exclusive): final jobs are the history; a
    // range scan of job_history_updated (a final job's updatedAtMs is its finishedAtMs or later;
    // there is no index on finishedAtMs).
    finishedByBucket: `
      SELECT (finished_at_ms / $1::bigint) * $1::bigint AS bucket_start_ms, status, count(*) AS n
      FROM ${s}.job_history
      WHERE updated_at_ms >= $2 AND finished_at_ms >= $2 AND finished_at_ms < $3
      GROUP BY 1, 2`,

    upsertNode: `
      INSERT INTO ${s}.nodes (id, hostname, pid, role_schedules, role_jobs, tasks, concurrency, running, started_at_ms,
        last_seen_at_ms, version, cluster_events)
      VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, COALESCE($12::jsonb, '[]'))
      ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid,
        role_schedules = excluded.role_schedules, role_jobs = excluded.role_jobs, tasks = excluded.tasks,
        concurrency = excluded.concurrency, running = excluded.running, started_at_ms = excluded.started_at_ms,
        last_seen_at_ms = excluded.last_seen_at_ms, version = excluded.version, cluster_events = excluded.cluster_events`,
    removeNode: `DELETE FROM ${s}.nodes WHERE id = $1`,
    // A NULL bound (no seenAfterMs) lists every node.
    listNodes: `SELECT * FROM ${s}.nodes WHERE $1::bigint IS NULL OR last_seen_at_ms > $1::bigint ORDER BY id`,
  };
}

export type AdminStatements = ReturnType<typeof adminStatements>;
