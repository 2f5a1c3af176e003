import { missedTotal, planFires } from '../domain/fire-plan.ts';
import { newId } from '../domain/ids.ts';
import type { NewJob } from '../domain/job.ts';
import { defaultRetryPolicy } from '../domain/retry.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import type { Store } from '../store/store.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import type { Clock } from '../time/clock.ts';
import { jitterOffsetMs } from '../triggers/next-fire.ts';
import type { SchedulerEventEmitter } from './events.ts';

export interface ScheduleFirerContext {
  store: Store;
  clock: Clock;
  nodeId: string;
  registry: TaskRegistry;
  events: SchedulerEventEmitter;
  /** How long this node may hold a schedule while it computes its fires. */
  scheduleLeaseMs: number;
  batchSize: number;
}

/**
 * One pass over the due schedules: lease them, decide their fires with the pure `planFires`, and
 * release them with the jobs to create. The lease token makes a slow node's late release a no-op,
 * and the store's (schedule, fire time) uniqueness makes a fire create at most one job.
 * Returns how many schedules were handled.
 */
export async function fireDueSchedules(ctx: ScheduleFirerContext): Promise<number> {
  const nowMs = ctx.clock.now();
  const acquired = await ctx.store.acquireDueSchedules({
    nodeId: ctx.nodeId,
    nowMs,
    leaseMs: ctx.scheduleLeaseMs,
    limit: ctx.batchSize,
  });
  for (const { schedule, leaseToken, activeJobs } of acquired) {
    const plan = planFires({ schedule, nowMs, activeJobs });
    const jobs = plan.run.map((fireAtMs) => jobForFire(ctx, schedule, fireAtMs, nowMs));
    const result = await ctx.store.releaseSchedule({
      scheduleId: schedule.id,
      leaseToken,
      nowMs,
      nextFireAtMs: plan.nextFireAtMs,
      lastFireAtMs: plan.lastFireAtMs,
      jobs,
      skipped: plan.skipped.length,
      missed: missedTotal(plan),
      end: plan.end,
    });
    if (!result.released) continue; // our lease ran out mid-way; the next holder redoes it
    for (const job of result.created) {
      ctx.events.emit('schedule.fired', { scheduleId: schedule.id, fireAtMs: job.fireAtMs, job });
      ctx.events.emit('job.enqueued', { job });
    }
    if (plan.missed.length > 0) {
      ctx.events.emit('schedule.missed', { scheduleId: schedule.id, fireAtMs: plan.missed, reason: 'misfire-grace' });
    }
    if (plan.coalesced.length > 0) {
      ctx.events.emit('schedule.missed', { scheduleId: schedule.id, fireAtMs: plan.coalesced, reason: 'coalesced' });
    }
    if (plan.skipped.length > 0) {
      ctx.events.emit('schedule.skipped', {
        scheduleId: schedule.id,
        fireAtMs: plan.skipped,
        activeJobs,
        maxRunning: schedule.maxRunning ?? Number.POSITIVE_INFINITY,
      });
    }
    if (plan.end) ctx.events.emit('schedule.ended', { scheduleId: schedule.id, reason: 'trigger-exhausted' });
  }
  return acquired.length;
}

function jobForFire(ctx: ScheduleFirerContext, schedule: ScheduleRecord, fireAtMs: number, nowMs: number): NewJob {
  return {
    id: newId(nowMs),
    task: schedule.task,
    data: schedule.data,
    origin: 'schedule',
    scheduleId: schedule.id,
    fireAtMs,
    priority: schedule.priority,
    runAtMs: fireAtMs + jitterOffsetMs(schedule.id, fireAtMs, schedule.trigger.type === 'date' ? 0 : schedule.trigger.jitterMs),
    maxAttempts: ctx.registry.get(schedule.task)?.retry.attempts ?? defaultRetryPolicy.attempts,
    dedupeKey: null,
    createdAtMs: nowMs,
  };
}
