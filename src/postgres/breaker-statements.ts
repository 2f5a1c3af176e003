import { breakerStates, type BreakerForce, type BreakerRecord, type BreakerState } from '../store/gate-types.ts';
import type { Row } from './row-mapping.ts';

// The statements of the circuit breakers (Store.readBreakers, recordBreakerCalls, writeBreaker;
// tables of migrations/0010). Each is one statement, so each is atomic on its own.

export function breakerStatements(s: string) {
  return {
    // $1 tasks (null: every record), $2 sinceMs. Each record with the calls of its buckets in the
    // window (one range of breaker_calls' primary key per task).
    read: `
      SELECT b.*, COALESCE(c.succeeded, 0) AS succeeded, COALESCE(c.failed, 0) AS failed
      FROM ${s}.breakers b
      LEFT JOIN LATERAL (
        SELECT sum(k.succeeded) AS succeeded, sum(k.failed) AS failed FROM ${s}.breaker_calls k
        WHERE k.task = b.task AND k.bucket_start_ms >= $2::bigint) AS c ON true
      WHERE $1::text[] IS NULL OR b.task = ANY($1::text[])
      ORDER BY b.task`,

    // $1 tasks, $2 succeeded, $3 failed (one entry per call record), $4 the bucket's start, $5
    // pruneBeforeMs. Adds to each task's bucket (an upsert: concurrent recordings add up, in task
    // order so two batches lock the same rows in the same order) and deletes its buckets that
    // left every window — but the one written here, which one statement cannot both delete and
    // upsert.
    record: `
      WITH c AS (
        SELECT t.task, sum(t.succeeded)::bigint AS succeeded, sum(t.failed)::bigint AS failed
        FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS t(task, succeeded, failed)
        GROUP BY t.task),
      pruned AS (
        DELETE FROM ${s}.breaker_calls k USING c
        WHERE k.task = c.task AND k.bucket_start_ms < $5::bigint AND k.bucket_start_ms <> $4::bigint)
      INSERT INTO ${s}.breaker_calls AS k (task, bucket_start_ms, succeeded, failed)
      SELECT c.task, $4::bigint, c.succeeded, c.failed FROM c ORDER BY c.task
      ON CONFLICT (task, bucket_start_ms) DO UPDATE SET succeeded = k.succeeded + excluded.succeeded, failed = k.failed + excluded.failed`,

    // $1 task, $2 expectedVersion, $3 state, $4 forced, $5 changedAtMs, $6 openUntilMs, $7
    // probeOwner, $8 probeUntilMs, $9 clearCalls. Compare-and-set in one statement: a new record
    // only where none exists (version 0; a concurrent insert makes this one do nothing), else only
    // at the expected version (a concurrent write makes the re-checked version differ). The calls
    // are cleared only when it wrote. One row: how many records it wrote (0 or 1).
    write: `
      WITH inserted AS (
        INSERT INTO ${s}.breakers (task, state, forced, changed_at_ms, open_until_ms, probe_owner, probe_until_ms, version)
        SELECT $1::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::text, $8::bigint, 1 WHERE $2::bigint = 0
        ON CONFLICT (task) DO NOTHING
        RETURNING task),
      updated AS (
        UPDATE ${s}.breakers b SET state = $3::text, forced = $4::text, changed_at_ms = $5::bigint, open_until_ms = $6::bigint,
          probe_owner = $7::text, probe_until_ms = $8::bigint, version = b.version + 1
        WHERE $2::bigint <> 0 AND b.task = $1::text AND b.version = $2::bigint
        RETURNING b.task),
      written AS (SELECT task FROM inserted UNION ALL SELECT task FROM updated),
      cleared AS (DELETE FROM ${s}.breaker_calls k WHERE $9::boolean AND k.task = $1::text AND EXISTS (SELECT 1 FROM written))
      SELECT count(*) AS n FROM written`,
  };
}

export type BreakerStatements = ReturnType<typeof breakerStatements>;

const forces: readonly unknown[] = ['open', 'closed'];
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** A `read` row as the contract's record. The table's CHECKs keep state and forced to their values. */
export function rowToBreaker(row: Row): BreakerRecord {
  return {
    task: String(row.task),
    state: ((breakerStates as readonly unknown[]).includes(row.state) ? row.state : 'closed') as BreakerState,
    forced: (forces.includes(row.forced) ? row.forced : null) as BreakerForce,
    changedAtMs: Number(row.changed_at_ms),
    openUntilMs: numOrNull(row.open_until_ms),
    probeOwner: row.probe_owner === null || row.probe_owner === undefined ? null : String(row.probe_owner),
    probeUntilMs: numOrNull(row.probe_until_ms),
    version: Number(row.version),
    succeeded: Number(row.succeeded),
    failed: Number(row.failed),
  };
}
