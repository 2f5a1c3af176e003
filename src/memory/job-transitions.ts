import type { JsonValue } from '../domain/json.ts';
import { isFinalJobStatus } from '../domain/job.ts';
import type { AttemptOutcome, JobError, JobRecord, JobStatus } from '../domain/job.ts';
import type { ClaimedJob, CompleteJobRequest, LeaseRenewal, RenewLeasesRequest } from '../store/store.ts';
import type { JobTable, StoredJob } from './job-table.ts';

// The job state changes of the hot path, on MemoryStore's JobTable: claim, reserve, start,
// renew and complete (see the Store contract for what each must do). Each runs synchronously to
// its end, which makes it atomic.

/** A job as a claim answers it (a copy: the caller never shares state with the store). */
export function claimedOf(job: JobRecord): ClaimedJob {
  return {
    id: job.id,
    task: job.task,
    data: structuredClone(job.data),
    origin: job.origin,
    scheduleId: job.scheduleId,
    fireAtMs: job.fireAtMs,
    priority: job.priority,
    runAtMs: job.runAtMs,
    createdAtMs: job.createdAtMs,
    dedupeKey: job.dedupeKey,
    status: job.status === 'running' || job.status === 'reserved' ? job.status : 'queued',
    attempt: job.status === 'running' ? job.attempt : job.attempt + 1,
    maxAttempts: job.maxAttempts,
    fencingToken: job.fencingToken,
    leaseExpiresAtMs: job.leaseExpiresAtMs,
    ...(job.traceContext === undefined ? {} : { traceContext: job.traceContext }),
    ...(job.parents === undefined ? {} : { parents: [...job.parents] }),
  };
}

/** Makes a claimable job running under a new fencing token: its attempt starts at `nowMs`. */
export function startClaimed(jobs: JobTable, stored: StoredJob, nodeId: string, nowMs: number, leaseMs: number): void {
  const job = stored.record;
  job.fencingToken += 1;
  job.leaseOwner = nodeId;
  job.leaseExpiresAtMs = nowMs + leaseMs;
  beginAttempt(job, nowMs);
  job.updatedAtMs = nowMs;
  jobs.setStatus(stored, 'running');
}

/** Makes a claimable job reserved by `nodeId` under a new fencing token, its lease counting from its runAtMs. */
export function reserve(jobs: JobTable, stored: StoredJob, nodeId: string, nowMs: number, leaseMs: number): void {
  const job = stored.record;
  job.fencingToken += 1;
  job.leaseOwner = nodeId;
  job.leaseExpiresAtMs = job.runAtMs + leaseMs;
  job.updatedAtMs = nowMs;
  jobs.setStatus(stored, 'reserved');
}

/** A reserved job its node started: running, its attempt counted from `startedAtMs`. */
function startReserved(jobs: JobTable, stored: StoredJob, startedAtMs: number, leaseExpiresAtMs: number): void {
  const job = stored.record;
  beginAttempt(job, startedAtMs);
  job.leaseExpiresAtMs = leaseExpiresAtMs;
  jobs.setStatus(stored, 'running');
}

function beginAttempt(job: JobRecord, startedAtMs: number): void {
  job.attempt += 1;
  job.startedAtMs ??= startedAtMs;
  job.attempts.push({
    attempt: job.attempt,
    nodeId: job.leaseOwner ?? '',
    fencingToken: job.fencingToken,
    startedAtMs,
    finishedAtMs: null,
    outcome: 'running',
    error: null,
  });
}

function heldBy(job: JobRecord | undefined, nodeId: string | null, fencingToken: number): boolean {
  return (
    job !== undefined &&
    (job.status === 'running' || job.status === 'reserved') &&
    job.fencingToken === fencingToken &&
    (nodeId === null || job.leaseOwner === nodeId)
  );
}

