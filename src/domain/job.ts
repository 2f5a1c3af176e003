import type { UnreadableField } from './unreadable.ts';
import type { JsonValue } from './json.ts';

/**
 * Where a job is in its life.
 *
 * - `waiting`: it has parents (`NewJob.parents`) that have not all finished. Not claimable, and
 *   outside the claim index: it becomes queued (or dead/cancelled, by its `onParentFailure`) when
 *   its parents finish (see `Store.completeJobs`).
 * - `queued`: waiting for its `runAtMs`, then claimable.
 * - `reserved`: claimed by a node ahead of its `runAtMs` (a schedule's fire within the node's
 *   look-ahead, or a delayed job); the node starts it from a local timer at that instant. It
 *   counts as active (for `maxRunning`), and becomes running when its node reports the start.
 * - `running`: claimed by a node that holds its lease.
 * - `failed`: an attempt failed and a retry is planned at `runAtMs`; claimable again when due
 *   (the next claim is the retry).
 * - `succeeded`, `dead` (no attempt left, non-retryable error, unknown task), `cancelled`: final.
 */
export type JobStatus = 'waiting' | 'queued' | 'reserved' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

/** Every `JobStatus`, in lifecycle order (for validation, filters and UIs). */
export const jobStatuses = ['waiting', 'queued', 'reserved', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const satisfies readonly JobStatus[];

/** Statuses a job never leaves (but for an operator's explicit retry of a dead job). */
export const finalJobStatuses = ['succeeded', 'dead', 'cancelled'] as const satisfies readonly JobStatus[];

/** Statuses that count as "still active" for a schedule's `maxRunning` overlap check. */
export const activeJobStatuses = ['queued', 'reserved', 'running', 'failed'] as const satisfies readonly JobStatus[];

export function isFinalJobStatus(status: JobStatus): boolean {
  return (finalJobStatuses as readonly JobStatus[]).includes(status);
}

/**
 * What a job with parents becomes when one of them ends dead or cancelled:
 * - `fail` (default): dead at once, with a `ParentFailedError` error naming the parent.
 * - `cancel`: cancelled at once, with the same error.
 * - `ignore`: it still waits for its other parents and then runs (it sees the failed parent's
 *   status among its parents).
 * When every parent succeeded (or, with `ignore`, finished) the job becomes queued.
 */
export type ParentFailurePolicy = 'fail' | 'ignore' | 'cancel';

export const parentFailurePolicies = ['fail', 'ignore', 'cancel'] as const satisfies readonly ParentFailurePolicy[];

/** The `name` of the error a job gets when a parent's failure ends it (`onParentFailure` fail or cancel). */
export const parentFailedErrorName = 'ParentFailedError';

/** How the job came to be: a schedule's fire, an operator's "trigger now" of a schedule, or `enqueue`. */
export type JobOrigin = 'schedule' | 'manual' | 'enqueue';

/** An error as stored: plain data, never an `Error` instance. */
export interface JobError {
  name: string;
  message: string;
  code?: string | undefined;
  stack?: string | undefined;
}

/** How one attempt ended. `running` while it is under way. */
export type AttemptOutcome =
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'lease_expired'
  | 'interrupted';

/** One attempt of a job: who ran it, under which fencing token, when, and how it ended. */
export interface JobAttempt {
  attempt: number;
  nodeId: string;
  fencingToken: number;
  startedAtMs: number;
  finishedAtMs: number | null;
  outcome: AttemptOutcome;
  error: JobError | null;
}

/** A job as a store holds it. Every store returns exactly this shape. */
export interface JobRecord {
  id: string;
  task: string;
  data: JsonValue;
  origin: JobOrigin;
  /** The schedule that fired it (`origin` schedule or manual), else null. */
  scheduleId: string | null;
  /** The nominal fire time for a schedule's fire (unique per schedule), else null. */
  fireAtMs: number | null;
  status: JobStatus;
  /** Higher runs first. Default 0. */
  priority: number;
  /** Not claimable before this instant (first run, or the planned retry). */
  runAtMs: number;
  createdAtMs: number;
  updatedAtMs: number;
  /** When the first attempt started. */
  startedAtMs: number | null;
  /** When the job reached a final status. */
  finishedAtMs: number | null;
  /** Attempts started so far (1 during the first run). */
  attempt: number;
  /** Attempts allowed in all, including the first. */
  maxAttempts: number;
  /** While a non-final job with this key exists, enqueueing the same key returns it instead. */
  dedupeKey: string | null;
  leaseOwner: string | null;
  leaseExpiresAtMs: number | null;
  /** Bumped on every claim: a write under an older token is refused (fencing). 0 before the first claim. */
  fencingToken: number;
  /** An operator asked to cancel this running job; its node aborts the handler at the next heartbeat. */
  cancelRequested: boolean;
  result: JsonValue | null;
  /** The last attempt's error, if it failed. */
  error: JobError | null;
  attempts: JobAttempt[];
  /** The trace context it was made in (`NewJob.traceContext`); absent when none. */
  traceContext?: string;
  /** The jobs it waited for (`NewJob.parents`), in the given order; absent when none. */
  parents?: string[];
  /** With `parents`: what a parent's failure does to it. Absent when it has no parents. */
  onParentFailure?: ParentFailurePolicy;
  /**
   * Present only when the store could not decode some fields (they hold stand-ins): the job is
   * quarantined — dead-lettered with `CorruptRecordError` — instead of being run.
   */
  unreadable?: UnreadableField[];
}

/** What a store needs to create a job. The core fills every field; the store adds the rest. */
export interface NewJob {
  id: string;
  task: string;
  data: JsonValue;
  origin: JobOrigin;
  scheduleId: string | null;
  fireAtMs: number | null;
  priority: number;
  runAtMs: number;
  maxAttempts: number;
  dedupeKey: string | null;
  createdAtMs: number;
  /**
   * Where the job was made in a distributed trace (W3C `traceparent`, then a line break and
   * `tracestate` when there is one), so that its attempts' spans link to it on whichever node
   * runs them. Opaque to the store, at most 2,048 characters; absent or null: none.
   */
  traceContext?: string | null;
  /**
   * Jobs that must finish before this one may run (a flow's edges): ids of stored jobs or of jobs
   * earlier in the same `enqueueJobs` batch, at most 100, no duplicates. Absent, null or empty:
   * none. The store creates the job `waiting` while any parent is unfinished.
   */
  parents?: readonly string[] | null;
  /** With `parents`: see `ParentFailurePolicy`. @defaultValue 'fail' */
  onParentFailure?: ParentFailurePolicy | null;
}

/** The record of a job `Store.enqueueJobs` created as given: queued, no attempt yet. */
export function newJobRecord(job: NewJob): JobRecord {
  return {
    id: job.id,
    task: job.task,
    data: job.data,
    origin: job.origin,
    scheduleId: job.scheduleId,
    fireAtMs: job.fireAtMs,
    status: 'queued',
    priority: job.priority,
    runAtMs: job.runAtMs,
    createdAtMs: job.createdAtMs,
    updatedAtMs: job.createdAtMs,
    startedAtMs: null,
    finishedAtMs: null,
    attempt: 0,
    maxAttempts: job.maxAttempts,
    dedupeKey: job.dedupeKey,
    leaseOwner: null,
    leaseExpiresAtMs: null,
    fencingToken: 0,
    cancelRequested: false,
    result: null,
    error: null,
    attempts: [],
    ...(job.traceContext ? { traceContext: job.traceContext } : {}),
    ...(job.parents && job.parents.length > 0 ? { parents: [...job.parents], onParentFailure: job.onParentFailure ?? 'fail' } : {}),
  };
}

/**
 * A job as an event describes it: what the emitting node knew of it at that moment (a claim's
 * fields and the attempt's outcome), without the attempt history — read the job from the store
 * (`scheduler.getJob(id)`) for that.
 */
export interface JobSnapshot {
  id: string;
  task: string;
  data: JsonValue;
  origin: JobOrigin;
  scheduleId: string | null;
  fireAtMs: number | null;
  status: JobStatus;
  priority: number;
  runAtMs: number;
  createdAtMs: number;
  dedupeKey: string | null;
  /** The attempt this event is about (0 for a job not started yet). */
  attempt: number;
  maxAttempts: number;
  fencingToken: number;
  /** The node that holds (or held) the job for this attempt; null when none does. */
  nodeId: string | null;
  /** When this attempt started, if it did. */
  startedAtMs: number | null;
  /** When the job reached a final status, if it did. */
  finishedAtMs: number | null;
  result: JsonValue | null;
  error: JobError | null;
}

/** The snapshot of a full record (events about jobs read from the store). */
export function snapshotOf(job: JobRecord): JobSnapshot {
  const last = job.attempts.at(-1);
  return {
    id: job.id,
    task: job.task,
    data: job.data,
    origin: job.origin,
    scheduleId: job.scheduleId,
    fireAtMs: job.fireAtMs,
    status: job.status,
    priority: job.priority,
    runAtMs: job.runAtMs,
    createdAtMs: job.createdAtMs,
    dedupeKey: job.dedupeKey,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    fencingToken: job.fencingToken,
    nodeId: job.leaseOwner ?? last?.nodeId ?? null,
    startedAtMs: last?.startedAtMs ?? null,
    finishedAtMs: job.finishedAtMs,
    result: job.result,
    error: job.error,
  };
}
