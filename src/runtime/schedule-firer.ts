import { missedTotal, planFires, type FirePlan } from '../domain/fire-plan.ts';
import { newId } from '../domain/ids.ts';
import { snapshotOf, type JobSnapshot, type NewJob } from '../domain/job.ts';
import { defaultRetryPolicy } from '../domain/retry.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import type { AcquiredSchedule, ClaimedJob, ReleaseScheduleRequest, Store } from '../store/store.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import type { Clock } from '../time/clock.ts';
import { jitterOffsetMs } from '../triggers/next-fire.ts';
import { toError, type SchedulerEventEmitter } from './events.ts';
import type { FirePolicy } from './held-job.ts';
import { bufferOverlapping, type OverlapOutcome } from './overlap-buffer.ts';
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
  /** The look-ahead: fires due within this long are reserved ahead (0: only due fires). */
  horizonMs: number;
  /**
   * When this node runs jobs: reserve the fires' jobs for it (it starts each at its instant),
   * with this job lease. Null: create them queued, for any node to claim.
   */
  reserveLeaseMs: number | null;
  /** How many more jobs this node may reserve now (its capacity left). */
  reservable: () => number;
  /**
   * How many jobs this node may hold reserved for one instant (null: no bound), and how many it
   * holds for an instant already: beside other nodes, a wave of fires is shared, not hoarded.
   */
  perInstant: () => number | null;
  reservedAt: (atMs: number) => number;
  /** Whether this node may reserve the task's fires (not a task with a gate). Absent: every task. */
  reservesTask?: (task: string) => boolean;
}

/** A job a firing pass created, reserved for this node, with the policies judged at its start. */
export interface FiredJob {
  claimed: ClaimedJob;
  fire: FirePolicy | null;
}

/**
 * One pass over the schedules due within the look-ahead: lease them, decide their fires with the
 * pure `planFires`, and release them all in one store call with the jobs to create — reserved for
 * this node when it runs jobs, so that no claim round trip stands between a fire and its start.
 * The lease token makes a slow node's late release a no-op, and the store's (schedule, fire time)
 * uniqueness makes a fire create at most one job. Returns the schedules handled and the jobs this
 * node now holds.
 *
 * A schedule whose overlap policy is not `skip` is planned without look-ahead (horizon 0): a fire
 * reserved ahead is judged again at its start, where it could only be discarded, never buffered.
 * Its due fires that `maxRunning` would skip are decided here, under its lease and before its
 * release (`bufferOverlapping`); the release counts those that got a job as fired (`buffered`).
 * `idle` counts the schedules leased within the look-ahead that had nothing to do yet.
 */
export async function fireDueSchedules(ctx: ScheduleFirerContext): Promise<{ handled: number; idle: number; reserved: FiredJob[] }> {
  const nowMs = ctx.clock.now();
  const reserving = ctx.reserveLeaseMs !== null;
  // A node that reserves looks ahead only as far as it has room for what it reserves.
  const horizonMs = reserving && ctx.reservable() > 0 ? ctx.horizonMs : 0;
  const leased = await ctx.store.acquireDueSchedules({
    nodeId: ctx.nodeId,
    nowMs,
    leaseMs: ctx.scheduleLeaseMs,
    limit: ctx.batchSize,
    ...(horizonMs > 0 ? { horizonMs } : {}),
  });
  const acquired = leased.filter(({ schedule }) => schedule.unreadable === undefined);
  await quarantineSchedules(ctx, leased, nowMs);
  const planned = acquired.map(({ schedule, activeJobs }) => ({
    schedule,
    activeJobs,
    plan: planFires({ schedule, nowMs, activeJobs, horizonMs: schedule.overlap === 'skip' ? horizonMs : 0 }),
  }));
  const overlaps = await Promise.all(planned.map(({ schedule, plan }) => applyOverlap(ctx, schedule, plan, nowMs)));
  const plans = planned.map((entry, index) => ({ ...entry, plan: overlaps[index]!.plan }));
  // Leased within the look-ahead but planned without it, not due yet: nothing done, no progress.
  const idle = plans.filter(({ plan }, index) => !plan.end && overlaps[index]!.buffered === 0 && plan.run.length + plan.ahead.length + plan.skipped.length + missedTotal(plan) === 0).length;
  // Fires beyond what this node may reserve are created queued, for any node to claim or reserve:
  // in all (`reservable`), and per instant (`perInstant`) when other nodes share the work.
  let room = reserving ? ctx.reservable() : 0;
  const perInstant = reserving ? ctx.perInstant() : null;
  const takenAt = new Map<number, number>();
  const fitsAt = (atMs: number) => perInstant === null || ctx.reservedAt(atMs) + (takenAt.get(atMs) ?? 0) < perInstant;
  const results = await ctx.store.releaseSchedules(
    acquired.map(({ schedule, leaseToken }, index): ReleaseScheduleRequest => {
      const { plan } = plans[index]!;
      const jobs = [...plan.run, ...plan.ahead].map((fireAtMs) => jobForFire(ctx, schedule, fireAtMs, nowMs));
      // Reserved only for a task this node runs (routing): another task's fires wait for its nodes.
      const reserve =
        ctx.reserveLeaseMs !== null &&
        jobs.length > 0 &&
        jobs.length <= room &&
        jobs.every((job) => fitsAt(job.runAtMs)) &&
        ctx.registry.get(schedule.task) !== undefined &&
        (ctx.reservesTask?.(schedule.task) ?? true);
      if (reserve) {
        room -= jobs.length;
        for (const job of jobs) takenAt.set(job.runAtMs, (takenAt.get(job.runAtMs) ?? 0) + 1);
      }
      return {
        scheduleId: schedule.id,
        leaseToken,
        nowMs,
        nextFireAtMs: plan.nextFireAtMs,
        lastFireAtMs: plan.lastFireAtMs,
        jobs,
        skipped: plan.skipped.length,
        missed: missedTotal(plan),
        ...(overlaps[index]!.buffered > 0 ? { buffered: overlaps[index]!.buffered } : {}),
        end: plan.end,
        ...(reserve ? { reserve: { nodeId: ctx.nodeId, leaseMs: ctx.reserveLeaseMs! } } : {}),
      };
    }),
  );
  const reserved: FiredJob[] = [];
  results.forEach((result, index) => {
    // Not released: our lease ran out mid-way, and the next holder redoes the work.
    if (!result.released) return;
    const { schedule, activeJobs, plan } = plans[index]!;
    const due = new Set(plan.run);
    for (const claimed of result.created) {
      if (claimed.status === 'queued') continue;
      // Due fires were judged now (their overlap against `activeJobs`); fires ahead are judged when
      // they come due, against what runs then.
      const ahead = claimed.fireAtMs !== null && !due.has(claimed.fireAtMs);
      reserved.push({
        claimed,
        fire: ahead ? { maxRunning: schedule.maxRunning, misfireGraceMs: schedule.misfireGraceMs, foreignActive: activeJobs } : null,
      });
    }
    emitFireEvents(ctx, { schedule, activeJobs, plan }, result.created);
    emitBufferedEvents(ctx, schedule, overlaps[index]!);
  });
  return { handled: leased.length, idle, reserved };
}

