import { missedTotal, planFires, type FirePlan } from '../domain/fire-plan.ts';
import { newId } from '../domain/ids.ts';
import type { JobRecord, NewJob } from '../domain/job.ts';
import { defaultRetryPolicy } from '../domain/retry.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import type { AcquiredSchedule, ReleaseScheduleRequest, Store } from '../store/store.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import type { Clock } from '../time/clock.ts';
import { jitterOffsetMs } from '../triggers/next-fire.ts';
import type { SchedulerEventEmitter } from './events.ts';
import { corruptRecordError } from './quarantine.ts';

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
 * release them all in one store call with the jobs to create. The lease token makes a slow node's late release a no-op,
 * and the store's (schedule, fire time) uniqueness makes a fire create at most one job.
 * Returns how many schedules were handled.
 */
export async function fireDueSchedules(ctx: ScheduleFirerContext): Promise<number> {
  const nowMs = ctx.clock.now();
  const leased = await ctx.store.acquireDueSchedules({
    nodeId: ctx.nodeId,
    nowMs,
    leaseMs: ctx.scheduleLeaseMs,
    limit: ctx.batchSize,
  });
  const acquired = leased.filter(({ schedule }) => schedule.unreadable === undefined);
  await quarantineSchedules(ctx, leased, nowMs);
  const plans = acquired.map(({ schedule, activeJobs }) => ({ schedule, activeJobs, plan: planFires({ schedule, nowMs, activeJobs }) }));
  const results = await ctx.store.releaseSchedules(
    acquired.map(({ schedule, leaseToken }, index) => {
      const { plan } = plans[index]!;
      return {
        scheduleId: schedule.id,
        leaseToken,
        nowMs,
        nextFireAtMs: plan.nextFireAtMs,
        lastFireAtMs: plan.lastFireAtMs,
        jobs: plan.run.map((fireAtMs) => jobForFire(ctx, schedule, fireAtMs, nowMs)),
        skipped: plan.skipped.length,
        missed: missedTotal(plan),
        end: plan.end,
      };
    }),
  );
  results.forEach((result, index) => {
    // Not released: our lease ran out mid-way, and the next holder redoes the work.
    if (result.released) emitFireEvents(ctx, plans[index]!, result.created);
  });
  return leased.length;
}

/**
 * Pauses the leased schedules whose record could not be decoded: they are never planned (their
 * trigger or payload is a stand-in), and a paused schedule is not acquired again. The damaged
 * fields stay as they were, for an operator to inspect; the lease is given back with the fire
 * times unchanged (unless those are what cannot be read: then it runs out), so that scheduling
 * the id again — which replaces the definition and repairs it — takes effect at once.
 */
async function quarantineSchedules(ctx: ScheduleFirerContext, leased: readonly AcquiredSchedule[], nowMs: number): Promise<void> {
  const releases: ReleaseScheduleRequest[] = [];
  for (const { schedule, leaseToken } of leased) {
    if (schedule.unreadable === undefined) continue;
    const error = corruptRecordError('schedule', schedule.id, schedule.unreadable);
    await ctx.store.updateSchedule(schedule.id, { paused: true }, nowMs);
    ctx.events.emit('record.quarantined', { kind: 'schedule', id: schedule.id, unreadable: schedule.unreadable, error });
    if (schedule.unreadable.some(({ field }) => field === 'nextFireAtMs' || field === 'lastFireAtMs')) continue;
    releases.push({
      scheduleId: schedule.id,
      leaseToken,
      nowMs,
      nextFireAtMs: schedule.nextFireAtMs,
      lastFireAtMs: schedule.lastFireAtMs,
      jobs: [],
      skipped: 0,
      missed: 0,
      end: false,
    });
  }
  if (releases.length > 0) await ctx.store.releaseSchedules(releases);
}

function emitFireEvents(
  ctx: ScheduleFirerContext,
  { schedule, activeJobs, plan }: { schedule: ScheduleRecord; activeJobs: number; plan: FirePlan },
  created: readonly JobRecord[],
): void {
  for (const job of created) {
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
