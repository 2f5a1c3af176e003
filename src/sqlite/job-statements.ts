// The fixed statements on jobs (see statements.ts for the conventions).
//
// A running job's attempt under way lives in columns (attempt, lease_owner, fencing_token,
// attempt_started_at_ms) and `attempts` holds finished attempts only: a claim writes no JSON, and
// the completion appends the finished record once (schema 4).

const finalStatuses = `('succeeded', 'dead', 'cancelled')`;
/** Statuses whose dedupe key blocks a new job: the filter of the jobs_dedupe partial index. */
const liveStatuses = `('waiting', 'queued', 'reserved', 'running', 'failed')`;

/**
 * `attempts` when it cannot be read as a JSON array (damaged by hand or by a bad restore): left as
 * it is, so that its job can still be claimed and quarantined (UnreadableField) instead of every
 * claim or completion batch that touches it failing.
 */
const attemptsReadable = `json_valid(attempts) AND json_type(attempts) = 'array'`;

/**
 * The columns a claim answers (`ClaimedJob`), and `seq` for the claim order. `attempts`, `error`
 * and `result` come along only when they hold something, to be checked (a damaged one flags the
 * job `unreadable`) but not decoded for a fresh job. `trace_context` and `parents` are NULL when
 * the job has none.
 */
export const claimedColumns = `seq, id, task, data, origin, schedule_id, fire_at_ms, priority, run_at_ms, created_at_ms, dedupe_key,
  status, attempt, max_attempts, fencing_token, lease_expires_at_ms, NULLIF(attempts, '[]') AS attempts, error, result, trace_context, parents`;

/** Only the current claim or reservation may end the attempt. */
// What a renewal sets (renewLease and renewLeases): a reserved job reported started
// (:startedAtMs) becomes running, its attempt counted; one not started keeps its lease from its
// own instant; a running job's lease runs from now.
const renewSet = `
      status = CASE WHEN status = 'reserved' AND :startedAtMs IS NOT NULL THEN 'running' ELSE status END,
      attempt = attempt + (status = 'reserved' AND :startedAtMs IS NOT NULL),
      started_at_ms = CASE WHEN status = 'reserved' AND :startedAtMs IS NOT NULL
        THEN COALESCE(started_at_ms, :startedAtMs) ELSE started_at_ms END,
      attempt_started_at_ms = CASE WHEN status = 'reserved' AND :startedAtMs IS NOT NULL
        THEN :startedAtMs ELSE attempt_started_at_ms END,
      updated_at_ms = CASE WHEN status = 'reserved' AND :startedAtMs IS NOT NULL THEN :nowMs ELSE updated_at_ms END,
      lease_expires_at_ms = CASE WHEN status = 'reserved' AND :startedAtMs IS NULL
        THEN MAX(:nowMs, run_at_ms) + :leaseMs ELSE :nowMs + :leaseMs END`;

const completionGuard = `WHERE id = :jobId AND fencing_token = :fencingToken AND status IN ('running', 'reserved')`;

/**
 * Ends the attempt of a running job, or of a reserved job its node started at :startedAtMs
 * (counted here: attempt + 1): lease cleared, the finished attempt appended to `attempts`. Every
 * expression reads the row as it was before the update (SQLite evaluates SET against the old row).
 */
function endAttempt(errorJson: string): string {
  return `attempt = attempt + (status = 'reserved'), started_at_ms = COALESCE(started_at_ms, :startedAtMs),
    lease_owner = NULL, lease_expires_at_ms = NULL, attempt_started_at_ms = NULL, updated_at_ms = :nowMs,
    attempts = CASE WHEN ${attemptsReadable} THEN json_insert(attempts, '$[#]', json_object('attempt', attempt + (status = 'reserved'),
      'nodeId', lease_owner, 'fencingToken', fencing_token,
      'startedAtMs', CASE WHEN status = 'reserved' THEN CAST(:startedAtMs AS INTEGER) ELSE COALESCE(attempt_started_at_ms, started_at_ms) END,
      'finishedAtMs', CAST(:nowMs AS INTEGER), 'outcome', :outcome, 'error', ${errorJson})) ELSE attempts END`;
}

