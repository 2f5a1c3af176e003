import type { StatementRunner } from './statement-runner.ts';

// The job statements of the hot path (enqueue, claim, renew, complete) and the operator's job
// writes. Each builder takes the quoted schema; every statement is one round trip. Claims and
// completions are functions in the schema (migrations/0006_reservations.sql), so that
// completeAndClaim runs both in one call; their replies are lean (ClaimedJob columns, flags).

const activeStatuses = `('waiting', 'queued', 'reserved', 'running', 'failed')`;

export function jobStatements(s: string) {
  return {
    // $1…$12 one array per column (batch-params.ts newJobArrays; $12 the trace contexts, null
    // when none), $13 channel, $14 batch size. The function (migrations/0009) creates the jobs
    // whose id, fire and active dedupe key are free, across the live jobs and the history. One
    // row back: the created ids, or NULL when every job was created (the common case, which then
    // decodes nothing per job).
    enqueue: `
      SELECT CASE WHEN cardinality(c.ids) = $14::int THEN NULL ELSE c.ids END AS ids
      FROM ${s}.enqueue_jobs($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::bigint[],
        $9::bigint[], $10::int[], $11::text[], $13, $12::text[]) AS c(ids)`,

    // A batch holding a job with parents (flow-params.ts): $1…$12 as enqueue, $13 each job's
    // parents (a jsonb array, null for none), $14 their policies, $15 channel. The function
    // (migrations/0010) creates the jobs one by one, in order; one row per created job, with the
    // record of each job with parents. An unknown parent raises SD001 and creates nothing.
    enqueueFlow: `
      SELECT f.i, f.job FROM ${s}.enqueue_flow_jobs($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
        $7::int[], $8::bigint[], $9::bigint[], $10::int[], $11::text[], $12::text[], $13::jsonb, $14::text[], $15) AS f`,

    // $1 ids, $2 schedule ids, $3 fire times, $4 dedupe keys (arrays, one entry per job that was
    // not created): the job each one collided with, in the order enqueueJobs documents.
    existingFor: `
      SELECT r.i, found.*
      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS r(id, schedule_id, fire_at_ms, dedupe_key, i)
      CROSS JOIN LATERAL (
        SELECT j.*, 1 AS preference FROM ${s}.fire_keys k JOIN ${s}.all_jobs j ON j.id = k.job_id
          WHERE r.fire_at_ms IS NOT NULL AND k.schedule_id = r.schedule_id AND k.fire_at_ms = r.fire_at_ms
        UNION ALL
        SELECT j.*, 2 FROM ${s}.jobs j
          WHERE r.dedupe_key IS NOT NULL AND j.dedupe_key = r.dedupe_key AND j.status IN ${activeStatuses}
        UNION ALL
        SELECT j.*, 3 FROM ${s}.all_jobs j WHERE j.id = r.id
        ORDER BY preference LIMIT 1) AS found
      ORDER BY r.i`,

    // $1 nodeId, $2 nowMs, $3 leaseMs, $4 limit, $5 task names, $6 aheadMs, $7 aheadLimit.
    claim: `SELECT * FROM ${s}.claim_jobs($1, $2, $3, $4, $5::text[], $6, $7)`,

    // $1…$7 as claim, $8 maxActive (migrations/0010: counts and claims under a lock per task).
    claimCapped: `SELECT * FROM ${s}.claim_capped_jobs($1, $2, $3, $4, $5::text[], $6, $7, $8)`,

    // $1 completions (jsonb, batch-params.ts), $2 their job ids, $3 channel.
    complete: `SELECT * FROM ${s}.complete_jobs($1::jsonb, $2::text[], $3)`,

    // $1…$3 as complete, $4…$10 as claim.
    completeAndClaim: `SELECT * FROM ${s}.complete_and_claim($1::jsonb, $2::text[], $3, $4, $5, $6, $7, $8::text[], $9, $10)`,

    // $1…$10 as completeAndClaim, $11 maxActive.
    completeAndClaimCapped: `
      SELECT * FROM ${s}.complete_and_claim_capped($1::jsonb, $2::text[], $3, $4, $5, $6, $7, $8::text[], $9, $10, $11)`,

    // $1 job ids, $2 fencing tokens, $3 nodeId, $4 nowMs, $5 leaseMs, $6 startedAtMs (null: not
    // started). Batched writes lock their rows in id order first (`locked`): a renewal and a
    // completion batch of the same node run on two connections at once, and locking in two
    // different orders deadlocked them. `locked` finds the rows by `id = ANY(ids)`, which only
    // the primary key serves, and the checks (status, owner, fencing token) read the row as
    // locked, which is its latest version; the UPDATE is then driven by `locked` alone (joined
    // against the batch with the checks on the table, the planner chose a sequential scan
    // whenever its statistics were stale). A reserved job with a start becomes running, its
    // attempt counted; one without waits, its lease counting from its instant.
    renew: `
      WITH r AS (SELECT * FROM unnest($1::text[], $2::bigint[], $6::bigint[]) WITH ORDINALITY AS r(job_id, fencing_token, started_at_ms, i)),
      locked AS (
        SELECT j.id, j.status, j.lease_owner, j.fencing_token, j.cancel_requested FROM ${s}.jobs j
        WHERE j.id = ANY($1::text[]) ORDER BY j.id FOR UPDATE),
      renewed AS (
        UPDATE ${s}.jobs j SET
          status = CASE WHEN r.started_at_ms IS NOT NULL THEN 'running' ELSE j.status END,
          attempt = CASE WHEN l.status = 'reserved' AND r.started_at_ms IS NOT NULL THEN j.attempt + 1 ELSE j.attempt END,
          started_at_ms = CASE WHEN l.status = 'reserved' AND r.started_at_ms IS NOT NULL
            THEN COALESCE(j.started_at_ms, r.started_at_ms) ELSE j.started_at_ms END,
          attempt_started_at_ms = CASE WHEN l.status = 'reserved' AND r.started_at_ms IS NOT NULL
            THEN r.started_at_ms ELSE j.attempt_started_at_ms END,
          lease_expires_at_ms = CASE WHEN l.status = 'reserved' AND r.started_at_ms IS NULL
            THEN GREATEST($4::bigint, j.run_at_ms) + $5::bigint ELSE $4::bigint + $5::bigint END,
          updated_at_ms = CASE WHEN l.status = 'reserved' AND r.started_at_ms IS NOT NULL THEN $4::bigint ELSE j.updated_at_ms END
        FROM locked l JOIN r ON r.job_id = l.id AND r.fencing_token = l.fencing_token
        WHERE j.id = l.id AND l.status IN ('running', 'reserved') AND l.lease_owner = $3
        RETURNING j.id)
      SELECT r.i, renewed.id IS NOT NULL AS held, COALESCE(l.cancel_requested, false) AS cancel_requested
      FROM r LEFT JOIN renewed ON renewed.id = r.job_id LEFT JOIN locked l ON l.id = r.job_id
      ORDER BY r.i`,

    // $1 nowMs, $2 limit.
    findExpired: `
      SELECT * FROM ${s}.jobs WHERE status IN ('running', 'reserved') AND lease_expires_at_ms <= $1
      ORDER BY lease_expires_at_ms, seq LIMIT $2`,

    // $1 jobId, $2 nowMs, $3 error, $4 channel. waiting, queued, failed, or reserved and not due
    // yet: cancelled now, which moves the job into the history and resolves its children (the
    // function, migrations/0010); running, or reserved and due (its node may have started it):
    // only the flag. Final or unknown jobs match nothing (the store then reads the job as it is).
    cancel: `SELECT * FROM ${s}.cancel_job($1, $2, $3::jsonb, $4)`,

    // $1 jobId, $2 nowMs, $3 channel. The job moves from the history back to `jobs` (its seq
    // kept); another active job holding its dedupe key fails the insert (23505).
    retry: `
      WITH gone AS (DELETE FROM ${s}.job_history WHERE id = $1 AND status IN ('dead', 'cancelled') RETURNING *),
      retried AS (
        INSERT INTO ${s}.jobs OVERRIDING SYSTEM VALUE
        SELECT g.id, g.seq, g.task, g.data, g.origin, g.schedule_id, g.fire_at_ms, 'queued', g.priority, $2, g.created_at_ms,
          $2, g.started_at_ms, NULL, g.attempt, g.attempt + 1, g.dedupe_key, g.lease_owner, g.lease_expires_at_ms,
          g.fencing_token, false, g.result, g.error, g.attempts, g.attempt_started_at_ms, g.trace_context, g.parents,
          g.on_parent_failure, g.has_children
        FROM gone g
        RETURNING *),
      notified AS (SELECT pg_notify($3, 'jobs') FROM (SELECT 1 FROM retried LIMIT 1) AS any_retried)
      SELECT retried.* FROM retried LEFT JOIN notified ON true`,

    get: `SELECT * FROM ${s}.all_jobs WHERE id = $1`,

    // $1 statuses, $2 finishedBeforeMs. Only final jobs (the history), whatever statuses were
    // asked for; their fires are free again, and their edges from their parents go with them
    // (found by primary key through their parents). The created_at_ms bound (a job is created
    // before it finishes) makes it a range of job_history_status_created per status; there is no
    // index on finishedAtMs. One row: how many.
    purge: `
      WITH gone AS (
        DELETE FROM ${s}.job_history
        WHERE status = ANY($1::text[]) AND created_at_ms < $2 AND finished_at_ms < $2
        RETURNING id, schedule_id, fire_at_ms, parents),
      unkeyed AS (
        DELETE FROM ${s}.fire_keys k USING gone g WHERE k.schedule_id = g.schedule_id AND k.fire_at_ms = g.fire_at_ms),
      unlinked AS (
        DELETE FROM ${s}.job_edges e USING gone g, ${s}.parent_ids(g.parents) AS p(id)
        WHERE g.parents IS NOT NULL AND e.parent_id = p.id AND e.child_id = g.id)
      SELECT count(*) AS n FROM gone`,
  };
}

export type JobStatements = ReturnType<typeof jobStatements>;

/** What the job calls outside the store class (job-enqueue.ts, job-claims.ts, job-control.ts) need of it. */
export interface JobContext {
  sql: StatementRunner;
  jobs: JobStatements;
  /** The NOTIFY channel. */
  channel: string;
}
