import type { DatabaseSync, StatementSync } from 'node:sqlite';

// Every fixed statement the store runs, prepared once per connection. Parameters are named
// (`:nowMs`), and each call passes exactly the names its statement uses (node:sqlite refuses
// unknown ones). INDEXED BY pins the partial indexes on paths where, without ANALYZE statistics,
// the planner would prefer a broader index.

const finalStatuses = `('succeeded', 'dead', 'cancelled')`;
const activeStatuses = `('queued', 'running', 'failed')`;

/** Fencing guard shared by every completion: only the current claim may end the attempt. */
const completionGuard = `WHERE id = :jobId AND fencing_token = :fencingToken AND status = 'running' RETURNING *`;
/**
 * `attempts` when it cannot be read as a JSON array (damaged by hand or by a bad restore): left as
 * it is, so that its job can still be claimed and quarantined (UnreadableField) instead of every
 * claim or completion batch that touches it failing.
 */
const attemptsReadable = `json_valid(attempts) AND json_type(attempts) = 'array'`;

/** Every completion ends the lease and stamps the last attempt record (closed by `endAttemptClose`). */
const endAttempt = `lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = :nowMs,
  attempts = CASE WHEN ${attemptsReadable} THEN json_set(attempts, '$[#-1].finishedAtMs', :nowMs, '$[#-1].outcome', :outcome`;
/** Closes `endAttempt`'s json_set (after any further paths a completion sets). */
const endAttemptClose = `) ELSE attempts END`;

