import type { JobRecord, JobStatus } from '../domain/job.ts';
import { InvalidJobStateError } from '../errors.ts';
import { reopenChildren, resolveChildren } from './flow-resolution.ts';
import { rowToJob } from './row-mapping.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

// An operator's job controls, each run inside the caller's transaction.

/** Store.cancelJob: the record after the change, or null when no such job exists. */
export function cancelOne(s: Statements, request: { jobId: string; nowMs: number; reason: string }): JobRecord | null {
  const { jobId, nowMs } = request;
  const row = s.getJob.get(jobId) as Row | undefined;
  if (!row) return null;
  const status = String(row.status) as JobStatus;
  // A reservation not due yet cannot have started: cancelled at once, like a queued (or waiting) job.
  if (status === 'waiting' || status === 'queued' || status === 'failed' || (status === 'reserved' && Number(row.run_at_ms) > nowMs)) {
    const error = JSON.stringify({ name: 'JobCancelledError', message: request.reason, code: 'JOB_CANCELLED' });
    const cancelled = s.cancelPending.get({ jobId, nowMs, error }) as Row;
    resolveChildren(s, jobId, 'cancelled', nowMs);
    return rowToJob(cancelled);
  }
  if ((status === 'running' || status === 'reserved') && Number(row.cancel_requested) === 0) {
    return rowToJob(s.requestCancel.get({ jobId, nowMs }) as Row);
  }
  return rowToJob(row);
}

/**
 * Store.retryJob: a dead or cancelled job queued again. Its own parents are not looked at again;
 * the children still waiting for it count it as unfinished again (those it ended or released
 * stay as they are).
 */
export function retryOne(s: Statements, request: { jobId: string; nowMs: number }): JobRecord | null {
  const row = s.getJob.get(request.jobId) as Row | undefined;
  if (!row) return null;
  const status = String(row.status);
  if (status !== 'dead' && status !== 'cancelled') {
    throw new InvalidJobStateError(`Job ${request.jobId} is ${status}; only dead or cancelled jobs can be retried`);
  }
  const retried = rowToJob(s.retryJob.get({ jobId: request.jobId, nowMs: request.nowMs }) as Row);
  reopenChildren(s, request.jobId);
  return retried;
}
