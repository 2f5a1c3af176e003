import type { JobAttempt, JobError, JobOrigin, JobRecord, JobStatus } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { CoalescePolicy, ScheduleRecord } from '../domain/schedule.ts';
import type { TriggerSpec } from '../domain/trigger.ts';

/**
 * The SQL stores (SQLite, PostgreSQL) share one table layout, so a row maps to a record the same
 * way (but for where the attempt under way is kept); only their drivers hand over JSON and
 * booleans differently (text and 0/1 from node:sqlite, parsed values from pg). Numbers may
 * arrive as strings (pg's bigint): `Number` reads both.
 */
export type SqlRow = Record<string, unknown>;

export interface SqlValueDecoder {
  /** A JSON column's value; SQL NULL reads as null. */
  json<T>(value: unknown): T | null;
  bool(value: unknown): boolean;
}

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function sqlRowToSchedule(row: SqlRow, decode: SqlValueDecoder): ScheduleRecord {
  return {
    id: String(row.id),
    task: String(row.task),
    data: decode.json<JsonValue>(row.data),
    trigger: decode.json<TriggerSpec>(row.trigger_spec)!,
    priority: num(row.priority),
    maxRunning: numOrNull(row.max_running),
    misfireGraceMs: numOrNull(row.misfire_grace_ms),
    coalesce: String(row.coalesce_policy) as CoalescePolicy,
    paused: decode.bool(row.paused),
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

export function sqlRowToJob(row: SqlRow, decode: SqlValueDecoder): JobRecord {
  const attempts = decode.json<JobAttempt[]>(row.attempts) ?? [];
  // PostgreSQL keeps the attempt under way in columns (schema 4), SQLite in `attempts` itself.
  if (row.attempt_started_at_ms !== undefined && row.attempt_started_at_ms !== null && row.status === 'running') {
    attempts.push({
      attempt: num(row.attempt),
      nodeId: String(row.lease_owner ?? ''),
      fencingToken: num(row.fencing_token),
      startedAtMs: num(row.attempt_started_at_ms),
      finishedAtMs: null,
      outcome: 'running',
      error: null,
    });
  }
  return {
    id: String(row.id),
    task: String(row.task),
    data: decode.json<JsonValue>(row.data),
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
    cancelRequested: decode.bool(row.cancel_requested),
    result: decode.json<JsonValue>(row.result),
    error: decode.json<JobError>(row.error),
    attempts,
  };
}

export function sqlRowToNode(row: SqlRow, decode: SqlValueDecoder): NodeRecord {
  return {
    id: String(row.id),
    hostname: String(row.hostname),
    pid: num(row.pid),
    roles: { schedules: decode.bool(row.role_schedules), jobs: decode.bool(row.role_jobs) },
    tasks: decode.json<string[]>(row.tasks) ?? [],
    concurrency: num(row.concurrency),
    running: num(row.running),
    startedAtMs: num(row.started_at_ms),
    lastSeenAtMs: num(row.last_seen_at_ms),
    version: String(row.version),
  };
}

/** The claim order (priority descending, runAtMs, creation), for RETURNING rows whose order SQL does not promise. */
export function sqlClaimOrder(a: SqlRow, b: SqlRow): number {
  return num(b.priority) - num(a.priority) || num(a.run_at_ms) - num(b.run_at_ms) || num(a.seq) - num(b.seq);
}
