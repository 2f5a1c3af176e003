import type { JobRecord } from '../domain/job.ts';
import { InvalidJobStateError } from '../errors.ts';
import type { JobTable } from './job-table.ts';
import { resolveChildren } from './job-parents.ts';

// An operator's controls over one job on MemoryStore's JobTable: cancel and retry (see
// `Store.cancelJob` and `Store.retryJob`). Each runs synchronously to its end, so atomically.

/** `Store.cancelJob`: the record after the change (the store's own: the caller copies it), or null. */
export function cancelJob(jobs: JobTable, request: { jobId: string; nowMs: number; reason: string }): JobRecord | null {
  const stored = jobs.get(request.jobId);
  if (!stored) return null;
  const job = stored.record;
  const notStarted = job.status === 'waiting' || job.status === 'queued' || job.status === 'failed';
  if (notStarted || (job.status === 'reserved' && job.runAtMs > request.nowMs)) {
    job.leaseOwner = null;
    job.leaseExpiresAtMs = null;
    job.finishedAtMs = request.nowMs;
    job.updatedAtMs = request.nowMs;
    job.error = { name: 'JobCancelledError', message: request.reason };
    jobs.setStatus(stored, 'cancelled');
    resolveChildren(jobs, stored, request.nowMs);
  } else if ((job.status === 'running' || job.status === 'reserved') && !job.cancelRequested) {
    job.cancelRequested = true;
    job.updatedAtMs = request.nowMs;
  }
  return job;
}

/**
 * `Store.retryJob`: a dead or cancelled job queued again for one more try. Its parents are not
 * looked at again (an operator's call), nor the children it resolved.
 */
export function retryJob(jobs: JobTable, request: { jobId: string; nowMs: number }): JobRecord | null {
  const stored = jobs.get(request.jobId);
  if (!stored) return null;
  const job = stored.record;
  if (job.status !== 'dead' && job.status !== 'cancelled') {
    throw new InvalidJobStateError(`Job ${job.id} is ${job.status}: only a dead or cancelled job can be retried`);
  }
  job.runAtMs = request.nowMs;
  job.maxAttempts = job.attempt + 1;
  job.finishedAtMs = null;
  job.cancelRequested = false;
  job.updatedAtMs = request.nowMs;
  jobs.setStatus(stored, 'queued');
  return job;
}
