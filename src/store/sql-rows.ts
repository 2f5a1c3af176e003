import { parentFailurePolicies, type JobAttempt, type JobError, type JobOrigin, type JobRecord, type JobStatus, type ParentFailurePolicy } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import type { NodeRecord } from '../domain/node.ts';
import { jobAttemptsProblem, jobErrorProblem, jobStatusProblem, oneOfProblem, stringArrayProblem, triggerProblem } from '../domain/record-shapes.ts';
import { defaultCatchUpLimit, overlapPolicies, type CoalescePolicy, type OverlapPolicy, type ScheduleRecord } from '../domain/schedule.ts';
import type { TriggerSpec } from '../domain/trigger.ts';
import { FieldReader } from './field-reader.ts';
import type { LeaderRecord } from './leadership-types.ts';

/**
 * The SQL stores (SQLite, PostgreSQL) share one table layout, so a row maps to a record the same
 * way (but for where the attempt under way is kept); only their drivers hand over JSON and
 * booleans differently (text and 0/1 from node:sqlite, parsed values from pg). Numbers may
 * arrive as strings (pg's bigint). A field that cannot be decoded never fails the read: it gets a
 * stand-in and is named in the record's `unreadable` (see FieldReader).
 */
export type SqlRow = Record<string, unknown>;

export interface SqlValueDecoder {
  /** A JSON column's value (not NULL); may throw on text that is not JSON. */
  json(value: unknown): unknown;
  bool(value: unknown): boolean;
}

const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Stands in for a trigger that cannot be read; a schedule holding it is quarantined, never planned. */
const unreadableTrigger: TriggerSpec = { type: 'date', runAtMs: 0 };
const origins = ['schedule', 'manual', 'enqueue'] as const;
const coalescePolicies = ['latest', 'earliest', 'all'] as const;

export function sqlRowToSchedule(row: SqlRow, decode: SqlValueDecoder): ScheduleRecord {
  const f = new FieldReader();
  return f.finish<ScheduleRecord>({
    id: String(row.id),
    task: String(row.task),
    data: f.json<JsonValue>('data', row.data, decode.json, { absent: null, fallback: null }),
    trigger: f.json<TriggerSpec>('trigger', row.trigger_spec, decode.json, {
      absent: unreadableTrigger,
      fallback: unreadableTrigger,
      problem: triggerProblem,
    }),
    priority: f.number('priority', row.priority),
    maxRunning: f.numberOrNull('maxRunning', row.max_running),
    misfireGraceMs: f.numberOrNull('misfireGraceMs', row.misfire_grace_ms),
    coalesce: f.text<CoalescePolicy>('coalesce', row.coalesce_policy, oneOfProblem(coalescePolicies), 'latest'),
    // Absent only from a row read without the column (a schema before SQLite 8 / PostgreSQL 11).
    catchUpLimit: f.number('catchUpLimit', row.catch_up_limit ?? defaultCatchUpLimit, defaultCatchUpLimit),
    // Absent only from a row read without the column (a schema before SQLite 9 / PostgreSQL 12).
    overlap: f.text<OverlapPolicy>('overlap', row.overlap_policy ?? 'skip', oneOfProblem(overlapPolicies), 'skip'),
    paused: decode.bool(row.paused),
    nextFireAtMs: f.numberOrNull('nextFireAtMs', row.next_fire_at_ms),
    lastFireAtMs: f.numberOrNull('lastFireAtMs', row.last_fire_at_ms),
    createdAtMs: f.number('createdAtMs', row.created_at_ms),
    updatedAtMs: f.number('updatedAtMs', row.updated_at_ms),
    leaseOwner: strOrNull(row.lease_owner),
    leaseExpiresAtMs: f.numberOrNull('leaseExpiresAtMs', row.lease_expires_at_ms),
    leaseToken: f.number('leaseToken', row.lease_token),
    firedCount: f.number('firedCount', row.fired_count),
    skippedCount: f.number('skippedCount', row.skipped_count),
    missedCount: f.number('missedCount', row.missed_count),
    ...traceContextOf(row),
  });
}

