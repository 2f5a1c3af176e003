import type { UnreadableField } from './unreadable.ts';
import type { JsonValue } from './json.ts';

/**
 * Where a job is in its life.
 *
 * - `queued`: waiting for its `runAtMs`, then claimable.
 * - `running`: claimed by a node that holds its lease.
 * - `failed`: an attempt failed and a retry is planned at `runAtMs`; claimable again when due
 *   (the next claim is the retry).
 * - `succeeded`, `dead` (no attempt left, non-retryable error, unknown task), `cancelled`: final.
 */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const satisfies readonly JobStatus[];

/** Statuses a job never leaves (but for an operator's explicit retry of a dead job). */
export const finalJobStatuses = ['succeeded', 'dead', 'cancelled'] as const satisfies readonly JobStatus[];

/** Statuses that count as "still active" for a schedule's `maxRunning` overlap check. */
export const activeJobStatuses = ['queued', 'running', 'failed'] as const satisfies readonly JobStatus[];

export function isFinalJobStatus(status: JobStatus): boolean {
  return (finalJobStatuses as readonly JobStatus[]).includes(status);
}

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
}
