import { JobCancelledError } from '../errors.ts';
import type { JobRecord } from '../domain/job.ts';
import type { ClaimedJob, CompleteJobRequest } from '../store/store.ts';
import type { ResolvedSchedulerOptions } from './scheduler-options.ts';
import { toError, type SchedulerEventEmitter } from './events.ts';
import type { CompletionBatcher } from './completion-batcher.ts';
import { HeldJob, type FirePolicy } from './held-job.ts';
import { executeJob, type JobExecutorContext } from './job-executor.ts';
import { toJobError } from './job-error.ts';
import { JobQueue } from './job-queue.ts';
import { ReservationWheel } from './reservation-wheel.ts';
import { startGate } from './start-gate.ts';

/**
 * A due job that has waited this long for a slot, while every slot is busy, is given back to the
 * queue for another node: a node must not sit on work other nodes could start (long jobs).
 */
const handBackAfterMs = 1_000;
/** Outcomes being written beyond which no more jobs are claimed (or twice concurrency + prefetch). */
const maxOutcomeBacklog = 1_000;

export interface JobSlotsContext {
  options: ResolvedSchedulerOptions;
  events: SchedulerEventEmitter;
  completions: CompletionBatcher;
  executor: JobExecutorContext;
  /** Whether the node still starts work (false once it stops). */
  accepting(): boolean;
  /** A slot freed: the loop may claim. */
  onSlotFreed(): void;
}

/**
 * The jobs one node holds, from claim or reservation to the write of their outcome: reserved
 * ones wait on the wheel for their instant, due ones in a queue for one of the `concurrency`
 * slots. A freed slot starts the next waiting job at once, without a store call or a loop round.
 */
export class JobSlots {
  /** Jobs whose handler runs now: each takes one slot. */
  readonly running = new Map<string, HeldJob>();
  /** Every job this node holds a lease on (reserved, waiting, running, writing). */
  readonly held = new Map<string, HeldJob>();
  readonly #waiting = new JobQueue();
  readonly #wheel: ReservationWheel;
  /** Running (or writing) jobs per schedule on this node: the overlap check at a fire's start. */
  readonly #activeBySchedule = new Map<string, number>();
  /** Held jobs per schedule on this node (any state): what of a schedule's active jobs are not another node's. */
  readonly #heldBySchedule = new Map<string, number>();
  readonly #ctx: JobSlotsContext;

  constructor(ctx: JobSlotsContext) {
    this.#ctx = ctx;
    this.#wheel = new ReservationWheel(ctx.options.clock, (jobs) => this.#onDue(jobs));
  }

  /** Jobs reserved ahead, waiting for their instant. */
  get reservedCount(): number {
    return this.#wheel.size;
  }

  /** Reserved jobs waiting for the instant `atMs`. */
  reservedAt(atMs: number): number {
    return this.#wheel.countAt(atMs);
  }

  /** Due jobs waiting for a slot. */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  /** Held jobs neither running, waiting nor reserved: finished, their outcome being written. */
  get writingCount(): number {
    return this.held.size - this.running.size - this.#waiting.size - this.#wheel.size;
  }

  /**
   * Outcomes being written pile up beyond what the store takes: no more claims (backpressure)
   * rather than more leases, until the writes catch up.
   */
  outcomesBacklogged(): boolean {
    const { concurrency, prefetch } = this.#ctx.options;
    return this.writingCount >= Math.max(maxOutcomeBacklog, 2 * (concurrency + prefetch));
  }