export const jobSql = {
  insertJob: `
    INSERT INTO jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms,
      created_at_ms, updated_at_ms, max_attempts, dedupe_key, fencing_token, lease_owner, lease_expires_at_ms, trace_context)
    VALUES (:id, :task, :data, :origin, :scheduleId, :fireAtMs, :status, :priority, :runAtMs,
      :createdAtMs, :updatedAtMs, :maxAttempts, :dedupeKey, :fencingToken, :leaseOwner, :leaseExpiresAtMs, :traceContext)
    ON CONFLICT DO NOTHING`,
  jobByFire: `SELECT * FROM jobs WHERE schedule_id = ? AND fire_at_ms = ?`,
  jobByDedupeKey: `SELECT * FROM jobs INDEXED BY jobs_dedupe
    WHERE dedupe_key = ? AND dedupe_key IS NOT NULL AND status IN ${liveStatuses} ORDER BY seq LIMIT 1`,
  getJob: `SELECT * FROM jobs WHERE id = ?`,
  scheduleOfJob: `SELECT schedule_id FROM jobs WHERE id = ?`,

  renewLease: `
    UPDATE jobs SET ${renewSet}
    WHERE id = :jobId AND status IN ('running', 'reserved') AND fencing_token = :fencingToken AND lease_owner = :nodeId
    RETURNING cancel_requested`,
  // renewLease for many leases at once, all with the same :startedAtMs (or none): :leases is a JSON
  // array of [id, fencingToken]. The ids drive the id index (`+status` keeps the planner off the
  // status indexes); the id-and-token pairs are one IN list, built once per statement.
  renewLeases: `
    UPDATE jobs SET ${renewSet}
    WHERE id IN (SELECT value ->> 0 FROM json_each(:leases))
      AND (id || ' ' || fencing_token) IN (SELECT (value ->> 0) || ' ' || (value ->> 1) FROM json_each(:leases))
      AND lease_owner = :nodeId AND +status IN ('running', 'reserved')
    RETURNING id, cancel_requested`,
  cancelRequested: `SELECT cancel_requested FROM jobs WHERE id = ?`,

  completeSucceeded: `
    UPDATE jobs SET status = 'succeeded', result = :result, error = NULL, finished_at_ms = :nowMs, ${endAttempt('NULL')}
    ${completionGuard}`,
  completeRetry: `
    UPDATE jobs SET status = 'failed', run_at_ms = :retryAtMs, error = :error, ${endAttempt('json(:error)')}
    ${completionGuard}`,
  completeFinal: `
    UPDATE jobs SET status = :status, error = :error, finished_at_ms = :nowMs, ${endAttempt('json(:error)')}
    ${completionGuard}`,
  // Given back: a running job's attempt does not count (its record stays, interrupted) and it is due
  // now; a reserved job that did not start keeps its instant and has no attempt to close.
  completeReleased: `
    UPDATE jobs SET status = 'queued', run_at_ms = CASE WHEN status = 'running' THEN :nowMs ELSE run_at_ms END,
      attempt = attempt - (status = 'running'), lease_owner = NULL, lease_expires_at_ms = NULL,
      attempt_started_at_ms = NULL, updated_at_ms = :nowMs,
      attempts = CASE WHEN status = 'running' AND ${attemptsReadable} THEN json_insert(attempts, '$[#]', json_object('attempt', attempt,
        'nodeId', lease_owner, 'fencingToken', fencing_token, 'startedAtMs', COALESCE(attempt_started_at_ms, started_at_ms),
        'finishedAtMs', CAST(:nowMs AS INTEGER), 'outcome', :outcome, 'error', NULL)) ELSE attempts END
    ${completionGuard}`,
  // Given back before its handler started (a rate limit per key): no attempt to count or record, due
  // at :runAtMs; a reserved job is given back as by release, at :runAtMs.
  completeDeferred: `
    UPDATE jobs SET status = 'queued', run_at_ms = :runAtMs, attempt = attempt - (status = 'running'),
      lease_owner = NULL, lease_expires_at_ms = NULL, attempt_started_at_ms = NULL, updated_at_ms = :nowMs
    ${completionGuard}`,
  // A reserved fire its node will not run: deleted (its schedule's counters are the caller's).
  discardJob: `DELETE FROM jobs ${completionGuard} RETURNING schedule_id`,

  findExpiredLeases: `
    SELECT * FROM jobs INDEXED BY jobs_lease_expiry WHERE status IN ('running', 'reserved') AND lease_expires_at_ms <= ?
    ORDER BY lease_expires_at_ms, seq LIMIT ?`,
  cancelPending: `
    UPDATE jobs SET status = 'cancelled', finished_at_ms = :nowMs, updated_at_ms = :nowMs, error = :error,
      lease_owner = NULL, lease_expires_at_ms = NULL
    WHERE id = :jobId RETURNING *`,
  requestCancel: `UPDATE jobs SET cancel_requested = 1, updated_at_ms = :nowMs WHERE id = :jobId RETURNING *`,
  retryJob: `
    UPDATE jobs SET status = 'queued', run_at_ms = :nowMs, max_attempts = attempt + 1, finished_at_ms = NULL,
      cancel_requested = 0, updated_at_ms = :nowMs
    WHERE id = :jobId RETURNING *`,
  purgeJobs: `
    DELETE FROM jobs
    WHERE status IN ${finalStatuses} AND status IN (SELECT value FROM json_each(:statuses))
      AND finished_at_ms < :finishedBeforeMs`,

  // The earliest runAtMs of a claimable job: the first entry of each task's range of
  // jobs_ahead_task, the tasks enumerated one index seek each (a skip scan SQLite does not do
  // without ANALYZE statistics).
  nextWakeAtMs: `
    WITH RECURSIVE tasks(task) AS (
      SELECT (SELECT task FROM jobs INDEXED BY jobs_ahead_task WHERE status IN ('queued', 'failed') ORDER BY task LIMIT 1)
      UNION ALL
      SELECT (SELECT task FROM jobs INDEXED BY jobs_ahead_task WHERE status IN ('queued', 'failed') AND task > tasks.task
        ORDER BY task LIMIT 1) FROM tasks WHERE tasks.task IS NOT NULL
    ),
    pending_tasks(run_at_ms) AS (
      SELECT (SELECT run_at_ms FROM jobs INDEXED BY jobs_ahead_task WHERE status IN ('queued', 'failed') AND task = tasks.task
        ORDER BY run_at_ms LIMIT 1) FROM tasks WHERE tasks.task IS NOT NULL
    )
    SELECT MIN(t) AS wake_at_ms FROM (
      SELECT MIN(next_fire_at_ms) AS t FROM schedules
        WHERE paused = 0 AND next_fire_at_ms IS NOT NULL AND lease_expires_at_ms IS NULL
      UNION ALL
      -- A leased schedule becomes due again no earlier than its lease expiry.
      SELECT MIN(MAX(next_fire_at_ms, lease_expires_at_ms)) FROM schedules
        WHERE paused = 0 AND next_fire_at_ms IS NOT NULL AND lease_expires_at_ms IS NOT NULL
      UNION ALL
      SELECT MIN(run_at_ms) FROM pending_tasks
      UNION ALL
      SELECT MIN(lease_expires_at_ms) FROM jobs INDEXED BY jobs_lease_expiry WHERE status IN ('running', 'reserved'))`,

  // jobStats: current counts, and final outcomes per bucket grouped in SQL (jobs_finished range scan).
  // node:sqlite binds JS numbers as REAL: the CAST keeps `/` an integer division that floors to the bucket.
  countByStatus: `SELECT status, COUNT(*) AS n FROM jobs GROUP BY status`,
  finishedByBucket: `
    SELECT (finished_at_ms / CAST(:bucketMs AS INTEGER)) * CAST(:bucketMs AS INTEGER) AS bucket_start_ms, status, COUNT(*) AS n
    FROM jobs INDEXED BY jobs_finished
    WHERE finished_at_ms >= :fromMs AND finished_at_ms < :toMs AND status IN ${finalStatuses}
    GROUP BY bucket_start_ms, status`,
} as const;
