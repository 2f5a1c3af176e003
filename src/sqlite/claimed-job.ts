import { jobAttemptsProblem, jobErrorProblem, stringArrayProblem } from '../domain/record-shapes.ts';
import type { JobOrigin } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import { FieldReader } from '../store/field-reader.ts';
import { traceContextOf } from '../store/sql-rows.ts';
import type { ClaimedJob } from '../store/store.ts';
import type { Row } from './row-mapping.ts';

const parse = (value: unknown): unknown => JSON.parse(String(value));
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * A claimed row (`claimedColumns`) as the node gets it. `data` and `parents` are decoded;
 * `attempts`, `error` and `result` (present only when not empty) are only checked, so that a
 * damaged job is flagged `unreadable` and quarantined rather than run.
 */
export function rowToClaimed(row: Row): ClaimedJob {
  // The common case (a fresh job whose data parses) reads no field through a FieldReader.
  let data: JsonValue = null;
  let f: FieldReader | null = null;
  if (row.attempts === null && row.error === null && row.result === null && typeof row.data === 'string') {
    try {
      data = JSON.parse(row.data) as JsonValue;
    } catch {
      f = new FieldReader(); // not JSON: read again below, to name the field
    }
  } else {
    f = new FieldReader();
  }
  if (f !== null) {
    data = f.json<JsonValue>('data', row.data, parse, { absent: null, fallback: null });
    if (row.attempts !== null) f.json('attempts', row.attempts, parse, { absent: [], fallback: [], problem: jobAttemptsProblem });
    if (row.error !== null) f.json('error', row.error, parse, { absent: null, fallback: null, problem: jobErrorProblem });
    if (row.result !== null) f.json('result', row.result, parse, { absent: null, fallback: null });
  }
  const status = row.status === 'running' ? 'running' : 'reserved';
  const attempt = Number(row.attempt);
  const job: ClaimedJob = {
    id: String(row.id),
    task: String(row.task),
    data,
    origin: String(row.origin) as JobOrigin,
    scheduleId: strOrNull(row.schedule_id),
    fireAtMs: numOrNull(row.fire_at_ms),
    priority: Number(row.priority),
    runAtMs: Number(row.run_at_ms),
    createdAtMs: Number(row.created_at_ms),
    dedupeKey: strOrNull(row.dedupe_key),
    status,
    // A reservation's attempt is the one its start will count.
    attempt: status === 'running' ? attempt : attempt + 1,
    maxAttempts: Number(row.max_attempts),
    fencingToken: Number(row.fencing_token),
    leaseExpiresAtMs: numOrNull(row.lease_expires_at_ms),
  };
  // Most jobs have none: NULL costs one comparison, and the field stays absent.
  if (row.trace_context !== null) Object.assign(job, traceContextOf(row));
  if (row.parents !== null) {
    f ??= new FieldReader();
    const parents = f.json<string[]>('parents', row.parents, parse, { absent: [], fallback: [], problem: stringArrayProblem });
    if (parents.length > 0) job.parents = parents;
  }
  if (f !== null && f.unreadable.length > 0) job.unreadable = f.unreadable;
  return job;
}

/** Claim order: priority descending, then runAtMs, then creation (RETURNING promises no order). */
export function byClaimOrder(a: Row, b: Row): number {
  return (b.priority as number) - (a.priority as number) || (a.run_at_ms as number) - (b.run_at_ms as number) || (a.seq as number) - (b.seq as number);
}

/** Reservation order: runAtMs, then creation. */
export function byRunAt(a: Row, b: Row): number {
  return (a.run_at_ms as number) - (b.run_at_ms as number) || (a.seq as number) - (b.seq as number);
}
