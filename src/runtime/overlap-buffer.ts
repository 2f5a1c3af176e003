import type { FirePlan } from '../domain/fire-plan.ts';
import { activeJobStatuses, newJobRecord, type JobRecord, type NewJob } from '../domain/job.ts';
import { planOverlap } from '../domain/overlap-plan.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import type { Store } from '../store/store.ts';

/** The reason a `cancelOther` fire gives the jobs it cancels. */
export const overlapCancelReason = 'overlap: cancelled by a newer fire';

/** Most of a schedule's active and buffered jobs read for one decision. */
const listLimit = 1_000;

export interface OverlapBufferContext {
  store: Store;
  /** The job a fire of the schedule gets (as a release would create it). */
  jobForFire: (schedule: ScheduleRecord, fireAtMs: number, nowMs: number) => NewJob;
}

export interface OverlapOutcome {
  /** The plan to release: its `skipped` without the fires that got a buffered job. */
  plan: FirePlan;
  /** Fires that have their buffered job (created now, or by an earlier holder that did not release). */
  buffered: number;
  /** The buffered jobs created now. */
  created: JobRecord[];
}

/**
 * Applies the schedule's overlap policy to the fires its plan skipped, under the schedule's lease
 * and before its release: reads its active and buffered jobs (only when there are such fires and
 * the policy is not `skip` — no store call otherwise), cancels what `cancelOther` cancels, and
 * creates the buffered fires with `enqueueJobs` (each waiting for its parents, `onParentFailure`
 * ignore). A holder that dies between this and the release leaves the fires created; the next one
 * plans them again and the (scheduleId, fireAtMs) uniqueness keeps each once.
 */
export async function bufferOverlapping(ctx: OverlapBufferContext, schedule: ScheduleRecord, plan: FirePlan, nowMs: number): Promise<OverlapOutcome> {
  if (schedule.overlap === 'skip' || plan.skipped.length === 0) return { plan, buffered: 0, created: [] };
  const { store } = ctx;
  const jobs = await store.listJobs({ scheduleId: schedule.id, status: [...activeJobStatuses, 'waiting'], limit: listLimit });
  const active = jobs.filter((job) => job.status !== 'waiting');
  const buffered = jobs.filter((job) => job.status === 'waiting' && job.origin === 'schedule' && job.fireAtMs !== null);
  // A fire an earlier holder buffered before it died keeps its job (and its id, which later fires wait for).
  const existing = new Map(jobs.flatMap((job) => (job.fireAtMs === null ? [] : [[job.fireAtMs, job.id] as const])));
  const newJobs = new Map<number, NewJob>();
  const decision = planOverlap({
    overlap: schedule.overlap,
    coalesce: schedule.coalesce,
    skipped: plan.skipped,
    active,
    buffered,
    jobIdFor: (fireAtMs) => {
      const id = existing.get(fireAtMs);
      if (id !== undefined) return id;
      const job = ctx.jobForFire(schedule, fireAtMs, nowMs);
      newJobs.set(fireAtMs, job);
      return job.id;
    },
  });
  for (const jobId of decision.cancel) await store.cancelJob({ jobId, nowMs, reason: overlapCancelReason });
  if (decision.buffer.length === 0) return { plan: { ...plan, skipped: decision.skipped }, buffered: 0, created: [] };
  const toCreate = decision.buffer.flatMap(({ fireAtMs, parents }): NewJob[] => {
    const job = newJobs.get(fireAtMs);
    if (job === undefined) return [];
    return [parents.length === 0 ? job : { ...job, parents, onParentFailure: 'ignore' }];
  });
  const results = toCreate.length === 0 ? [] : await store.enqueueJobs(toCreate);
  const created = results.flatMap((result, i) => (result.created ? [result.job ?? newJobRecord(toCreate[i]!)] : []));
  return { plan: { ...plan, skipped: decision.skipped }, buffered: decision.buffer.length, created };
}