const sql = {
  begin: `BEGIN IMMEDIATE`,
  // A deferred transaction that only reads: one consistent snapshot for several SELECTs (WAL).
  beginRead: `BEGIN`,
  commit: `COMMIT`,
  rollback: `ROLLBACK`,

  upsertSchedule: `
    INSERT INTO schedules (id, task, data, trigger_spec, priority, max_running, misfire_grace_ms, coalesce_policy,
      paused, next_fire_at_ms, created_at_ms, updated_at_ms)
    VALUES (:id, :task, :data, :trigger, :priority, :maxRunning, :misfireGraceMs, :coalesce,
      :paused, :nextFireAtMs, :nowMs, :nowMs)
    ON CONFLICT (id) DO UPDATE SET task = excluded.task, data = excluded.data, trigger_spec = excluded.trigger_spec,
      priority = excluded.priority, max_running = excluded.max_running, misfire_grace_ms = excluded.misfire_grace_ms,
      coalesce_policy = excluded.coalesce_policy, paused = excluded.paused, next_fire_at_ms = excluded.next_fire_at_ms,
      updated_at_ms = excluded.updated_at_ms
    RETURNING *`,
  getSchedule: `SELECT * FROM schedules WHERE id = ?`,
  removeSchedule: `DELETE FROM schedules WHERE id = ?`,
  updateSchedule: `
    UPDATE schedules SET
      paused = COALESCE(:paused, paused),
      next_fire_at_ms = CASE WHEN :setNextFire THEN :nextFireAtMs ELSE next_fire_at_ms END,
      updated_at_ms = :nowMs
    WHERE id = :id RETURNING *`,
  acquireSchedules: `
    UPDATE schedules SET lease_owner = :nodeId, lease_expires_at_ms = :leaseExpiresAtMs, lease_token = lease_token + 1
    WHERE id IN (
      SELECT id FROM schedules
      WHERE paused = 0 AND next_fire_at_ms <= :nowMs AND (lease_expires_at_ms IS NULL OR lease_expires_at_ms <= :nowMs)
      ORDER BY next_fire_at_ms, id LIMIT :limit)
    RETURNING *, (SELECT COUNT(*) FROM jobs
      WHERE jobs.schedule_id = schedules.id AND jobs.status IN ${activeStatuses}) AS active_jobs`,
  // Only a leased schedule can be released: token 0 of a never-leased schedule must not match.
  scheduleLeaseToken: `SELECT lease_token FROM schedules WHERE id = ? AND lease_owner IS NOT NULL`,
  releaseSchedule: `
    UPDATE schedules SET next_fire_at_ms = :nextFireAtMs, last_fire_at_ms = :lastFireAtMs,
      fired_count = fired_count + :fired, skipped_count = skipped_count + :skipped, missed_count = missed_count + :missed,
      lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = :nowMs
    WHERE id = :id`,

  insertJob: `
    INSERT INTO jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms,
      created_at_ms, updated_at_ms, max_attempts, dedupe_key)
    VALUES (:id, :task, :data, :origin, :scheduleId, :fireAtMs, 'queued', :priority, :runAtMs,
      :createdAtMs, :createdAtMs, :maxAttempts, :dedupeKey)
    ON CONFLICT DO NOTHING RETURNING *`,
  jobByFire: `SELECT * FROM jobs WHERE schedule_id = ? AND fire_at_ms = ?`,
  jobByDedupeKey: `SELECT * FROM jobs WHERE dedupe_key = ? AND status IN ${activeStatuses} ORDER BY seq LIMIT 1`,
  getJob: `SELECT * FROM jobs WHERE id = ?`,

  renewLease: `
    UPDATE jobs SET lease_expires_at_ms = :leaseExpiresAtMs
    WHERE id = :jobId AND status = 'running' AND fencing_token = :fencingToken AND lease_owner = :nodeId
    RETURNING cancel_requested`,
  cancelRequested: `SELECT cancel_requested FROM jobs WHERE id = ?`,

  completeSucceeded: `
    UPDATE jobs SET status = 'succeeded', result = :result, error = NULL, finished_at_ms = :nowMs, ${endAttempt}${endAttemptClose}
    ${completionGuard}`,
  completeRetry: `
    UPDATE jobs SET status = 'failed', run_at_ms = :retryAtMs, error = :error, ${endAttempt},
      '$[#-1].error', json(:error)${endAttemptClose}
    ${completionGuard}`,
  completeFinal: `
    UPDATE jobs SET status = :status, error = :error, finished_at_ms = :nowMs, ${endAttempt},
      '$[#-1].error', json(:error)${endAttemptClose}
    ${completionGuard}`,
  completeReleased: `
    UPDATE jobs SET status = 'queued', run_at_ms = :nowMs, attempt = attempt - 1, ${endAttempt}${endAttemptClose}
    ${completionGuard}`,
  deleteScheduleOfJob: `DELETE FROM schedules WHERE id = ?`,

  findExpiredLeases: `
    SELECT * FROM jobs INDEXED BY jobs_lease_expiry WHERE status = 'running' AND lease_expires_at_ms <= ?
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

  nextWakeAtMs: `
    SELECT MIN(t) AS wake_at_ms FROM (
      SELECT MIN(next_fire_at_ms) AS t FROM schedules
        WHERE paused = 0 AND next_fire_at_ms IS NOT NULL AND lease_expires_at_ms IS NULL
      UNION ALL
      -- A leased schedule becomes due again no earlier than its lease expiry.
      SELECT MIN(MAX(next_fire_at_ms, lease_expires_at_ms)) FROM schedules
        WHERE paused = 0 AND next_fire_at_ms IS NOT NULL AND lease_expires_at_ms IS NOT NULL
      UNION ALL
      SELECT MIN(run_at_ms) FROM jobs INDEXED BY jobs_pending_run_at WHERE status IN ('queued', 'failed')
      UNION ALL
      SELECT MIN(lease_expires_at_ms) FROM jobs INDEXED BY jobs_lease_expiry WHERE status = 'running')`,

  // jobStats: current counts, and final outcomes per bucket grouped in SQL (jobs_finished range scan).
  // node:sqlite binds JS numbers as REAL: the CAST keeps `/` an integer division that floors to the bucket.
  countByStatus: `SELECT status, COUNT(*) AS n FROM jobs GROUP BY status`,
  finishedByBucket: `
    SELECT (finished_at_ms / CAST(:bucketMs AS INTEGER)) * CAST(:bucketMs AS INTEGER) AS bucket_start_ms, status, COUNT(*) AS n
    FROM jobs INDEXED BY jobs_finished
    WHERE finished_at_ms >= :fromMs AND finished_at_ms < :toMs AND status IN ${finalStatuses}
    GROUP BY bucket_start_ms, status`,

  upsertNode: `
    INSERT INTO nodes (id, hostname, pid, role_schedules, role_jobs, tasks, concurrency, running, started_at_ms,
      last_seen_at_ms, version)
    VALUES (:id, :hostname, :pid, :roleSchedules, :roleJobs, :tasks, :concurrency, :running, :startedAtMs,
      :lastSeenAtMs, :version)
    ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid,
      role_schedules = excluded.role_schedules, role_jobs = excluded.role_jobs, tasks = excluded.tasks,
      concurrency = excluded.concurrency, running = excluded.running, started_at_ms = excluded.started_at_ms,
      last_seen_at_ms = excluded.last_seen_at_ms, version = excluded.version`,
  removeNode: `DELETE FROM nodes WHERE id = ?`,
  // A NULL bound (no seenAfterMs) lists every node.
  listNodes: `SELECT * FROM nodes WHERE :seenAfterMs IS NULL OR last_seen_at_ms > :seenAfterMs ORDER BY id`,
} as const;

export type Statements = { readonly [K in keyof typeof sql]: StatementSync };

export function prepareStatements(db: DatabaseSync): Statements {
  const prepared = {} as Record<keyof typeof sql, StatementSync>;
  for (const key of Object.keys(sql) as Array<keyof typeof sql>) prepared[key] = db.prepare(sql[key]);
  return prepared;
}

/**
 * The claim of a node that runs `taskCount` tasks (bound as :t0, :t1, …): the first `limit`
 * claimable jobs of each task — one short range of jobs_claim_task each — merged in claim order,
 * and the first `limit` of those made running, in one statement.
 */
export function claimJobsSql(taskCount: number): string {
  let text = claimTexts.get(taskCount);
  if (text === undefined) claimTexts.set(taskCount, (text = buildClaimJobsSql(taskCount)));
  return text;
}

const claimTexts = new Map<number, string>();

function buildClaimJobsSql(taskCount: number): string {
  const perTask = Array.from(
    { length: taskCount },
    (_, i) => `SELECT * FROM (SELECT seq, priority, run_at_ms FROM jobs INDEXED BY jobs_claim_task
        WHERE task = :t${i} AND status IN ('queued', 'failed') AND run_at_ms <= :nowMs
        ORDER BY priority DESC, run_at_ms, seq LIMIT :limit)`,
  ).join('\n      UNION ALL ');
  return `
    UPDATE jobs SET status = 'running', attempt = attempt + 1, fencing_token = fencing_token + 1,
      lease_owner = :nodeId, lease_expires_at_ms = :leaseExpiresAtMs,
      started_at_ms = COALESCE(started_at_ms, :nowMs), updated_at_ms = :nowMs,
      attempts = CASE WHEN ${attemptsReadable} THEN json_insert(attempts, '$[#]', json_object('attempt', attempt + 1,
        'nodeId', :nodeId, 'fencingToken', fencing_token + 1, 'startedAtMs', :nowMs, 'finishedAtMs', NULL, 'outcome', 'running',
        'error', NULL)) ELSE attempts END
    WHERE seq IN (
      SELECT seq FROM (${perTask})
      ORDER BY priority DESC, run_at_ms, seq LIMIT :limit)
    RETURNING *`;
}
