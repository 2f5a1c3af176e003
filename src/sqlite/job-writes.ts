import type { SQLInputValue } from 'node:sqlite';
import type { NewJob } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import type { ClaimedJob, CompleteJobRequest, EnqueueResult, ReleaseScheduleRequest, ReleaseScheduleResult } from '../store/store.ts';
import { rowToJob } from './row-mapping.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';
import { dropReservations } from './schedule-writes.ts';
import { resolveChildren } from './flow-resolution.ts';

// The job writes of the hot path, each run inside the caller's transaction: create, complete,
// release a schedule with its fires.

/** How a new job is created: queued for any node, or reserved at once by the node that fired it. */
type Reservation = { nodeId: string; leaseMs: number; nowMs: number } | null;

/** The insertJob parameters for a new job (`data` already serialized). */
export function newJobParams(job: NewJob, data: string, reserve: Reservation): Record<string, SQLInputValue> {
  return {
    id: job.id,
    task: job.task,
    data,
    origin: job.origin,
    scheduleId: job.scheduleId,
    fireAtMs: job.fireAtMs,
    status: reserve ? 'reserved' : 'queued',
    priority: job.priority,
    runAtMs: job.runAtMs,
    createdAtMs: job.createdAtMs,
    updatedAtMs: reserve ? reserve.nowMs : job.createdAtMs,
    maxAttempts: job.maxAttempts,
    dedupeKey: job.dedupeKey,
    fencingToken: reserve ? 1 : 0,
    leaseOwner: reserve ? reserve.nodeId : null,
    leaseExpiresAtMs: reserve ? job.runAtMs + reserve.leaseMs : null,
    // An empty string counts as none.
    traceContext: job.traceContext || null,
  };
}

/**
 * Creates one job unless it is blocked (see Store.enqueueJobs): by a job of the same fire, by a
 * live job with its dedupe key, or by a job with its id (enqueueing the same id twice is idempotent).
 */
export function enqueueOne(s: Statements, job: NewJob): EnqueueResult {
  const existing = blockingJob(s, job);
  if (existing) return { created: false, job: rowToJob(existing) };
  if (Number(s.insertJob.run(newJobParams(job, JSON.stringify(job.data), null)).changes) === 1) return { created: true };
  return { created: false, job: rowToJob(s.getJob.get(job.id) as Row) };
}

/** The job of the same fire, or the live job with the same dedupe key, that blocks `job` (undefined: none). */
export function blockingJob(s: Statements, job: NewJob): Row | undefined {
  return (
    (job.fireAtMs !== null ? (s.jobByFire.get(job.scheduleId, job.fireAtMs) as Row | undefined) : undefined) ??
    (job.dedupeKey !== null ? (s.jobByDedupeKey.get(job.dedupeKey) as Row | undefined) : undefined)
  );
}

