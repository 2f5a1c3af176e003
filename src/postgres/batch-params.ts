import type { NewJob } from '../domain/job.ts';
import { defaultCatchUpLimit, type ScheduleWrite } from '../domain/schedule.ts';
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
    trace_context: traceContextParam(job.traceContext),
  };
}

/** A trace context as stored: null for none (absent, null or empty). */
const traceContextParam = (traceContext: string | null | undefined): string | null => (traceContext ? traceContext : null);

/**
 * The enqueue columns, one array each (read by unnest in one INSERT): a batch of any size is one
 * statement and one plan, and the server decodes no JSON but the payloads. The trace contexts
 * come last, as null rather than an array of nulls when no job of the batch has one (the usual
 * batch: enqueue_jobs pads a null array with NULLs).
 */
export function newJobArrays(jobs: readonly NewJob[]): unknown[] {
  const id: string[] = [], task: string[] = [], data: Array<string | null> = [], origin: string[] = [];
  const scheduleId: Array<string | null> = [], fireAtMs: Array<number | null> = [], priority: number[] = [];
  const runAtMs: number[] = [], createdAtMs: number[] = [], maxAttempts: number[] = [], dedupeKey: Array<string | null> = [];
  const traceContext: Array<string | null> = [];
  let traced = false;
  for (const job of jobs) {
    id.push(job.id);
    task.push(job.task);
    data.push(job.data === undefined ? null : JSON.stringify(job.data));
    origin.push(job.origin);
    scheduleId.push(job.scheduleId);
    fireAtMs.push(job.fireAtMs);
    priority.push(job.priority);
    runAtMs.push(job.runAtMs);
    createdAtMs.push(job.createdAtMs);
    maxAttempts.push(job.maxAttempts);
    dedupeKey.push(job.dedupeKey);
    const context = traceContextParam(job.traceContext);
    traceContext.push(context);
    if (context !== null) traced = true;
  }
  return [id, task, data, origin, scheduleId, fireAtMs, priority, runAtMs, createdAtMs, maxAttempts, dedupeKey, traced ? traceContext : null];
}

/** The upsert_schedules rows (see migrations/0006): one per write, in order. */
export function scheduleWriteParams(writes: readonly ScheduleWrite[]): string {
  return JSON.stringify(
    writes.map((write, i) => ({
      i,
      id: write.id,
      task: write.task,
      data: write.data,
      trigger_spec: write.trigger,
      priority: write.priority,
      max_running: write.maxRunning,
      misfire_grace_ms: write.misfireGraceMs,
      coalesce_policy: write.coalesce,
      catch_up_limit: write.catchUpLimit ?? defaultCatchUpLimit,
      overlap_policy: write.overlap ?? 'skip',
      paused: write.paused,
      next_fire_at_ms: write.nextFireAtMs,
      now_ms: write.nowMs,
      keep_next_fire: write.keepNextFire === true,
      trace_context: traceContextParam(write.traceContext),
    })),
  );
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
        started_at_ms: request.startedAtMs ?? null,
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
        case 'deferred':
          return { ...row, run_at_ms: completion.runAtMs };
        case 'discarded':
          return { ...row, count_as: completion.countAs };
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
    buffered: request.buffered ?? 0,
    is_end: request.end,
    reserve_node: request.reserve?.nodeId ?? null,
    reserve_lease_ms: request.reserve?.leaseMs ?? null,
  }));
  const jobs = requests.flatMap((request, ri) => request.jobs.map((job, i) => ({ ri, ...jobRow(job, i) })));
  return { releases: JSON.stringify(releases), jobs: JSON.stringify(jobs) };
}