  /** Takes jobs this node now holds: reserved ones wait for their instant, due ones for a slot. */
  hold(jobs: ReadonlyArray<{ claimed: ClaimedJob; fire: FirePolicy | null }>): void {
    if (jobs.length === 0) return;
    const nowMs = this.#ctx.options.clock.now();
    // The schedules' active jobs counted at planning included this node's own: not foreign.
    const localBefore = new Map<string, number>();
    for (const { claimed, fire } of jobs) {
      const scheduleId = claimed.scheduleId;
      if (fire && scheduleId !== null && !localBefore.has(scheduleId)) localBefore.set(scheduleId, this.#heldBySchedule.get(scheduleId) ?? 0);
    }
    for (const { claimed, fire } of jobs) {
      const own = claimed.scheduleId === null ? 0 : (localBefore.get(claimed.scheduleId) ?? 0);
      const job = new HeldJob(claimed, fire && { ...fire, foreignActive: Math.max(0, fire.foreignActive - own) }, nowMs);
      this.held.set(job.id, job);
      if (claimed.scheduleId !== null) this.#heldBySchedule.set(claimed.scheduleId, (this.#heldBySchedule.get(claimed.scheduleId) ?? 0) + 1);
      if (job.state === 'reserved') this.#wheel.add(job);
      else this.#waitForSlot(job, nowMs);
    }
    this.startWaiting();
  }

  /** Moves waiting jobs into free slots and starts their handlers. Returns how many started. */
  startWaiting(): number {
    let started = 0;
    const { concurrency, clock } = this.#ctx.options;
    while (this.running.size < concurrency && this.#waiting.size > 0 && this.#ctx.accepting()) {
      const job = this.#waiting.take()!;
      const nowMs = clock.now();
      const gate = startGate(job, nowMs, (scheduleId) => this.#activeBySchedule.get(scheduleId) ?? 0);
      if (gate.kind === 'drop') {
        this.#forget(job); // its lease is gone or going: whoever holds it now runs it
        continue;
      }
      if (gate.kind === 'check') {
        void this.#checkForeignActive(job);
        continue;
      }
      if (gate.kind !== 'start') {
        this.#endUnstarted(job, gate.kind === 'cancel' ? cancelledCompletion(job) : { status: 'discarded', countAs: gate.countAs });
        continue;
      }
      this.#run(job, nowMs);
      started++;
    }
    return started;
  }

  /**
   * Lets go of this node's reservations of a schedule that are not due yet: the store deleted them
   * with the schedule (paused, removed, ended by its handler). Nothing to write.
   */
  dropReservations(scheduleId: string): void {
    const nowMs = this.#ctx.options.clock.now();
    const gone = [...this.held.values()].filter(
      (job) => job.claimed.scheduleId === scheduleId && job.startedAtMs === null && job.storeReserved && job.claimed.runAtMs > nowMs,
    );
    this.letGo(gone);
  }

  /** Held jobs that were never started and are no longer this node's: forgotten, quietly. */
  letGo(dropped: readonly HeldJob[]): void {
    if (dropped.length === 0) return;
    const gone = new Set(dropped);
    for (const job of dropped) {
      if (job.state === 'reserved') this.#wheel.remove(job);
      this.#forget(job);
    }
    this.#waiting.remove((job) => gone.has(job));
  }

  /**
   * Due jobs that have waited longer than `handBackAfterMs` for a slot while every slot is busy go
   * back to the queue, where another node may take them: reserving ahead must not let one busy
   * node sit on work other nodes could start. Only what came due beyond the prefetch buffer (the
   * operator's choice to hold work ahead), and only when another node runs jobs.
   */
  async handBackStuck(otherWorkers: number): Promise<void> {
    const { prefetch, concurrency, clock } = this.#ctx.options;
    let excess = this.#waiting.size - prefetch;
    if (otherWorkers === 0 || excess <= 0 || this.running.size < concurrency) return;
    const nowMs = clock.now();
    const stuck = this.#waiting.remove((job) => excess > 0 && !job.cancelRequested && nowMs - job.waitingSinceMs >= handBackAfterMs && excess-- > 0);
    await this.#giveBack(stuck, 'waited too long for a slot');
  }

  /** At shutdown: what has not started goes back to the queue (a cancelled one ends as cancelled). */
  async releaseUnstarted(): Promise<void> {
    const unstarted = [...this.#wheel.drain(), ...this.#waiting.remove(() => true)];
    // Given back, an operator's cancelled job would be run by another node.
    for (const job of unstarted) if (job.cancelRequested) this.#endUnstarted(job, cancelledCompletion(job));
    await this.#giveBack(unstarted.filter((job) => !job.cancelRequested), 'released at shutdown');
  }

  #waitForSlot(job: HeldJob, nowMs: number): void {
    job.state = 'waiting';
    job.waitingSinceMs = nowMs;
    this.#waiting.push(job);
  }

  /** A group of reservations came due: they start now, as far as slots allow. */
  #onDue(jobs: HeldJob[]): void {
    if (!this.#ctx.accepting()) return;
    const nowMs = this.#ctx.options.clock.now();
    for (const job of jobs) this.#waitForSlot(job, nowMs);
    this.startWaiting();
  }

  #run(job: HeldJob, nowMs: number): void {
    job.state = 'running';
    job.startedAtMs = nowMs;
    this.running.set(job.id, job);
    const scheduleId = job.claimed.scheduleId;
    if (scheduleId !== null) this.#activeBySchedule.set(scheduleId, (this.#activeBySchedule.get(scheduleId) ?? 0) + 1);
    job.done = executeJob(this.#ctx.executor, job, () => this.#freeSlot(job))
      .catch((error: unknown) => this.#ctx.events.emit('error', { error: toError(error), during: `running job ${job.id}` }))
      .finally(() => {
        const backlogged = this.outcomesBacklogged();
        this.#forget(job);
        if (scheduleId !== null) decrement(this.#activeBySchedule, scheduleId);
        this.#freeSlot(job); // a handler that ended without an outcome to write (lease lost)
        if (backlogged) this.#ctx.onSlotFreed(); // claims may resume
      });
  }

  /** Frees the slot of a job whose handler has ended (once): the next waiting job starts at once. */
  #freeSlot(job: HeldJob): void {
    if (!this.running.delete(job.id)) return;
    this.startWaiting();
    this.#ctx.onSlotFreed();
  }

  /** The job is no longer this node's (its outcome is written, given back, dropped). */
  #forget(job: HeldJob): void {
    if (!this.held.delete(job.id)) return;
    if (job.claimed.scheduleId !== null) decrement(this.#heldBySchedule, job.claimed.scheduleId);
  }

  /** Ends a held job that will not run here: cancelled, or a fire discarded at its instant. */
  #endUnstarted(job: HeldJob, completion: CompleteJobRequest['completion']): void {
    const { clock, nodeId } = this.#ctx.options;
    const { events } = this.#ctx;
    job.state = 'writing';
    job.done = this.#ctx.completions
      .complete({ jobId: job.id, fencingToken: job.claimed.fencingToken, nowMs: clock.now(), completion })
      .then((written) => {
        if (!written) return;
        if (completion.status === 'cancelled' && events.has('job.cancelled')) {
          events.emit('job.cancelled', { job: job.snapshot('cancelled', nodeId, { nowMs: clock.now(), error: completion.error }) });
        }
        const { scheduleId, fireAtMs } = job.claimed;
        if (completion.status === 'discarded' && scheduleId !== null && fireAtMs !== null) {
          if (completion.countAs === 'missed') events.emit('schedule.missed', { scheduleId, task: job.claimed.task, fireAtMs: [fireAtMs], reason: 'misfire-grace' });
          else {
            const activeJobs = (this.#activeBySchedule.get(scheduleId) ?? 0) + (job.fire?.foreignActive ?? 0);
            events.emit('schedule.skipped', { scheduleId, task: job.claimed.task, fireAtMs: [fireAtMs], activeJobs, maxRunning: job.fire?.maxRunning ?? Number.POSITIVE_INFINITY });
          }
        }
      })
      .catch((error: unknown) => events.emit('error', { error: toError(error), during: `ending job ${job.id}` }))
      .finally(() => this.#forget(job));
  }

  /**
   * A fire whose schedule had active jobs on other nodes when it was planned: how many are still
   * active, asked of the store (those jobs may have ended since). The fire then waits for a slot
   * again, judged with the exact count.
   */
  async #checkForeignActive(job: HeldJob): Promise<void> {
    const scheduleId = job.claimed.scheduleId!;
    try {
      const active = await this.#ctx.options.store.listJobs({ scheduleId, status: ['queued', 'reserved', 'running', 'failed'], limit: 1000 });
      // A later fire, reserved by another node or queued for any, has not started: it is judged
      // at its own start, not counted against this one. Running jobs, failed ones waiting for a
      // retry, and jobs already due, count.
      const nowMs = this.#ctx.options.clock.now();
      const counts = (other: JobRecord) => other.status === 'running' || other.status === 'failed' || other.runAtMs <= nowMs;
      const foreign = active.filter((other) => !this.held.has(other.id) && counts(other)).length;
      job.fire = { ...job.fire!, foreignActive: foreign, foreignChecked: true };
    } catch (error) {
      this.#ctx.events.emit('error', { error: toError(error), during: `checking the active jobs of schedule ${scheduleId}` });
      job.fire = { ...job.fire!, foreignChecked: true }; // judged on the planning's count
    }
    if (!this.#ctx.accepting()) return;
    this.#waiting.push(job);
    this.startWaiting();
  }

  /** Gives jobs that did not start back to the queue (their attempt does not count). */
  async #giveBack(jobs: readonly HeldJob[], why: string): Promise<void> {
    if (jobs.length === 0) return;
    const { store, clock, nodeId } = this.#ctx.options;
    const { events } = this.#ctx;
    const nowMs = clock.now();
    const results = await store
      .completeJobs(jobs.map((job) => ({ jobId: job.id, fencingToken: job.claimed.fencingToken, nowMs, completion: { status: 'released' } })))
      .catch((error: unknown) => {
        events.emit('error', { error: toError(error), during: `giving back ${jobs.length} jobs (${why})` });
        return null;
      });
    jobs.forEach((job, i) => {
      this.#forget(job);
      if (results?.[i]?.completed && events.has('job.released')) events.emit('job.released', { job: job.snapshot('queued', nodeId) });
    });
  }
}

function cancelledCompletion(job: HeldJob): CompleteJobRequest['completion'] {
  return { status: 'cancelled', error: toJobError(new JobCancelledError(`Job ${job.id} was cancelled`)) };
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
