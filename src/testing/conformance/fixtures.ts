import type { NewJob } from '../../domain/job.ts';
import type { ScheduleWrite } from '../../domain/schedule.ts';
import type { JobRecord } from '../../domain/job.ts';
import { completeJob } from '../../store/single-calls.ts';
import type { CompleteJobRequest, EnqueueResult, ReleaseScheduleRequest, Store } from '../../store/store.ts';

/** The suite's fixed base time. Every instant is passed to the store as `nowMs`: no test reads a clock. */
export const t0 = Date.UTC(2026, 0, 1);

/** Every task the suite's jobs use: the suite's claims take any of them (see the routing tests for the filter itself). */
export const suiteTasks: readonly string[] = ['task-a', 'task-b', 'x', 'y', 'send-mail'];

/** Default lease length used throughout the suite. */
export const leaseMs = 30_000;

/** A job as `enqueue` would create it, with neutral defaults; override what the test is about. */
export function newJob(id: string, overrides: Partial<NewJob> = {}): NewJob {
  return {
    id,
    task: 'task-a',
    data: { n: 1 },
    origin: 'enqueue',
    scheduleId: null,
    fireAtMs: null,
    priority: 0,
    runAtMs: t0,
    maxAttempts: 3,
    dedupeKey: null,
    createdAtMs: t0,
    ...overrides,
  };
}

/** A job created by a schedule's fire at `fireAtMs` (runAtMs = fireAtMs, createdAtMs = t0). */
export function fireJob(id: string, scheduleId: string, fireAtMs: number, overrides: Partial<NewJob> = {}): NewJob {
  return newJob(id, { origin: 'schedule', scheduleId, fireAtMs, runAtMs: fireAtMs, ...overrides });
}

/** A schedule definition, due at t0 unless overridden. */
export function scheduleWrite(id: string, overrides: Partial<ScheduleWrite> = {}): ScheduleWrite {
  return {
    id,
    task: 'task-a',
    data: { from: id },
    trigger: { type: 'interval', everyMs: 60_000, startAtMs: null, endAtMs: null, jitterMs: 0 },
    priority: 0,
    maxRunning: null,
    misfireGraceMs: null,
    coalesce: 'latest',
    paused: false,
    nextFireAtMs: t0,
    nowMs: t0 - 60_000,
    ...overrides,
  };
}

/** A release that changes nothing but the lease, unless overridden. */
export function releaseRequest(
  scheduleId: string,
  leaseToken: number,
  overrides: Partial<ReleaseScheduleRequest> = {},
): ReleaseScheduleRequest {
  return {
    scheduleId,
    leaseToken,
    nowMs: t0,
    nextFireAtMs: t0 + 60_000,
    lastFireAtMs: t0,
    jobs: [],
    skipped: 0,
    missed: 0,
    end: false,
    ...overrides,
  };
}

/** Completes one job (throws `LeaseLostError` when refused) and reads it back from the store. */
export async function completeAndRead(store: Store, request: CompleteJobRequest): Promise<JobRecord> {
  await completeJob(store, request);
  const job = await store.getJob(request.jobId);
  if (!job) throw new Error(`job ${request.jobId} is gone after its completion`);
  return job;
}

/** Each enqueue result as [id of the job that stands, created?]: the given job's id when created, else the existing one's. */
export function enqueued(jobs: ReadonlyArray<{ id: string }>, results: readonly EnqueueResult[]): Array<[string, boolean]> {
  return results.map((result, i) => (result.created ? [jobs[i]!.id, true] : [result.job.id, false]));
}
