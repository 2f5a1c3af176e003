// The schedule statements: definition writes, and the lease cycle (acquire, release) that fires
// them. Each builder takes the quoted schema; every statement is one round trip.

export function scheduleStatements(s: string) {
  return {
    // $1 writes (jsonb, batch-params.ts scheduleWriteParams), $2 channel. The function (migrations/
    // 0006) applies each write in order with the semantics of Store.upsertSchedule.
    upsert: `SELECT * FROM ${s}.upsert_schedules($1::jsonb, $2)`,

    get: `SELECT * FROM ${s}.schedules WHERE id = $1`,

    // $1 id, $2 nowMs. The schedule goes with its reservations not due yet (their fire keys too).
    remove: `
      WITH removed AS (DELETE FROM ${s}.schedules WHERE id = $1 RETURNING id),
      dropped AS (
        DELETE FROM ${s}.jobs j USING removed
        WHERE j.schedule_id = removed.id AND j.status = 'reserved' AND j.run_at_ms > $2
        RETURNING j.id, j.schedule_id, j.fire_at_ms),
      unkeyed AS (
        DELETE FROM ${s}.fire_keys k USING dropped d WHERE k.schedule_id = d.schedule_id AND k.fire_at_ms = d.fire_at_ms)
      SELECT (SELECT count(*) FROM removed) AS removed, (SELECT count(*) FROM dropped) AS dropped`,

    // $1 id, $2 paused (null: keep), $3 set nextFireAtMs?, $4 nextFireAtMs, $5 nowMs, $6 channel.
    // Pausing or setting the next fire deletes the reservations not due yet (firedCount down by
    // as many); pausing moves the next fire back to the earliest of them.
    update: `
      WITH target AS (SELECT id FROM ${s}.schedules WHERE id = $1 FOR UPDATE),
      dropped AS (
        DELETE FROM ${s}.jobs j USING target
        WHERE ($2::boolean IS TRUE OR $3::boolean) AND j.schedule_id = target.id AND j.status = 'reserved' AND j.run_at_ms > $5
        RETURNING j.schedule_id, j.fire_at_ms AS key_fire_at_ms, COALESCE(j.fire_at_ms, j.run_at_ms) AS fire_at_ms),
      unkeyed AS (
        DELETE FROM ${s}.fire_keys k USING dropped d WHERE k.schedule_id = d.schedule_id AND k.fire_at_ms = d.key_fire_at_ms),
      gone AS (SELECT count(*) AS n, min(fire_at_ms) AS earliest FROM dropped),
      updated AS (
        UPDATE ${s}.schedules sc SET
          paused = COALESCE($2::boolean, sc.paused),
          next_fire_at_ms = CASE WHEN $3::boolean THEN $4::bigint
            WHEN $2::boolean IS TRUE THEN LEAST(sc.next_fire_at_ms, gone.earliest) ELSE sc.next_fire_at_ms END,
          fired_count = sc.fired_count - gone.n,
          updated_at_ms = $5
        FROM gone, target
        WHERE sc.id = target.id
        RETURNING sc.*),
      notified AS (SELECT pg_notify($6, 'schedules') FROM (SELECT 1 FROM updated) AS any_updated)
      SELECT updated.* FROM updated LEFT JOIN notified ON true`,

    // $1 nodeId, $2 nowMs, $3 leaseExpiresAtMs, $4 limit, $5 horizon (nowMs + look-ahead). Same
    // shape as the job claim: walk schedules_due in order, skip rows another node is acquiring,
    // lease the rest.
    acquire: `
      UPDATE ${s}.schedules AS sc SET lease_owner = $1, lease_expires_at_ms = $3, lease_token = sc.lease_token + 1
      WHERE sc.id IN (
        SELECT id FROM ${s}.schedules
        WHERE NOT paused AND next_fire_at_ms <= $5 AND (lease_expires_at_ms IS NULL OR lease_expires_at_ms <= $2)
        ORDER BY next_fire_at_ms, id
        LIMIT $4
        FOR UPDATE SKIP LOCKED)
      RETURNING sc.*, (SELECT count(*) FROM ${s}.jobs j
        WHERE j.schedule_id = sc.id AND j.status IN ('queued', 'reserved', 'running', 'failed')) AS active_jobs`,

    // $1 releases (jsonb), $2 their jobs (jsonb, each with the index `ri` of its release), $3 channel.
    // `held` locks the schedules still leased under the given token (in id order, so two batches
    // never deadlock); only their jobs are inserted and only they are updated or deleted. A
    // refused release changes nothing. The result: one row per job of a held release (job null
    // when it already existed), or one row with job null for a held release without jobs.
    release: `
      WITH r AS (
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(i int, schedule_id text, lease_token bigint, now_ms bigint,
          next_fire_at_ms bigint, last_fire_at_ms bigint, skipped bigint, missed bigint, buffered bigint, is_end boolean,
          reserve_node text, reserve_lease_ms bigint)),
      held AS (
        SELECT sc.id, r.i FROM ${s}.schedules sc JOIN r ON r.schedule_id = sc.id AND r.lease_token = sc.lease_token
        WHERE sc.lease_owner IS NOT NULL
        ORDER BY sc.id
        FOR UPDATE OF sc),
      -- A job whose fire is kept already (fire_keys), whose id is in the history, or whose fire
      -- an earlier job of the batch has, is left out (see enqueue_jobs in migrations/0007). Each
      -- NOT EXISTS is a primary-key probe per job (OFFSET 0: never an anti-join the planner
      -- might hash over the whole history).
      input AS (
        SELECT j.*, CASE WHEN j.fire_at_ms IS NULL OR j.schedule_id IS NULL THEN 1
            ELSE row_number() OVER (PARTITION BY j.schedule_id, j.fire_at_ms ORDER BY j.ri, j.i) END AS nth_of_fire
        FROM jsonb_to_recordset($2::jsonb) AS j(ri int, i int, id text, task text, data jsonb, origin text,
          schedule_id text, fire_at_ms bigint, priority int, run_at_ms bigint, created_at_ms bigint, max_attempts int, dedupe_key text,
          trace_context text)
        WHERE j.ri IN (SELECT held.i FROM held)),
      -- With a reserving release, its jobs are created reserved by that node (fencing token 1,
      -- leased from their instant), as a claim ahead would leave them.
      created AS (
        INSERT INTO ${s}.jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms,
          created_at_ms, updated_at_ms, max_attempts, dedupe_key, fencing_token, lease_owner, lease_expires_at_ms, trace_context)
        SELECT input.id, input.task, COALESCE(input.data, 'null'::jsonb), input.origin, input.schedule_id, input.fire_at_ms,
          CASE WHEN r.reserve_node IS NULL THEN 'queued' ELSE 'reserved' END, input.priority, input.run_at_ms,
          input.created_at_ms, CASE WHEN r.reserve_node IS NULL THEN input.created_at_ms ELSE r.now_ms END,
          input.max_attempts, input.dedupe_key, CASE WHEN r.reserve_node IS NULL THEN 0 ELSE 1 END, r.reserve_node,
          input.run_at_ms + r.reserve_lease_ms, input.trace_context
        FROM input JOIN r ON r.i = input.ri
        WHERE input.nth_of_fire = 1 AND NOT EXISTS (SELECT 1 FROM ${s}.job_history h WHERE h.id = input.id OFFSET 0)
          AND (input.fire_at_ms IS NULL OR NOT EXISTS (
            SELECT 1 FROM ${s}.fire_keys k WHERE k.schedule_id = input.schedule_id AND k.fire_at_ms = input.fire_at_ms OFFSET 0))
        ORDER BY input.ri, input.i
        ON CONFLICT DO NOTHING
        RETURNING id, task, data, origin, schedule_id, fire_at_ms, priority, run_at_ms, created_at_ms, dedupe_key, status,
          attempt, max_attempts, fencing_token, lease_expires_at_ms, seq, trace_context),
      keyed AS (
        INSERT INTO ${s}.fire_keys (schedule_id, fire_at_ms, job_id)
        SELECT created.schedule_id, created.fire_at_ms, created.id FROM created
        WHERE created.fire_at_ms IS NOT NULL AND created.schedule_id IS NOT NULL),
      -- Counted once per schedule (a batch releases each schedule once), then joined: a correlated
      -- subquery here scanned created × input for every schedule (33 ms for 100 schedules).
      fired AS (SELECT schedule_id, count(*) AS n FROM created GROUP BY schedule_id),
      released AS (
        UPDATE ${s}.schedules sc SET next_fire_at_ms = r.next_fire_at_ms, last_fire_at_ms = r.last_fire_at_ms,
          fired_count = sc.fired_count + COALESCE(fired.n, 0) + COALESCE(r.buffered, 0),
          skipped_count = sc.skipped_count + r.skipped, missed_count = sc.missed_count + r.missed,
          lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = r.now_ms
        FROM r LEFT JOIN fired ON fired.schedule_id = r.schedule_id
        WHERE sc.id = r.schedule_id AND NOT r.is_end AND r.i IN (SELECT held.i FROM held)
        RETURNING sc.id),
      ended AS (
        DELETE FROM ${s}.schedules sc USING r
        WHERE sc.id = r.schedule_id AND r.is_end AND r.i IN (SELECT held.i FROM held)
        RETURNING sc.id),
      notified AS (SELECT pg_notify($3, 'jobs') FROM (SELECT 1 FROM created WHERE status = 'queued' LIMIT 1) AS any_queued)
      -- Two plain row sets, no join (the planner sees one row per CTE and nested-loops them): the
      -- releases that held, and the jobs created (as a claim hands them out); the store regroups
      -- them per request.
      SELECT held.i AS release_index, NULL::text AS id, NULL::text AS task, NULL::jsonb AS data, NULL::text AS origin,
        NULL::text AS schedule_id, NULL::bigint AS fire_at_ms, NULL::integer AS priority, NULL::bigint AS run_at_ms,
        NULL::bigint AS created_at_ms, NULL::text AS dedupe_key, NULL::text AS status, NULL::integer AS attempt,
        NULL::integer AS max_attempts, NULL::bigint AS fencing_token, NULL::bigint AS lease_expires_at_ms, NULL::bigint AS seq,
        NULL::text AS trace_context
      FROM held LEFT JOIN notified ON true
      UNION ALL
      SELECT NULL, created.* FROM created`,
  };
}

export type ScheduleStatements = ReturnType<typeof scheduleStatements>;
