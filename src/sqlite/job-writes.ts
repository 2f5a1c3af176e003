import type { SQLInputValue } from 'node:sqlite';
import type { JobRecord, NewJob } from '../domain/job.ts';
import type { CompleteJobRequest, ReleaseScheduleRequest, ReleaseScheduleResult } from '../store/store.ts';
import { rowToJob } from './row-mapping.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

// The parameter objects of the job writes: a new job's row, and which completion statement ends
// an attempt with which values.

/** The insertJob parameters for a new job. */
export function newJobParams(job: NewJob): Record<string, SQLInputValue> {
  return {
    id: job.id,
    task: job.task,
    data: JSON.stringify(job.data),
    origin: job.origin,
    scheduleId: job.scheduleId,
    fireAtMs: job.fireAtMs,
    priority: job.priority,
    runAtMs: job.runAtMs,
    createdAtMs: job.createdAtMs,
    maxAttempts: job.maxAttempts,
    dedupeKey: job.dedupeKey,
  };
}

/** Runs the completion statement for `request`; undefined when the fencing guard refused it. */
export function runCompletion(s: Statements, request: CompleteJobRequest): Row | undefined {
  const { jobId, fencingToken, nowMs, completion } = request;
  const guard = { jobId, fencingToken, nowMs };
  switch (completion.status) {
    case 'succeeded':
      return s.completeSucceeded.get({ ...guard, result: JSON.stringify(completion.result ?? null), outcome: 'succeeded' }) as Row | undefined;
    case 'retry':
      return s.completeRetry.get({
        ...guard,
        retryAtMs: completion.retryAtMs,
        error: JSON.stringify(completion.error),
        outcome: completion.attemptOutcome ?? 'failed',
      }) as Row | undefined;
    case 'dead':
      return s.completeFinal.get({
        ...guard,
        status: 'dead',
        error: JSON.stringify(completion.error),
        outcome: completion.attemptOutcome ?? 'failed',
      }) as Row | undefined;
    case 'cancelled':
      return s.completeFinal.get({ ...guard, status: 'cancelled', error: JSON.stringify(completion.error), outcome: 'cancelled' }) as
        | Row
        | undefined;
    case 'released':
      return s.completeReleased.get({ ...guard, outcome: 'interrupted' }) as Row | undefined;
  }
}

/** Applies one schedule release inside the caller's transaction (see Store.releaseSchedules). */
export function releaseOne(s: Statements, request: ReleaseScheduleRequest): ReleaseScheduleResult {
  const refused = { scheduleId: request.scheduleId, released: false, created: [] };
  const current = s.scheduleLeaseToken.get(request.scheduleId) as Row | undefined;
  if (!current || Number(current.lease_token) !== request.leaseToken) return refused;
  const created: JobRecord[] = [];
  for (const job of request.jobs) {
    const row = s.insertJob.get(newJobParams(job)) as Row | undefined;
    if (row) created.push(rowToJob(row));
  }
  if (request.end) {
    s.removeSchedule.run(request.scheduleId);
  } else {
    s.releaseSchedule.run({
      id: request.scheduleId,
      nextFireAtMs: request.nextFireAtMs,
      lastFireAtMs: request.lastFireAtMs,
      fired: created.length,
      skipped: request.skipped,
      missed: request.missed,
      nowMs: request.nowMs,
    });
  }
  return { scheduleId: request.scheduleId, released: true, created };
}