/** Applies one completion; false when the fencing guard refused it (nothing changed). */
export function runCompletion(s: Statements, request: CompleteJobRequest): boolean {
  const { jobId, fencingToken, nowMs, completion } = request;
  const startedAtMs = request.startedAtMs ?? nowMs;
  let changes: number | bigint;
  switch (completion.status) {
    case 'succeeded':
      changes = s.completeSucceeded.run({
        jobId,
        fencingToken,
        nowMs,
        startedAtMs,
        result: JSON.stringify(completion.result ?? null),
        outcome: 'succeeded',
      }).changes;
      break;
    case 'retry':
      changes = s.completeRetry.run({
        jobId,
        fencingToken,
        nowMs,
        startedAtMs,
        retryAtMs: completion.retryAtMs,
        error: JSON.stringify(completion.error),
        outcome: completion.attemptOutcome ?? 'failed',
      }).changes;
      break;
    case 'dead':
    case 'cancelled':
      changes = s.completeFinal.run({
        jobId,
        fencingToken,
        nowMs,
        startedAtMs,
        status: completion.status,
        error: JSON.stringify(completion.error),
        outcome: completion.status === 'dead' ? (completion.attemptOutcome ?? 'failed') : 'cancelled',
      }).changes;
      break;
    case 'released':
      changes = s.completeReleased.run({ jobId, fencingToken, nowMs, outcome: 'interrupted' }).changes;
      break;
    case 'deferred':
      changes = s.completeDeferred.run({ jobId, fencingToken, nowMs, runAtMs: completion.runAtMs }).changes;
      break;
    case 'discarded': {
      const row = s.discardJob.get({ jobId, fencingToken }) as Row | undefined;
      if (!row) return false;
      if (row.schedule_id !== null) {
        const skipped = completion.countAs === 'skipped' ? 1 : 0;
        s.countDiscardedFire.run({ id: String(row.schedule_id), skipped, missed: 1 - skipped });
      }
      return true;
    }
  }
  if (Number(changes) === 0) return false;
  const status = completion.status;
  if (status === 'succeeded' || status === 'dead' || status === 'cancelled') resolveChildren(s, jobId, status, nowMs);
  if (request.endSchedule) endScheduleOf(s, jobId, nowMs);
  return true;
}

/** The handler ended its schedule: deleted with its reservations not due yet. */
function endScheduleOf(s: Statements, jobId: string, nowMs: number): void {
  const scheduleId = (s.scheduleOfJob.get(jobId) as Row | undefined)?.schedule_id;
  if (scheduleId === null || scheduleId === undefined) return;
  dropReservations(s, String(scheduleId), nowMs);
  s.removeSchedule.run(String(scheduleId));
}

/** Applies one schedule release inside the caller's transaction (see Store.releaseSchedules). */
export function releaseOne(s: Statements, request: ReleaseScheduleRequest): ReleaseScheduleResult {
  const current = s.scheduleLeaseToken.get(request.scheduleId) as Row | undefined;
  if (!current || Number(current.lease_token) !== request.leaseToken) {
    return { scheduleId: request.scheduleId, released: false, created: [] };
  }
  const reserve = request.reserve ? { ...request.reserve, nowMs: request.nowMs } : null;
  const created: ClaimedJob[] = [];
  for (const job of request.jobs) {
    const data = JSON.stringify(job.data);
    // A fire that has its job already (or an id taken) is not created again.
    if (Number(s.insertJob.run(newJobParams(job, data, reserve)).changes) === 1) created.push(claimedOfNew(job, data, reserve));
  }
  if (request.end) {
    s.removeSchedule.run(request.scheduleId);
  } else {
    s.releaseSchedule.run({
      id: request.scheduleId,
      nextFireAtMs: request.nextFireAtMs,
      lastFireAtMs: request.lastFireAtMs,
      fired: created.length + (request.buffered ?? 0),
      skipped: request.skipped,
      missed: request.missed,
      nowMs: request.nowMs,
    });
  }
  return { scheduleId: request.scheduleId, released: true, created };
}

/** A job just created, as a claim answers it: built from what was written, not read back. */
function claimedOfNew(job: NewJob, data: string, reserve: Reservation): ClaimedJob {
  const claimed: ClaimedJob = {
    id: job.id,
    task: job.task,
    // Parsed from the stored text: a copy, and exactly what the store holds.
    data: JSON.parse(data) as JsonValue,
    origin: job.origin,
    scheduleId: job.scheduleId,
    fireAtMs: job.fireAtMs,
    priority: job.priority,
    runAtMs: job.runAtMs,
    createdAtMs: job.createdAtMs,
    dedupeKey: job.dedupeKey,
    status: reserve ? 'reserved' : 'queued',
    attempt: 1,
    maxAttempts: job.maxAttempts,
    fencingToken: reserve ? 1 : 0,
    leaseExpiresAtMs: reserve ? job.runAtMs + reserve.leaseMs : null,
  };
  if (job.traceContext) claimed.traceContext = job.traceContext;
  return claimed;
}
