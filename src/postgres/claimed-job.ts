import type { JobOrigin } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import { stringArrayProblem } from '../domain/record-shapes.ts';
import type { UnreadableField } from '../domain/unreadable.ts';
import type { ClaimedJob } from '../store/store.ts';
import { traceContextOf } from '../store/sql-rows.ts';
import type { Row } from './row-mapping.ts';

// A claim's lean row (the `claimed_job` type of migrations/0006, with trace_context since 0009
// and parents since 0010) as the ClaimedJob the node runs. Only the handed-out columns are
// decoded; the server flags a damaged column it did not send (`unreadable`), so a damaged job is
// still quarantined rather than run.

const origins: readonly string[] = ['schedule', 'manual', 'enqueue'];

const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function rowToClaimed(row: Row): ClaimedJob {
  const status = row.status === 'running' || row.status === 'reserved' ? row.status : 'queued';
  const attempt = Number(row.attempt);
  const job: ClaimedJob = {
    id: String(row.id),
    task: String(row.task),
    data: (row.data ?? null) as JsonValue,
    origin: (origins.includes(row.origin as string) ? row.origin : 'enqueue') as JobOrigin,
    scheduleId: row.schedule_id === null || row.schedule_id === undefined ? null : String(row.schedule_id),
    fireAtMs: numOrNull(row.fire_at_ms),
    priority: Number(row.priority),
    runAtMs: Number(row.run_at_ms),
    createdAtMs: Number(row.created_at_ms),
    dedupeKey: row.dedupe_key === null || row.dedupe_key === undefined ? null : String(row.dedupe_key),
    status,
    // The attempt this claim runs: a running job's is under way, the others' starts with it.
    attempt: status === 'running' ? attempt : attempt + 1,
    maxAttempts: Number(row.max_attempts),
    fencingToken: Number(row.fencing_token),
    leaseExpiresAtMs: numOrNull(row.lease_expires_at_ms),
  };
  // Absent, not undefined, when the job has none (most jobs): decoded only when set.
  if (row.trace_context !== null && row.trace_context !== undefined) Object.assign(job, traceContextOf(row));
  const unreadable: UnreadableField[] = [];
  // Only a flow's jobs have parents (NULL otherwise): handed out, and checked, only then.
  if (row.parents !== null && row.parents !== undefined) {
    const problem = stringArrayProblem(row.parents);
    if (problem === null) job.parents = [...(row.parents as string[])];
    else unreadable.push({ field: 'parents', reason: problem });
  }
  if (!origins.includes(row.origin as string)) unreadable.push({ field: 'origin', reason: `expected one of ${origins.join(', ')}, got ${JSON.stringify(row.origin)}` });
  if (typeof row.unreadable === 'string') unreadable.push({ field: row.unreadable, reason: `the stored ${row.unreadable} has the wrong shape` });
  if (unreadable.length > 0) job.unreadable = unreadable;
  return job;
}

const num = (value: unknown): number => Number(value);

/**
 * A claim's order, for RETURNING rows whose order SQL does not promise: due jobs (running) first
 * by priority descending, runAtMs, creation; then reservations by runAtMs, creation.
 */
export function claimedRowOrder(a: Row, b: Row): number {
  const aheadA = a.status === 'reserved' ? 1 : 0;
  const aheadB = b.status === 'reserved' ? 1 : 0;
  if (aheadA !== aheadB) return aheadA - aheadB;
  return (aheadA === 0 ? num(b.priority) - num(a.priority) : 0) || num(a.run_at_ms) - num(b.run_at_ms) || num(a.seq) - num(b.seq);
}
