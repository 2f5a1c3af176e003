import type { JobRecord } from '../domain/job.ts';
import { retryDelayMs, type RetryPolicy } from '../domain/retry.ts';
import {
  JobCancelledError,
  JobTimeoutError,
  NonRetryableError,
  PayloadValidationError,
  ShutdownError,
  StopScheduleSignal,
  UnknownTaskError,
} from '../errors.ts';
import type { JobCompletion } from '../store/store.ts';
import { toJobError } from './job-error.ts';

export interface AttemptFailure {
  /** What the handler threw, or the abort reason that ended it. */
  error: unknown;
  /** The attempt that ended and how many the job may have. */
  job: Pick<JobRecord, 'attempt' | 'maxAttempts'>;
  /** The task's policy; null when the task is unknown on this node. */
  policy: RetryPolicy | null;
  nowMs: number;
  random: () => number;
}

/**
 * Decides how an attempt that did not return normally ends. Pure: the same failure gives the
 * same decision on every node and every store.
 *
 * - StopScheduleSignal: the job succeeded and its schedule ends.
 * - JobCancelledError: cancelled. ShutdownError: released back to the queue.
 * - NonRetryableError, a payload that fails the schema, an unknown task: dead at once.
 * - anything else (timeouts included): retried after the policy's backoff while attempts remain, else dead.
 */
export function completionForFailure(failure: AttemptFailure): { completion: JobCompletion; endSchedule: boolean } {
  const { error, job } = failure;
  if (error instanceof StopScheduleSignal) return { completion: { status: 'succeeded', result: null }, endSchedule: true };
  if (error instanceof ShutdownError) return { completion: { status: 'released' }, endSchedule: false };
  const stored = toJobError(error);
  if (error instanceof JobCancelledError) return { completion: { status: 'cancelled', error: stored }, endSchedule: false };
  const attemptOutcome = error instanceof JobTimeoutError ? 'timed_out' : 'failed';
  const terminal =
    error instanceof NonRetryableError || error instanceof PayloadValidationError || error instanceof UnknownTaskError;
  if (terminal || job.attempt >= job.maxAttempts || failure.policy === null) {
    return { completion: { status: 'dead', error: stored, attemptOutcome }, endSchedule: false };
  }
  const delayMs = retryDelayMs(failure.policy, job.attempt, failure.random);
  return {
    completion: { status: 'retry', error: stored, retryAtMs: failure.nowMs + delayMs, attemptOutcome },
    endSchedule: false,
  };
}
