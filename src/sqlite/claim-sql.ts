import { claimedColumns } from './job-statements.ts';

// The claim statements of a node that runs `taskCount` tasks (bound as :t0, :t1, …), built once
// per task count. Each task is one short range of its index, and the ranges are merged: a claim
// never reads past jobs of tasks the node does not run (see 0003_claim_by_task.sql).

const dueTexts = new Map<number, string>();
const aheadTexts = new Map<number, string>();
const cappedDueTexts = new Map<number, string>();
const cappedAheadTexts = new Map<number, string>();

/**
 * The due claim: the first `:limit` claimable jobs of each task (jobs_claim_task), merged in claim
 * order, and the first `:limit` of those made running, with the attempt under way in columns.
 */
export function claimDueSql(taskCount: number): string {
  let text = dueTexts.get(taskCount);
  if (text === undefined) dueTexts.set(taskCount, (text = buildClaimDueSql(taskCount)));
  return text;
}

/**
 * The look-ahead: the first `:aheadLimit` claimable jobs of each task due in (:nowMs, :untilMs]
 * (jobs_ahead_task), merged in runAtMs order, made reserved with a lease from their own instant.
 */
export function reserveAheadSql(taskCount: number): string {
  let text = aheadTexts.get(taskCount);
  if (text === undefined) aheadTexts.set(taskCount, (text = buildReserveAheadSql(taskCount)));
  return text;
}

/**
 * claimDueSql under a cap per task (`ClaimJobsRequest.maxActive`): each task's range stops at its
 * own room (:c0, :c1, …, each at most :limit), so no task gets more than its cap leaves.
 */
export function claimDueCappedSql(taskCount: number): string {
  let text = cappedDueTexts.get(taskCount);
  if (text === undefined) cappedDueTexts.set(taskCount, (text = buildClaimDueSql(taskCount, (i) => `:c${i}`)));
  return text;
}

/** reserveAheadSql under a cap per task: each task's range stops at its room (:c0, :c1, …, each at most :aheadLimit). */
export function reserveAheadCappedSql(taskCount: number): string {
  let text = cappedAheadTexts.get(taskCount);
  if (text === undefined) cappedAheadTexts.set(taskCount, (text = buildReserveAheadSql(taskCount, (i) => `:c${i}`)));
  return text;
}

/**
 * How many jobs of each task (:t0, :t1, …) are running or reserved, for a capped claim. It walks
 * jobs_lease_expiry, which holds exactly the running and reserved jobs of the whole cluster (a few
 * per node slot): a per-task index would cost every claim and completion a write, capped or not.
 */
export function countActiveSql(taskCount: number): string {
  const tasks = Array.from({ length: taskCount }, (_, i) => `:t${i}`).join(', ');
  return `SELECT task, COUNT(*) AS n FROM jobs INDEXED BY jobs_lease_expiry
    WHERE status IN ('running', 'reserved') AND task IN (${tasks}) GROUP BY task`;
}

function perTask(taskCount: number, select: (i: number) => string): string {
  return Array.from({ length: taskCount }, (_, i) => `SELECT * FROM (${select(i)})`).join('\n      UNION ALL ');
}

function buildClaimDueSql(taskCount: number, taskLimit: (i: number) => string = () => ':limit'): string {
  const candidates = perTask(
    taskCount,
    (i) => `SELECT seq, priority, run_at_ms FROM jobs INDEXED BY jobs_claim_task
        WHERE task = :t${i} AND status IN ('queued', 'failed') AND run_at_ms <= :nowMs
        ORDER BY priority DESC, run_at_ms, seq LIMIT ${taskLimit(i)}`,
  );
  return `
    UPDATE jobs SET status = 'running', attempt = attempt + 1, fencing_token = fencing_token + 1,
      lease_owner = :nodeId, lease_expires_at_ms = :leaseExpiresAtMs,
      started_at_ms = COALESCE(started_at_ms, :nowMs), attempt_started_at_ms = :nowMs, updated_at_ms = :nowMs
    WHERE seq IN (
      SELECT seq FROM (${candidates})
      ORDER BY priority DESC, run_at_ms, seq LIMIT :limit)
    RETURNING ${claimedColumns}`;
}

function buildReserveAheadSql(taskCount: number, taskLimit: (i: number) => string = () => ':aheadLimit'): string {
  const candidates = perTask(
    taskCount,
    (i) => `SELECT seq, run_at_ms FROM jobs INDEXED BY jobs_ahead_task
        WHERE task = :t${i} AND status IN ('queued', 'failed') AND run_at_ms > :nowMs AND run_at_ms <= :untilMs
        ORDER BY run_at_ms, seq LIMIT ${taskLimit(i)}`,
  );
  return `
    UPDATE jobs SET status = 'reserved', fencing_token = fencing_token + 1, lease_owner = :nodeId,
      lease_expires_at_ms = run_at_ms + :leaseMs, updated_at_ms = :nowMs
    WHERE seq IN (
      SELECT seq FROM (${candidates})
      ORDER BY run_at_ms, seq LIMIT :aheadLimit)
    RETURNING ${claimedColumns}`;
}