export function sqlRowToJob(row: SqlRow, decode: SqlValueDecoder): JobRecord {
  const f = new FieldReader();
  const attempts = [
    ...f.json<JobAttempt[]>('attempts', row.attempts, decode.json, { absent: [], fallback: [], problem: jobAttemptsProblem }),
  ];
  const status = f.text<JobStatus>('status', row.status, jobStatusProblem, 'dead');
  const attempt = f.number('attempt', row.attempt);
  const fencingToken = f.number('fencingToken', row.fencing_token);
  // PostgreSQL keeps the attempt under way in columns (schema 4), SQLite in `attempts` itself.
  if (row.attempt_started_at_ms !== undefined && row.attempt_started_at_ms !== null && status === 'running') {
    attempts.push({
      attempt,
      nodeId: String(row.lease_owner ?? ''),
      fencingToken,
      startedAtMs: f.number('attempts', row.attempt_started_at_ms),
      finishedAtMs: null,
      outcome: 'running',
      error: null,
    });
  }
  return f.finish<JobRecord>({
    id: String(row.id),
    task: String(row.task),
    data: f.json<JsonValue>('data', row.data, decode.json, { absent: null, fallback: null }),
    origin: f.text<JobOrigin>('origin', row.origin, oneOfProblem(origins), 'enqueue'),
    scheduleId: strOrNull(row.schedule_id),
    fireAtMs: f.numberOrNull('fireAtMs', row.fire_at_ms),
    status,
    priority: f.number('priority', row.priority),
    runAtMs: f.number('runAtMs', row.run_at_ms),
    createdAtMs: f.number('createdAtMs', row.created_at_ms),
    updatedAtMs: f.number('updatedAtMs', row.updated_at_ms),
    startedAtMs: f.numberOrNull('startedAtMs', row.started_at_ms),
    finishedAtMs: f.numberOrNull('finishedAtMs', row.finished_at_ms),
    attempt,
    maxAttempts: f.number('maxAttempts', row.max_attempts),
    dedupeKey: strOrNull(row.dedupe_key),
    leaseOwner: strOrNull(row.lease_owner),
    leaseExpiresAtMs: f.numberOrNull('leaseExpiresAtMs', row.lease_expires_at_ms),
    fencingToken,
    cancelRequested: decode.bool(row.cancel_requested),
    result: f.json<JsonValue>('result', row.result, decode.json, { absent: null, fallback: null }),
    error: f.json<JobError | null>('error', row.error, decode.json, { absent: null, fallback: null, problem: jobErrorProblem }),
    attempts,
    ...traceContextOf(row),
  });
}

/** A node's record; one whose task (or event) list cannot be read lists none (nodes are rewritten every few seconds). */
export function sqlRowToNode(row: SqlRow, decode: SqlValueDecoder): NodeRecord {
  const f = new FieldReader();
  return {
    id: String(row.id),
    hostname: String(row.hostname),
    pid: f.number('pid', row.pid),
    roles: { schedules: decode.bool(row.role_schedules), jobs: decode.bool(row.role_jobs) },
    tasks: f.json<string[]>('tasks', row.tasks, decode.json, { absent: [], fallback: [], problem: stringArrayProblem }),
    concurrency: f.number('concurrency', row.concurrency),
    running: f.number('running', row.running),
    startedAtMs: f.number('startedAtMs', row.started_at_ms),
    lastSeenAtMs: f.number('lastSeenAtMs', row.last_seen_at_ms),
    version: String(row.version),
    // Absent on rows a node of an older version wrote: it listens to nothing.
    clusterEvents: f.json<string[]>('clusterEvents', row.cluster_events, decode.json, { absent: [], fallback: [], problem: stringArrayProblem }),
  };
}

const num = (value: unknown): number => Number(value);

/** The claim order (priority descending, runAtMs, creation), for RETURNING rows whose order SQL does not promise. */
export function sqlClaimOrder(a: SqlRow, b: SqlRow): number {
  return num(b.priority) - num(a.priority) || num(a.run_at_ms) - num(b.run_at_ms) || num(a.seq) - num(b.seq);
}

/** An election's row (`leaders` table, the same columns in SQLite and PostgreSQL). */
export function sqlRowToLeader(row: SqlRow): LeaderRecord {
  return {
    name: String(row.name),
    holder: row.holder === null || row.holder === undefined ? null : String(row.holder),
    term: Number(row.term),
    version: Number(row.version),
    acquiredAtMs: Number(row.acquired_at_ms),
    renewedAtMs: Number(row.renewed_at_ms),
    leaseMs: Number(row.lease_ms),
  };
}

/** `{ traceContext }` when the row has one (column `trace_context`), else nothing: the field is absent when none. */
export function traceContextOf(row: SqlRow): { traceContext?: string } {
  const value = row.trace_context;
  return typeof value === 'string' && value !== '' ? { traceContext: value } : {};
}

/**
 * A flow job's `parents` and `onParentFailure` added to its record (NULL columns, and absent
 * fields, for a job without parents). A damaged value is flagged `unreadable` like any other
 * field, so the job is quarantined rather than run; the stores resolve children through their
 * edge tables, never through this value.
 */
export function sqlWithParents(job: JobRecord, row: SqlRow, decode: SqlValueDecoder): JobRecord {
  if (row.parents === null || row.parents === undefined) return job;
  const f = new FieldReader();
  const parents = f.json<string[]>('parents', row.parents, decode.json, { absent: [], fallback: [], problem: stringArrayProblem });
  const onParentFailure = f.text<ParentFailurePolicy>('onParentFailure', row.on_parent_failure, oneOfProblem(parentFailurePolicies), 'fail');
  const { unreadable, ...fields } = job;
  const all = [...(unreadable ?? []), ...f.unreadable];
  return { ...fields, parents, onParentFailure, ...(all.length > 0 ? { unreadable: all } : {}) };
}