/**
 * The schedule's overlap policy applied to the fires its plan skipped (see `bufferOverlapping`).
 * A store call that fails leaves them skipped, as under `skip`, and is reported.
 */
async function applyOverlap(ctx: ScheduleFirerContext, schedule: ScheduleRecord, plan: FirePlan, nowMs: number): Promise<OverlapOutcome> {
  try {
    return await bufferOverlapping({ store: ctx.store, jobForFire: (s, fireAtMs, atMs) => jobForFire(ctx, s, fireAtMs, atMs) }, schedule, plan, nowMs);
  } catch (error) {
    ctx.events.emit('error', { error: toError(error), during: `buffering the overlapping fires of schedule ${schedule.id}` });
    return { plan, buffered: 0, created: [] };
  }
}

function emitBufferedEvents(ctx: ScheduleFirerContext, schedule: ScheduleRecord, { created }: OverlapOutcome): void {
  for (const record of created) {
    const job = snapshotOf(record);
    ctx.events.emit('schedule.fired', { scheduleId: schedule.id, fireAtMs: record.fireAtMs, job });
    ctx.events.emit('job.enqueued', { job });
  }
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
  created: readonly ClaimedJob[],
): void {
  const { events } = ctx;
  if (events.has('schedule.fired') || events.has('job.enqueued')) {
    for (const claimed of created) {
      const job = snapshotOfCreated(claimed, ctx.nodeId);
      events.emit('schedule.fired', { scheduleId: schedule.id, fireAtMs: claimed.fireAtMs, job });
      events.emit('job.enqueued', { job });
    }
  }
  if (plan.missed.length > 0) {
    events.emit('schedule.missed', { scheduleId: schedule.id, task: schedule.task, fireAtMs: plan.missed, reason: 'misfire-grace' });
  }
  if (plan.coalesced.length > 0) {
    events.emit('schedule.missed', { scheduleId: schedule.id, task: schedule.task, fireAtMs: plan.coalesced, reason: 'coalesced' });
  }
  if (plan.skipped.length > 0) {
    events.emit('schedule.skipped', {
      scheduleId: schedule.id,
      task: schedule.task,
      fireAtMs: plan.skipped,
      activeJobs,
      maxRunning: schedule.maxRunning ?? Number.POSITIVE_INFINITY,
    });
  }
  if (plan.end) events.emit('schedule.ended', { scheduleId: schedule.id, reason: 'trigger-exhausted' });
}

/** A job a release just created, as events describe it (queued, or reserved by this node). */
export function snapshotOfCreated(claimed: ClaimedJob, nodeId: string): JobSnapshot {
  const queued = claimed.status === 'queued';
  return {
    id: claimed.id,
    task: claimed.task,
    data: claimed.data,
    origin: claimed.origin,
    scheduleId: claimed.scheduleId,
    fireAtMs: claimed.fireAtMs,
    status: claimed.status,
    priority: claimed.priority,
    runAtMs: claimed.runAtMs,
    createdAtMs: claimed.createdAtMs,
    dedupeKey: claimed.dedupeKey,
    attempt: claimed.status === 'running' ? claimed.attempt : claimed.attempt - 1,
    maxAttempts: claimed.maxAttempts,
    fencingToken: claimed.fencingToken,
    nodeId: queued ? null : nodeId,
    startedAtMs: null,
    finishedAtMs: null,
    result: null,
    error: null,
  };
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
    // Its attempts' spans link to where the schedule was written.
    ...(schedule.traceContext === undefined ? {} : { traceContext: schedule.traceContext }),
  };
}
