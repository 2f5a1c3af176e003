import type { JobAttempt, JobError, JobOrigin, JobRecord, JobStatus } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { CoalescePolicy, ScheduleRecord } from '../domain/schedule.ts';
import type { TriggerSpec } from '../domain/trigger.ts';

/**
 * A row as node-postgres returns it: bigint columns arrive as strings (int8 may exceed 2^53; ours
 * are epoch milliseconds and counters, which never do), jsonb already parsed, booleans as booleans.
 */
export type Row = Record<string, unknown>;

function num(value: unknown): number {
  return Number(value);
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** jsonb arrives parsed; a SQL NULL (no result, no error) is null. */
function json<T>(value: unknown): T {
  return (value ?? null) as T;
}

export function rowToSchedule(row: Row): ScheduleRecord {
  return {
    id: String(row.id),
    task: String(row.task),
    data: json<JsonValue>(row.data),
    trigger: json<TriggerSpec>(row.trigger_spec),
    priority: num(row.priority),
    maxRunning: numOrNull(row.max_running),
    misfireGraceMs: numOrNull(row.misfire_grace_ms),
    coalesce: String(row.coalesce_policy) as CoalescePolicy,
    paused: row.paused === true,
    nextFireAtMs: numOrNull(row.next_fire_at_ms),
    lastFireAtMs: numOrNull(row.last_fire_at_ms),
    createdAtMs: num(row.created_at_ms),
    updatedAtMs: num(row.updated_at_ms),
    leaseOwner: strOrNull(row.lease_owner),
    leaseExpiresAtMs: numOrNull(row.lease_expires_at_ms),
    leaseToken: num(row.lease_token),
    firedCount: num(row.fired_count),
    skippedCount: num(row.skipped_count),
    missedCount: num(row.missed_count),
  };
}

export function rowToJob(row: Row): JobRecord {
  return {
    id: String(row.id),
    task: String(row.task),
    data: json<JsonValue>(row.data),
    origin: String(row.origin) as JobOrigin,
    scheduleId: strOrNull(row.schedule_id),
    fireAtMs: numOrNull(row.fire_at_ms),
    status: String(row.status) as JobStatus,
    priority: num(row.priority),
    runAtMs: num(row.run_at_ms),
    createdAtMs: num(row.created_at_ms),
    updatedAtMs: num(row.updated_at_ms),
    startedAtMs: numOrNull(row.started_at_ms),
    finishedAtMs: numOrNull(row.finished_at_ms),
    attempt: num(row.attempt),
    maxAttempts: num(row.max_attempts),
    dedupeKey: strOrNull(row.dedupe_key),
    leaseOwner: strOrNull(row.lease_owner),
    leaseExpiresAtMs: numOrNull(row.lease_expires_at_ms),
    fencingToken: num(row.fencing_token),
    cancelRequested: row.cancel_requested === true,
    result: json<JsonValue | null>(row.result),
    error: json<JobError | null>(row.error),
    attempts: json<JobAttempt[]>(row.attempts),
  };
}

export function rowToNode(row: Row): NodeRecord {
  return {
    id: String(row.id),
    hostname: String(row.hostname),
    pid: num(row.pid),
    roles: { schedules: row.role_schedules === true, jobs: row.role_jobs === true },
    tasks: json<string[]>(row.tasks),
    concurrency: num(row.concurrency),
    running: num(row.running),
    startedAtMs: num(row.started_at_ms),
    lastSeenAtMs: num(row.last_seen_at_ms),
    version: String(row.version),
  };
}

/** The claim order (priority descending, runAtMs, creation), for RETURNING rows whose order PostgreSQL does not promise. */
export function claimOrder(a: Row, b: Row): number {
  return num(b.priority) - num(a.priority) || num(a.run_at_ms) - num(b.run_at_ms) || num(a.seq) - num(b.seq);
}
