// The fixed statements of flows (job dependencies, schema 7; see statements.ts for the
// conventions). A child's parents are rows of job_edges; its `unfinished_parents` counts the
// edges still pending (parents not final), so a parent's end is one read of its edges and one
// write per child.

export const flowSql = {
  /** A parent's status when its child is enqueued (absent: no such job, the enqueue is refused). */
  parentStatus: `SELECT status FROM jobs WHERE id = ?`,
  /** A new job with parents, its status decided by them: waiting, queued, or ended by a failed parent. */
  insertFlowJob: `
    INSERT INTO jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms,
      created_at_ms, updated_at_ms, finished_at_ms, max_attempts, dedupe_key, error, trace_context,
      parents, on_parent_failure, unfinished_parents)
    VALUES (:id, :task, :data, :origin, :scheduleId, :fireAtMs, :status, :priority, :runAtMs,
      :createdAtMs, :createdAtMs, :finishedAtMs, :maxAttempts, :dedupeKey, :error, :traceContext,
      :parents, :onParentFailure, :unfinishedParents)
    ON CONFLICT DO NOTHING
    RETURNING *`,
  /** pending = 0 for a parent that was final already: its end was counted at the child's creation. */
  insertEdge: `INSERT INTO job_edges (parent_id, child_id, pending) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
  /**
   * A job reached a final status: its pending edges are resolved, and their children returned.
   * For a job that is no one's parent (nearly every job) this is one empty primary-key seek.
   */
  resolveEdges: `UPDATE job_edges SET pending = 0 WHERE parent_id = ? AND pending = 1 RETURNING child_id`,
  childForResolution: `SELECT status, on_parent_failure, unfinished_parents FROM jobs WHERE id = ?`,
  // Only the count changes (the record does not): updatedAtMs stays, the change feed shows nothing.
  childStillWaiting: `UPDATE jobs SET unfinished_parents = :unfinished WHERE id = :id AND status = 'waiting'`,
  childReleased: `
    UPDATE jobs SET status = 'queued', unfinished_parents = 0, run_at_ms = MAX(run_at_ms, :nowMs), updated_at_ms = :nowMs
    WHERE id = :id AND status = 'waiting'`,
  childEnded: `
    UPDATE jobs SET status = :status, unfinished_parents = :unfinished, error = :error, finished_at_ms = :nowMs,
      updated_at_ms = :nowMs
    WHERE id = :id AND status = 'waiting'`,
  /**
   * An operator retried a job (Store.retryJob): it is unfinished again for the children still
   * waiting for it, so its resolved edges count again. Children it already ended or released stay
   * as they are; their edges are pending again too, which a later resolution skips.
   */
  reopenChildren: `
    UPDATE jobs SET unfinished_parents = unfinished_parents + 1
    WHERE status = 'waiting' AND id IN (SELECT child_id FROM job_edges WHERE parent_id = ? AND pending = 0)`,
  reopenEdges: `UPDATE job_edges SET pending = 1 WHERE parent_id = ? AND pending = 0`,
} as const;
