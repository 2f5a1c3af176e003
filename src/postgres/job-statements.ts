// The job statements of the hot path (enqueue, claim, renew, complete) and the operator's job
// writes. Each builder takes the quoted schema; every statement is one round trip. Batches arrive
// as one jsonb parameter (an array of objects, each with its position `i`) read by
// jsonb_to_recordset, so a batch of any size is one statement and one plan.

const activeStatuses = `('queued', 'running', 'failed')`;

/** The input of a batch of new jobs, as jsonb_to_recordset reads it ($1). */
const newJobColumns = `i int, id text, task text, data jsonb, origin text, schedule_id text, fire_at_ms bigint,
  priority int, run_at_ms bigint, created_at_ms bigint, max_attempts int, dedupe_key text`;

/** Inserts `input` rows (in order, so creation order follows the batch); conflicts are skipped, never errors. */
function insertJobs(s: string, from: string): string {
  return `INSERT INTO ${s}.jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms,
      created_at_ms, updated_at_ms, max_attempts, dedupe_key)
    SELECT id, task, COALESCE(data, 'null'::jsonb), origin, schedule_id, fire_at_ms, 'queued', priority, run_at_ms,
      created_at_ms, created_at_ms, max_attempts, dedupe_key
    FROM ${from} ORDER BY i
    ON CONFLICT DO NOTHING
    RETURNING *`;
}

