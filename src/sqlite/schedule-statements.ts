// The fixed statements on schedules and nodes (see statements.ts for the conventions).

/** A schedule's live jobs: the filter of the jobs_schedule_active partial index, repeated so that it applies. */
export const scheduleActiveJobs = `schedule_id IS NOT NULL AND status IN ('queued', 'reserved', 'running', 'failed')`;

export const scheduleSql = {
  // :paused null keeps the stored flag; :keepNextFire keeps the stored next fire when the stored
  // trigger is the same canonical JSON (see ScheduleWrite.keepNextFire). The trace context is the
  // write's own: a write without one clears it.
  upsertSchedule: `
    INSERT INTO schedules (id, task, data, trigger_spec, priority, max_running, misfire_grace_ms, coalesce_policy,
      catch_up_limit, overlap_policy, paused, next_fire_at_ms, created_at_ms, updated_at_ms, trace_context)
    VALUES (:id, :task, :data, :trigger, :priority, :maxRunning, :misfireGraceMs, :coalesce,
      :catchUpLimit, :overlap, COALESCE(:paused, 0), :nextFireAtMs, :nowMs, :nowMs, :traceContext)
    ON CONFLICT (id) DO UPDATE SET task = excluded.task, data = excluded.data, trigger_spec = excluded.trigger_spec,
      priority = excluded.priority, max_running = excluded.max_running, misfire_grace_ms = excluded.misfire_grace_ms,
      coalesce_policy = excluded.coalesce_policy, catch_up_limit = excluded.catch_up_limit,
      overlap_policy = excluded.overlap_policy, paused = COALESCE(:paused, schedules.paused),
      next_fire_at_ms = CASE WHEN :keepNextFire AND schedules.trigger_spec = excluded.trigger_spec
        THEN schedules.next_fire_at_ms ELSE excluded.next_fire_at_ms END,
      updated_at_ms = excluded.updated_at_ms, trace_context = excluded.trace_context
    RETURNING *`,
  /** What an upsert compares to tell whether the definition changed. */
  scheduleDefinition: `
    SELECT task, data, trigger_spec, priority, max_running, misfire_grace_ms, coalesce_policy FROM schedules WHERE id = ?`,
  /** After reservations were deleted: their fires no longer count, and the next fire may move back to them. */
  afterReservationsDropped: `
    UPDATE schedules SET fired_count = fired_count - :dropped, next_fire_at_ms = :nextFireAtMs WHERE id = :id RETURNING *`,
  /** A schedule's reservations its node cannot have started yet (not due at :nowMs). */
  dropReservations: `
    DELETE FROM jobs INDEXED BY jobs_schedule_active
    WHERE schedule_id = :scheduleId AND ${scheduleActiveJobs} AND status = 'reserved' AND run_at_ms > :nowMs
    RETURNING COALESCE(fire_at_ms, run_at_ms) AS fire_at_ms`,
  getSchedule: `SELECT * FROM schedules WHERE id = ?`,
  scheduleExists: `SELECT 1 AS found FROM schedules WHERE id = ?`,
  removeSchedule: `DELETE FROM schedules WHERE id = ?`,
  // :earliest (a pause's earliest deleted reservation) moves the next fire back unless :setNextFire sets it.
  updateSchedule: `
    UPDATE schedules SET
      paused = COALESCE(:paused, paused),
      next_fire_at_ms = CASE WHEN :setNextFire THEN :nextFireAtMs
        WHEN :earliest IS NOT NULL AND (next_fire_at_ms IS NULL OR :earliest < next_fire_at_ms) THEN :earliest
        ELSE next_fire_at_ms END,
      fired_count = fired_count - :dropped,
      updated_at_ms = :nowMs
    WHERE id = :id RETURNING *`,
  acquireSchedules: `
    UPDATE schedules SET lease_owner = :nodeId, lease_expires_at_ms = :leaseExpiresAtMs, lease_token = lease_token + 1
    WHERE id IN (
      SELECT id FROM schedules
      WHERE paused = 0 AND next_fire_at_ms <= :dueByMs AND (lease_expires_at_ms IS NULL OR lease_expires_at_ms <= :nowMs)
      ORDER BY next_fire_at_ms, id LIMIT :limit)
    RETURNING *, (SELECT COUNT(*) FROM jobs INDEXED BY jobs_schedule_active
      WHERE jobs.schedule_id = schedules.id AND ${scheduleActiveJobs}) AS active_jobs`,
  // Only a leased schedule can be released: token 0 of a never-leased schedule must not match.
  scheduleLeaseToken: `SELECT lease_token FROM schedules WHERE id = ? AND lease_owner IS NOT NULL`,
  releaseSchedule: `
    UPDATE schedules SET next_fire_at_ms = :nextFireAtMs, last_fire_at_ms = :lastFireAtMs,
      fired_count = fired_count + :fired, skipped_count = skipped_count + :skipped, missed_count = missed_count + :missed,
      lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = :nowMs
    WHERE id = :id`,
  /** A reserved fire its node discarded: it no longer counts as fired, but as skipped or missed. */
  countDiscardedFire: `
    UPDATE schedules SET fired_count = fired_count - 1, skipped_count = skipped_count + :skipped,
      missed_count = missed_count + :missed
    WHERE id = :id`,

  upsertNode: `
    INSERT INTO nodes (id, hostname, pid, role_schedules, role_jobs, tasks, concurrency, running, started_at_ms,
      last_seen_at_ms, version, cluster_events)
    VALUES (:id, :hostname, :pid, :roleSchedules, :roleJobs, :tasks, :concurrency, :running, :startedAtMs,
      :lastSeenAtMs, :version, :clusterEvents)
    ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid,
      role_schedules = excluded.role_schedules, role_jobs = excluded.role_jobs, tasks = excluded.tasks,
      concurrency = excluded.concurrency, running = excluded.running, started_at_ms = excluded.started_at_ms,
      last_seen_at_ms = excluded.last_seen_at_ms, version = excluded.version, cluster_events = excluded.cluster_events`,
  removeNode: `DELETE FROM nodes WHERE id = ?`,
  // A NULL bound (no seenAfterMs) lists every node.
  listNodes: `SELECT * FROM nodes WHERE :seenAfterMs IS NULL OR last_seen_at_ms > :seenAfterMs ORDER BY id`,
} as const;