export function renew(jobs: JobTable, request: RenewLeasesRequest): LeaseRenewal[] {
  const { nodeId, nowMs, leaseMs } = request;
  return request.leases.map(({ jobId, fencingToken, startedAtMs }) => {
    const stored = jobs.get(jobId);
    const job = stored?.record;
    if (!stored || !job) return { jobId, held: false, cancelRequested: false };
    if (!heldBy(job, nodeId, fencingToken)) return { jobId, held: false, cancelRequested: job.cancelRequested };
    if (job.status === 'reserved' && startedAtMs !== undefined) {
      startReserved(jobs, stored, startedAtMs, nowMs + leaseMs);
      job.updatedAtMs = nowMs; // the change feed shows the start
    } else jobs.setLeaseExpiry(stored, job.status === 'reserved' ? Math.max(nowMs, job.runAtMs) + leaseMs : nowMs + leaseMs);
    return { jobId, held: true, cancelRequested: job.cancelRequested };
  });
}

/**
 * Applies one completion; false when the job is not held under the request's fencing token.
 * `onDiscard` deletes a discarded fire and counts it on its schedule (the store owns both).
 */
export function complete(jobs: JobTable, request: CompleteJobRequest, onDiscard: (stored: StoredJob, countAs: 'skipped' | 'missed') => void): boolean {
  const { jobId, fencingToken, nowMs, completion } = request;
  const stored = jobs.get(jobId);
  const job = stored?.record;
  if (!stored || !job || !heldBy(job, null, fencingToken)) return false;
  if (completion.status === 'discarded') {
    onDiscard(stored, completion.countAs);
    return true;
  }
  const wasReserved = job.status === 'reserved';
  if (wasReserved && (completion.status === 'released' || completion.status === 'deferred')) {
    // Given back before it started: queued again at its own instant (or the deferral's), no attempt to close.
    if (completion.status === 'deferred') job.runAtMs = completion.runAtMs;
    job.leaseOwner = null;
    job.leaseExpiresAtMs = null;
    job.updatedAtMs = nowMs;
    jobs.setStatus(stored, 'queued');
    return true;
  }
  if (wasReserved) startReserved(jobs, stored, request.startedAtMs ?? nowMs, nowMs);
  if (completion.status === 'deferred') {
    // Its handler never started: the attempt is taken back, as if never claimed (but the fencing token).
    job.attempts.pop();
    job.attempt -= 1;
    job.runAtMs = completion.runAtMs;
    job.leaseOwner = null;
    job.leaseExpiresAtMs = null;
    job.updatedAtMs = nowMs;
    jobs.setStatus(stored, 'queued');
    return true;
  }
  let status: JobStatus;
  let outcome: AttemptOutcome;
  let attemptError: JobError | null = null;
  switch (completion.status) {
    case 'succeeded':
      status = 'succeeded';
      outcome = 'succeeded';
      job.result = structuredClone(completion.result) as JsonValue | null;
      job.error = null;
      break;
    case 'retry':
      status = 'failed';
      outcome = completion.attemptOutcome ?? 'failed';
      attemptError = completion.error;
      job.runAtMs = completion.retryAtMs;
      break;
    case 'dead':
      status = 'dead';
      outcome = completion.attemptOutcome ?? 'failed';
      attemptError = completion.error;
      break;
    case 'cancelled':
      status = 'cancelled';
      outcome = 'cancelled';
      attemptError = completion.error;
      break;
    case 'released':
      status = 'queued';
      outcome = 'interrupted';
      job.runAtMs = nowMs;
      job.attempt -= 1;
      break;
  }
  if (attemptError !== null) job.error = structuredClone(attemptError);
  const last = job.attempts.at(-1);
  if (last) {
    last.finishedAtMs = nowMs;
    last.outcome = outcome;
    last.error = attemptError === null ? null : structuredClone(attemptError);
  }
  job.leaseOwner = null;
  job.leaseExpiresAtMs = null;
  job.updatedAtMs = nowMs;
  if (isFinalJobStatus(status)) job.finishedAtMs = nowMs;
  jobs.setStatus(stored, status);
  return true;
}
