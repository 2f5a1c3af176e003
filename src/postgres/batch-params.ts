import type { NewJob } from '../domain/job.ts';
import type { CompleteJobRequest, ReleaseScheduleRequest } from '../store/store.ts';

// The batch writes send their rows as one jsonb array (read by jsonb_to_recordset), each row
// with its position `i` so results come back in request order. Keys are the column names.

function jobRow(job: NewJob, i: number): Record<string, unknown> {
  return {
    i,
    id: job.id,
    task: job.task,
    data: job.data,
    origin: job.origin,
    schedule_id: job.scheduleId,
    fire_at_ms: job.fireAtMs,
    priority: job.priority,
    run_at_ms: job.runAtMs,
    created_at_ms: job.createdAtMs,
    max_attempts: job.maxAttempts,
    dedupe_key: job.dedupeKey,
  };
}

export function newJobParams(jobs: readonly NewJob[]): string {
  return JSON.stringify(jobs.map(jobRow));
}

/** The completeJobs rows: what each completion writes (see the `complete` statement). */
export function completionParams(requests: readonly CompleteJobRequest[]): string {
  return JSON.stringify(
    requests.map((request, i) => {
      const { completion } = request;
      const row: Record<string, unknown> = {
        i,
        job_id: request.jobId,
        fencing_token: request.fencingToken,
        now_ms: request.nowMs,
        kind: completion.status,
        end_schedule: request.endSchedule === true,
      };
      switch (completion.status) {
        case 'succeeded':
          return { ...row, result: completion.result ?? null, outcome: 'succeeded' };
        case 'retry':
          return { ...row, error: completion.error, retry_at_ms: completion.retryAtMs, outcome: completion.attemptOutcome ?? 'failed' };
        case 'dead':
          return { ...row, error: completion.error, outcome: completion.attemptOutcome ?? 'failed' };
        case 'cancelled':
          return { ...row, error: completion.error, outcome: 'cancelled' };
        case 'released':
          return { ...row, outcome: 'interrupted' };
      }
    }),
  );
}

/** The releaseSchedules rows, and their jobs (each with `ri`, the index of its release). */
export function releaseParams(requests: readonly ReleaseScheduleRequest[]): { releases: string; jobs: string } {
  const releases = requests.map((request, i) => ({
    i,
    schedule_id: request.scheduleId,
    lease_token: request.leaseToken,
    now_ms: request.nowMs,
    next_fire_at_ms: request.nextFireAtMs,
    last_fire_at_ms: request.lastFireAtMs,
    skipped: request.skipped,
    missed: request.missed,
    is_end: request.end,
  }));
  const jobs = requests.flatMap((request, ri) => request.jobs.map((job, i) => ({ ri, ...jobRow(job, i) })));
  return { releases: JSON.stringify(releases), jobs: JSON.stringify(jobs) };
}
