import type { JobSnapshot, SchedulerEventName, SchedulerEvents } from '../../index.ts';
import { describeError, shortId } from '../format-records.ts';
import { formatClockTime, formatLocalTime, formatRelative, formatSpan } from '../format-time.ts';

/** The events the demo prints, in the order a job meets them. */
export const demoEventNames = [
  'schedule.fired',
  'schedule.missed',
  'schedule.skipped',
  'schedule.ended',
  'job.enqueued',
  'job.started',
  'job.succeeded',
  'job.failed',
  'job.dead',
  'job.cancelled',
  'job.released',
  'lease.expired',
  'lease.lost',
] as const satisfies readonly SchedulerEventName[];

export type DemoEventName = (typeof demoEventNames)[number];

/**
 * One readable line for an event: time, event, task, short job id, attempt, and what happens next.
 * Null for events the demo does not show (`job.enqueued` of a schedule's fire: `schedule.fired` says it).
 *
 * @example
 * // 07:01:05.123  job.failed      flaky-sync  job 1a2b3c4d  attempt 1/3  Error: … — retry at 07:01:06 (in 1s)
 */
export function formatEventLine<E extends DemoEventName>(event: E, payload: SchedulerEvents[E], nowMs: number): string | null {
  const line = (task: string, detail: string) => `${formatClockTime(nowMs)}  ${event.padEnd(16)}${task.padEnd(12)}${detail}`.trimEnd();
  const jobPart = (job: JobSnapshot) => `job ${shortId(job.id)}  attempt ${job.attempt}/${job.maxAttempts}`;
  const p = payload as SchedulerEvents[DemoEventName];
  switch (event) {
    case 'schedule.fired': {
      const { job, fireAtMs, scheduleId } = p as SchedulerEvents['schedule.fired'];
      const when = fireAtMs === null ? 'triggered by hand' : `fire of ${formatLocalTime(fireAtMs).slice(11)}`;
      return line(job.task, `job ${shortId(job.id)}  schedule ${scheduleId} (${when})`);
    }
    case 'schedule.missed': {
      const { scheduleId, fireAtMs, reason } = p as SchedulerEvents['schedule.missed'];
      return line('', `schedule ${scheduleId}: ${fireAtMs.length} fire(s) missed (${reason})`);
    }
    case 'schedule.skipped': {
      const { scheduleId, fireAtMs, activeJobs, maxRunning } = p as SchedulerEvents['schedule.skipped'];
      return line('', `schedule ${scheduleId}: ${fireAtMs.length} fire(s) skipped (${activeJobs} active, maxRunning ${maxRunning})`);
    }
    case 'schedule.ended': {
      const { scheduleId, reason } = p as SchedulerEvents['schedule.ended'];
      return line('', `schedule ${scheduleId} ended (${reason})`);
    }
    case 'job.enqueued': {
      const { job } = p as SchedulerEvents['job.enqueued'];
      if (job.origin !== 'enqueue') return null;
      return line(job.task, `job ${shortId(job.id)}  on demand, runs ${formatRelative(job.runAtMs, nowMs)}`);
    }
    case 'job.started': {
      const { job } = p as SchedulerEvents['job.started'];
      return line(job.task, jobPart(job));
    }
    case 'job.succeeded': {
      const { job, durationMs } = p as SchedulerEvents['job.succeeded'];
      return line(job.task, `${jobPart(job)}  in ${formatSpan(durationMs)}`);
    }
    case 'job.failed': {
      const { job, error, retryAtMs } = p as SchedulerEvents['job.failed'];
      const retryAt = `retry at ${formatClockTime(retryAtMs)} (${formatRelative(retryAtMs, nowMs)})`;
      return line(job.task, `${jobPart(job)}  ${describeError(error)} — ${retryAt}`);
    }
    case 'job.dead': {
      const { job, error } = p as SchedulerEvents['job.dead'];
      return line(job.task, `${jobPart(job)}  ${describeError(error)} — no attempt left`);
    }
    case 'job.cancelled':
    case 'job.released': {
      const { job } = p as SchedulerEvents['job.cancelled'];
      return line(job.task, jobPart(job));
    }
    case 'lease.expired': {
      const { job, previousOwner } = p as SchedulerEvents['lease.expired'];
      return line(job.task, `${jobPart(job)}  node ${previousOwner ?? '?'} stopped renewing its lease`);
    }
    case 'lease.lost': {
      const { jobId, fencingToken } = p as SchedulerEvents['lease.lost'];
      return line('', `job ${shortId(jobId)}  lease lost (token ${fencingToken}); handler aborted`);
    }
  }
  return null;
}
