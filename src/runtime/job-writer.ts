import { defaultMaxAhead } from '../domain/fire-plan.ts';
import { newJobRecord, snapshotOf, type JobRecord, type NewJob } from '../domain/job.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import type { Store, WriteOptions } from '../store/store.ts';
import { jitterOffsetMs } from '../triggers/next-fire.ts';
import type { SchedulerEventEmitter } from './events.ts';
import { produce, withTraceContext, type Instrumentation } from './instrumentation.ts';
import type { BackfillResult } from './schedule-backfill.ts';
import type { SchedulerInputs } from './scheduler-inputs.ts';

export interface JobWriterContext {
  store: Store;
  inputs: SchedulerInputs;
  events: SchedulerEventEmitter;
  instrumentation: Instrumentation | null;
  /** New work for this node's loop. */
  wake(): void;
}

/**
 * The Scheduler's writes that create jobs — enqueues and flows, a schedule's manual fire, a
 * backfill — each in one store call, traced by the instrumentation, announced by events. The
 * Scheduler checks its inputs first (scheduler-inputs.ts).
 */
export class JobWriter {
  readonly #ctx: JobWriterContext;

  constructor(ctx: JobWriterContext) {
    this.#ctx = ctx;
  }

  /** Creates checked jobs (an enqueue, a flow) and answers their records. */
  async enqueue(initial: NewJob[], options: WriteOptions): Promise<JobRecord[]> {
    const { store, events } = this.#ctx;
    let jobs = initial;
    const produced = () => ({ kind: 'enqueue', task: jobs[0]?.task ?? '', count: jobs.length, scheduleId: null }) as const;
    const results = await produce(this.#ctx.instrumentation, produced, (traceContext) => {
      if (traceContext !== null) jobs = jobs.map((job) => withTraceContext(job, traceContext));
      return store.enqueueJobs(jobs, options);
    });
    // A created job with parents comes back with the status the store gave it (waiting, mostly).
    const records = results.map((result, i) => result.job ?? newJobRecord(jobs[i]!));
    // Inside a caller's transaction the jobs are not visible yet: the store's notification (sent
    // at commit) wakes the nodes, and `job.enqueued` would announce a job that may be rolled back.
    if (options.tx === undefined) {
      if (events.has('job.enqueued')) {
        results.forEach((result, i) => result.created && events.emit('job.enqueued', { job: snapshotOf(records[i]!) }));
      }
      this.#ctx.wake();
    }
    return records;
  }

  /** One job of the schedule now, with origin 'manual' (`Scheduler.trigger`). */
  async manualFire(schedule: ScheduleRecord, nowMs: number): Promise<JobRecord> {
    const { store, events } = this.#ctx;
    const untraced = this.#ctx.inputs.newJob(schedule.task, schedule.data, nowMs, { origin: 'manual', scheduleId: schedule.id, priority: schedule.priority, runAtMs: nowMs });
    let newJob = untraced;
    const [result] = await produce(this.#ctx.instrumentation, () => ({ kind: 'trigger', task: schedule.task, count: 1, scheduleId: schedule.id }), (traceContext) =>
      store.enqueueJobs([(newJob = withTraceContext(untraced, traceContext))]),
    );
    const job = result!.created ? newJobRecord(newJob) : result!.job;
    events.emit('schedule.fired', { scheduleId: schedule.id, fireAtMs: null, job: snapshotOf(job) });
    events.emit('job.enqueued', { job: snapshotOf(job) });
    this.#ctx.wake();
    return job;
  }

  /**
   * The schedule's active jobs, counted up to `atMost`: queued, running and failed ones, and
   * reserved ones already due (their node is starting them). Reserved fires not due yet are left
   * out (see `Scheduler.trigger`).
   */
  async activeJobsOf(scheduleId: string, atMost: number, nowMs: number): Promise<number> {
    const { store } = this.#ctx;
    const active = await store.listJobs({ scheduleId, status: ['queued', 'running', 'failed'], limit: atMost });
    if (active.length >= atMost) return active.length;
    // A node reserves at most `defaultMaxAhead` fires of a schedule ahead, so this sees the due ones.
    const reserved = await store.listJobs({ scheduleId, status: 'reserved', limit: atMost + defaultMaxAhead });
    return Math.min(atMost, active.length + reserved.filter((job) => job.runAtMs <= nowMs).length);
  }

  /** Creates the schedule's past fires at `fires` (see `Scheduler.backfill`), each once. */
  async backfill(schedule: ScheduleRecord, fires: readonly number[], nowMs: number): Promise<BackfillResult> {
    if (fires.length === 0) return { created: 0, existing: 0 };
    const { store, events } = this.#ctx;
    const id = schedule.id;
    // The same run time as the live fire would have had (see jobForFire in schedule-firer.ts).
    const jitterMs = schedule.trigger.type === 'date' ? 0 : schedule.trigger.jitterMs;
    let jobs: NewJob[] = fires.map((fireAtMs) => ({
      ...this.#ctx.inputs.newJob(schedule.task, schedule.data, nowMs, {
        origin: 'schedule',
        scheduleId: id,
        priority: schedule.priority,
        runAtMs: fireAtMs + jitterOffsetMs(id, fireAtMs, jitterMs),
      }),
      fireAtMs,
    }));
    const produced = () => ({ kind: 'schedule', task: schedule.task, count: jobs.length, scheduleId: id }) as const;
    const results = await produce(this.#ctx.instrumentation, produced, (traceContext) => {
      if (traceContext !== null) jobs = jobs.map((job) => withTraceContext(job, traceContext));
      return store.enqueueJobs(jobs);
    });
    let created = 0;
    results.forEach((result, i) => {
      if (!result.created) return;
      created++;
      if (!events.has('schedule.fired') && !events.has('job.enqueued')) return;
      const job = snapshotOf(newJobRecord(jobs[i]!));
      events.emit('schedule.fired', { scheduleId: id, fireAtMs: jobs[i]!.fireAtMs, job });
      events.emit('job.enqueued', { job });
    });
    if (created > 0) this.#ctx.wake();
    return { created, existing: results.length - created };
  }
}