export function jobStatements(s: string) {
  return {
    // $1 jobs (jsonb), $2 channel. Every unique index (id, schedule fire, active dedupe key) is an
    // arbiter of DO NOTHING, also between two rows of the same batch.
    enqueue: `
      WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${newJobColumns})),
      created AS (${insertJobs(s, 'input')}),
      notified AS (SELECT pg_notify($2, 'jobs') FROM (SELECT 1 FROM created LIMIT 1) AS any_created)
      SELECT created.* FROM created LEFT JOIN notified ON true`,

    // $1 ids, $2 schedule ids, $3 fire times, $4 dedupe keys (arrays, one entry per job that was
    // not created): the job each one collided with, in the order enqueueJobs documents.
    existingFor: `
      SELECT r.i, found.*
      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS r(id, schedule_id, fire_at_ms, dedupe_key, i)
      CROSS JOIN LATERAL (
        SELECT j.*, 1 AS preference FROM ${s}.jobs j
          WHERE r.fire_at_ms IS NOT NULL AND j.schedule_id = r.schedule_id AND j.fire_at_ms = r.fire_at_ms
        UNION ALL
        SELECT j.*, 2 FROM ${s}.jobs j
          WHERE r.dedupe_key IS NOT NULL AND j.dedupe_key = r.dedupe_key AND j.status IN ${activeStatuses}
        UNION ALL
        SELECT j.*, 3 FROM ${s}.jobs j WHERE j.id = r.id
        ORDER BY preference LIMIT 1) AS found
      ORDER BY r.i`,

    // $1 nodeId, $2 nowMs, $3 leaseExpiresAtMs, $4 limit, $5 task names. The statement lives in
    // the schema (migrations/0005_claim_by_task.sql) for the planner settings it needs.
    claim: `SELECT * FROM ${s}.claim_jobs($1, $2, $3, $4, $5::text[])`,

    // $1 job ids, $2 fencing tokens, $3 nodeId, $4 leaseExpiresAtMs.
    // Batched writes lock their rows in id order first (`locked`): a renewal and a completion
    // batch of the same node run on two connections at once, and locking in two different orders
    // deadlocked them. `locked` finds the rows by `id = ANY(ids)`, which only the primary key
    // serves, and the checks (status, owner, fencing token) read the row as locked, which is its
    // latest version; the UPDATE is then driven by `locked` alone. Written as a join against the
    // batch with the checks on the table, the planner chose a sequential scan of the whole table,
    // or a scan of every running job, whenever its statistics were stale (3 ms per batch of 10
    // at 20,000 jobs, against 0.3 ms).
    renew: `
      WITH r AS (SELECT * FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(job_id, fencing_token, i)),
      locked AS (
        SELECT j.id, j.status, j.lease_owner, j.fencing_token, j.cancel_requested FROM ${s}.jobs j
        WHERE j.id = ANY($1::text[]) ORDER BY j.id FOR UPDATE),
      renewed AS (
        UPDATE ${s}.jobs j SET lease_expires_at_ms = $4
        FROM locked l JOIN r ON r.job_id = l.id AND r.fencing_token = l.fencing_token
        WHERE j.id = l.id AND l.status = 'running' AND l.lease_owner = $3
        RETURNING j.id)
      SELECT r.i, renewed.id IS NOT NULL AS held, COALESCE(l.cancel_requested, false) AS cancel_requested
      FROM r LEFT JOIN renewed ON renewed.id = r.job_id LEFT JOIN locked l ON l.id = r.job_id
      ORDER BY r.i`,

    // $1 completions (jsonb), $2 channel, $3 the job ids. Each row is guarded by its fencing
    // token; the attempt under way (its columns) joins `attempts` as a finished record. Jobs
    // given back to the queue (released, retry) wake the other nodes.
    complete: `
      WITH r AS (
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(i int, job_id text, fencing_token bigint, now_ms bigint, kind text,
          result jsonb, error jsonb, retry_at_ms bigint, outcome text, end_schedule boolean)),
      locked AS (SELECT j.id, j.status, j.fencing_token FROM ${s}.jobs j WHERE j.id = ANY($3::text[]) ORDER BY j.id FOR UPDATE),
      done AS (
        UPDATE ${s}.jobs j SET
          status = CASE r.kind WHEN 'succeeded' THEN 'succeeded' WHEN 'retry' THEN 'failed' WHEN 'dead' THEN 'dead'
            WHEN 'cancelled' THEN 'cancelled' ELSE 'queued' END,
          result = CASE WHEN r.kind = 'succeeded' THEN COALESCE(r.result, 'null'::jsonb) ELSE j.result END,
          error = CASE r.kind WHEN 'succeeded' THEN NULL WHEN 'released' THEN j.error ELSE r.error END,
          finished_at_ms = CASE WHEN r.kind IN ('succeeded', 'dead', 'cancelled') THEN r.now_ms ELSE j.finished_at_ms END,
          run_at_ms = CASE r.kind WHEN 'retry' THEN r.retry_at_ms WHEN 'released' THEN r.now_ms ELSE j.run_at_ms END,
          attempt = CASE WHEN r.kind = 'released' THEN j.attempt - 1 ELSE j.attempt END,
          lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = r.now_ms,
          attempt_started_at_ms = NULL,
          attempts = j.attempts || jsonb_build_array(jsonb_build_object('attempt', j.attempt, 'nodeId', j.lease_owner,
            'fencingToken', j.fencing_token, 'startedAtMs', j.attempt_started_at_ms, 'finishedAtMs', r.now_ms, 'outcome', r.outcome,
            'error', CASE WHEN r.kind IN ('retry', 'dead', 'cancelled') THEN COALESCE(r.error, 'null'::jsonb) END))
        FROM locked l JOIN r ON r.job_id = l.id AND r.fencing_token = l.fencing_token
        WHERE j.id = l.id AND l.status = 'running'
        RETURNING j.*, r.end_schedule AS end_schedule, r.kind AS kind),
      ended AS (
        DELETE FROM ${s}.schedules WHERE id IN (SELECT schedule_id FROM done WHERE end_schedule AND schedule_id IS NOT NULL)
        RETURNING id),
      notified AS (SELECT pg_notify($2, 'jobs') FROM (SELECT 1 FROM done WHERE kind IN ('retry', 'released') LIMIT 1) AS requeued)
      SELECT r.i, done.* FROM r
        LEFT JOIN done ON done.id = r.job_id
        LEFT JOIN notified ON true
      ORDER BY r.i`,

    // $1 nowMs, $2 limit.
    findExpired: `
      SELECT * FROM ${s}.jobs WHERE status = 'running' AND lease_expires_at_ms <= $1
      ORDER BY lease_expires_at_ms, seq LIMIT $2`,

    // $1 jobId, $2 nowMs, $3 error. queued/failed: cancelled now; running: only the flag. Final
    // or unknown jobs match nothing (the store then reads the job as it is).
    cancel: `
      UPDATE ${s}.jobs SET
        status = CASE WHEN status = 'running' THEN status ELSE 'cancelled' END,
        finished_at_ms = CASE WHEN status = 'running' THEN finished_at_ms ELSE $2 END,
        error = CASE WHEN status = 'running' THEN error ELSE $3::jsonb END,
        lease_owner = CASE WHEN status = 'running' THEN lease_owner END,
        lease_expires_at_ms = CASE WHEN status = 'running' THEN lease_expires_at_ms END,
        cancel_requested = (status = 'running') OR cancel_requested,
        updated_at_ms = $2
      WHERE id = $1 AND status IN ('queued', 'failed', 'running')
      RETURNING *`,

    // $1 jobId, $2 nowMs, $3 channel.
    retry: `
      WITH retried AS (
        UPDATE ${s}.jobs SET status = 'queued', run_at_ms = $2, max_attempts = attempt + 1, finished_at_ms = NULL,
          cancel_requested = false, updated_at_ms = $2
        WHERE id = $1 AND status IN ('dead', 'cancelled')
        RETURNING *),
      notified AS (SELECT pg_notify($3, 'jobs') FROM (SELECT 1 FROM retried LIMIT 1) AS any_retried)
      SELECT retried.* FROM retried LEFT JOIN notified ON true`,

    get: `SELECT * FROM ${s}.jobs WHERE id = $1`,

    // $1 statuses, $2 finishedBeforeMs. Only final jobs, whatever statuses were asked for. The
    // created_at_ms bound (a job is created before it finishes) makes it a range of
    // jobs_status_created per status; there is no index on finishedAtMs.
    purge: `
      DELETE FROM ${s}.jobs
      WHERE status IN ('succeeded', 'dead', 'cancelled') AND status = ANY($1::text[])
        AND created_at_ms < $2 AND finished_at_ms < $2`,
  };
}

export type JobStatements = ReturnType<typeof jobStatements>;
