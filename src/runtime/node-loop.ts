import { hostname } from 'node:os';
import { JobCancelledError, SchedulerStateError, ShutdownError, StoreUnavailableError } from '../errors.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import type { TimerHandle } from '../time/clock.ts';
import { sundialVersion } from '../version.ts';
import { toError, type SchedulerEventEmitter } from './events.ts';
import { CompletionBatcher } from './completion-batcher.ts';
import { executeJob, RunningJob, type JobExecutorContext } from './job-executor.ts';
import { toJobError } from './job-error.ts';
import { reapExpiredLeases, renewLeases, type LeaseKeeperContext } from './lease-keeper.ts';
import { fireDueSchedules, type ScheduleFirerContext } from './schedule-firer.ts';
import type { ResolvedSchedulerOptions } from './scheduler-options.ts';

const scheduleBatchSize = 100;
const reapBatchSize = 100;
const purgeEveryMs = 60_000;
/** How often a node reports itself in the store's node registry (the admin view calls a node gone after 15 s). */
const nodeReportEveryMs = 5_000;
const maxErrorBackoffMs = 30_000;
/** Outcomes being written beyond which no more jobs are claimed (or twice concurrency + prefetch). */
const maxOutcomeBacklog = 1_000;
/**
 * Under load, a freed slot only claims (one round trip); reaping expired leases and firing due
 * schedules still run at least this often. An idle node does the full round on every wake-up.
 */
const fullPassEveryMs = 20;

/** What a round did: took work, found none, or could not take any because every slot is busy. */
type PassOutcome = 'progressed' | 'idle' | 'saturated';

/** Why a sleeping loop woke: its timer, a freed slot, or new work (see `NodeLoop.wake`). */
type WakeReason = 'timer' | 'slot' | 'work';

/**
 * The background work of one node: fire due schedules, take over expired leases, claim and run
 * jobs, renew leases, purge history. It sleeps on the injected clock until the store's next due
 * instant, a poll interval, or a local wake-up (a new job, a freed slot, a store notification).
 */
export class NodeLoop {
  /** Jobs whose handler runs now: each takes one of the `concurrency` slots. */
  readonly running = new Map<string, RunningJob>();
  /**
   * Every job this node holds a lease on: running ones, prefetched ones waiting for a slot, and
   * finished ones whose outcome is being written (their slot is already free).
   */
  readonly held = new Map<string, RunningJob>();
  /** Prefetched jobs, in claim order (priority first), waiting for a slot. */
  readonly #buffer: RunningJob[] = [];
  readonly #options: ResolvedSchedulerOptions;
  readonly #events: SchedulerEventEmitter;
  readonly #executor: JobExecutorContext;
  readonly #firer: ScheduleFirerContext;
  readonly #keeper: LeaseKeeperContext;
  readonly #completions: CompletionBatcher;
  #state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #loopDone: Promise<void> = Promise.resolve();
  #wakeSleeper: ((reason: WakeReason) => void) | null = null;
  #wakePending = false;
  #lastWakeReason: WakeReason = 'timer';
  #fullPassRequested = true;
  #lastFullPassAtMs = Number.NEGATIVE_INFINITY;
  #heartbeatTimer: TimerHandle | null = null;
  #nextPurgeAtMs = 0;
  #nextNodeReportAtMs = 0;
  #startedAtMs = 0;
  #consecutiveErrors = 0;
  #lastLoopError: Error | null = null;
  /** The last claim returned fewer jobs than asked: the store had no more due. */
  #claimedDry = false;
  #unsubscribe: (() => void) | null = null;
  /** What this node claims: only jobs of the tasks it registers (routing; see ClaimJobsRequest.tasks). */
  readonly #taskNames: readonly string[];

  constructor(options: ResolvedSchedulerOptions, registry: TaskRegistry, events: SchedulerEventEmitter) {
    this.#options = options;
    this.#events = events;
    const { store, clock, nodeId } = options;
    this.#completions = new CompletionBatcher(store);
    this.#taskNames = registry.names();
    this.#executor = { completions: this.#completions, clock, nodeId, registry, events, services: options.services, logger: options.logger, random: options.random };
    this.#firer = { store, clock, nodeId, registry, events, scheduleLeaseMs: Math.max(options.leaseMs, 5_000), batchSize: scheduleBatchSize };
    this.#keeper = { store, clock, nodeId, events, leaseMs: options.leaseMs };
  }

  get isRunning(): boolean {
    return this.#state === 'running';
  }

  /** The error of the loop's last pass when the store failed it (unreachable, lost connection), else null. */
  get storeError(): Error | null {
    return this.#lastLoopError instanceof StoreUnavailableError ? this.#lastLoopError : null;
  }

  start(): void {
    if (this.#state === 'running') return;
    if (this.#state !== 'idle') throw new SchedulerStateError('A stopped scheduler cannot start again; create a new one');
    this.#state = 'running';
    this.#startedAtMs = this.#options.clock.now();
    this.#unsubscribe = this.#options.store.subscribe?.(() => this.wake()) ?? null;
    this.#loopDone = this.#loop();
  }

  /**
   * Ends the loop early from its sleep: there may be work now. `slot`: a running job finished, so
   * only claiming is worth a round trip; `work`: something changed (a job, a schedule, another
   * node's signal), so the next round looks at everything.
   */
  wake(reason: WakeReason = 'work'): void {
    if (reason === 'work') this.#fullPassRequested = true;
    const wake = this.#wakeSleeper;
    if (wake) wake(reason);
    else {
      this.#wakePending = true;
      this.#lastWakeReason = reason;
    }
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for running handlers, then aborts the rest with
   * `ShutdownError` so their jobs go back to the queue for another node. Heartbeats go on
   * until the last handler is done, so a draining job never loses its lease.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      return;
    }
    if (this.#state !== 'running') return this.#loopDone;
    this.#state = 'stopping';
    this.wake();
    await this.#loopDone;
    await this.#releaseBuffered();
    // Running handlers, and the outcomes of finished ones still being written.
    const drained = Promise.all([...this.held.values()].map((job) => job.done));
    if (this.held.size > 0) {
      let timer: TimerHandle | null = null;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = this.#options.clock.setTimer(() => resolve('deadline'), timeoutMs);
      });
      const outcome = await Promise.race([drained.then(() => 'drained' as const), deadline]);
      (timer as TimerHandle | null)?.cancel();
      if (outcome === 'deadline') {
        for (const job of this.running.values()) {
          job.abort(new ShutdownError(`Node ${this.#options.nodeId} is shutting down; job ${job.job.id} goes back to the queue`));
        }
        await drained;
      }
    }
    this.#heartbeatTimer?.cancel();
    this.#heartbeatTimer = null;
    this.#unsubscribe?.();
    this.#state = 'stopped';
    try {
      await this.#options.store.removeNode(this.#options.nodeId);
    } catch (error) {
      this.#events.emit('error', { error: toError(error), during: 'removing this node from the registry' });
    }
  }

  async #loop(): Promise<void> {
    while (this.#state === 'running') {
      let outcome: PassOutcome = 'idle';
      const nowMs = this.#options.clock.now();
      const full = this.#fullPassRequested || nowMs - this.#lastFullPassAtMs >= fullPassEveryMs;
      try {
        if (full) {
          // Cleared before the round, so that a request made during it (new work, a full batch) stands.
          this.#lastFullPassAtMs = nowMs;
          this.#fullPassRequested = false;
        }
        outcome = full ? await this.#fullPass() : await this.#claimPass();
        this.#consecutiveErrors = 0;
        this.#lastLoopError = null;
      } catch (error) {
        this.#consecutiveErrors++;
        this.#lastLoopError = toError(error);
        this.#events.emit('error', { error: this.#lastLoopError, during: 'scheduler loop' });
      }
      if (this.#state !== 'running') break;
      if (this.#consecutiveErrors > 0) {
        await this.#sleep(this.#errorBackoffMs());
        this.#fullPassRequested = true;
      } else if (outcome === 'progressed') {
        await new Promise<void>((resolve) => setImmediate(resolve)); // let handlers and I/O run between passes
      } else if (outcome === 'saturated') {
        // Every slot is busy: nothing to ask the store until a slot frees (a 'slot' wake-up) or
        // the next full round is due. Then one more turn of the event loop, so that every job of a
        // completed batch frees its slot and the claim takes them all in one round trip.
        await this.#sleep(Math.max(0, this.#lastFullPassAtMs + fullPassEveryMs - this.#options.clock.now()), 'slot');
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else if (!full) {
        this.#fullPassRequested = true; // nothing to claim: look at everything before sleeping
      } else {
        await this.#sleep(await this.#sleepMs());
        this.#fullPassRequested ||= this.#lastWakeReason !== 'slot';
      }
    }
  }

  /** Reap expired leases, fire due schedules, claim jobs, and the periodic chores. */
  async #fullPass(): Promise<PassOutcome> {
    let progressed = false;
    if (this.#options.runsJobs) {
      const reaped = await reapExpiredLeases(this.#keeper, this.held, reapBatchSize);
      progressed = reaped > 0;
      if (reaped >= reapBatchSize) this.#fullPassRequested = true;
    }
    if (this.#options.runsSchedules && this.#state === 'running') {
      const fired = await fireDueSchedules(this.#firer);
      progressed = fired > 0 || progressed;
      // A full batch: more may be due right now, so the next round looks at everything again
      // rather than only claiming for the next 20 ms.
      if (fired >= scheduleBatchSize) this.#fullPassRequested = true;
    }
    let claimed: PassOutcome = 'idle';
    if (this.#options.runsJobs && this.#state === 'running') claimed = await this.#claimPass(true);
    await this.#purgeHistoryWhenDue();
    await this.#reportNodeWhenDue();
    return progressed ? 'progressed' : claimed;
  }

  /**
   * Starts held jobs in free slots and claims more when the prefetch buffer runs low (with
   * `prefetch` 0: exactly the free slots). A claim is the only store call here.
   */
  async #claimPass(full = false): Promise<PassOutcome> {
    if (!this.#options.runsJobs || this.#taskNames.length === 0) return 'idle';
    const { concurrency, prefetch } = this.#options;
    let started = this.#startBuffered();
    let claimed = 0;
    const capacity = concurrency + prefetch;
    const taken = this.running.size + this.#buffer.length;
    // Refill at half the prefetch buffer, so that one claim serves several freed slots; after a
    // claim came back short (nothing more is due), only a full round claims again. Outcomes
    // being written do not take slots, but a store that writes them slower than handlers finish
    // stops the claims (backpressure) rather than piling up leases.
    if (this.#buffer.length <= Math.floor(prefetch / 2) && taken < capacity && !this.#outcomesBacklogged() && (full || !this.#claimedDry)) {
      claimed = await this.#claim(capacity - taken);
      started += this.#startBuffered();
    }
    if (started > 0 || claimed > 0) return 'progressed';
    return this.running.size >= concurrency ? 'saturated' : 'idle';
  }

  /** Held jobs neither running nor waiting for a slot are finished ones whose outcome is being written. */
  #outcomesBacklogged(): boolean {
    const writing = this.held.size - this.running.size - this.#buffer.length;
    return writing >= Math.max(maxOutcomeBacklog, 2 * (this.#options.concurrency + this.#options.prefetch));
  }

  /** Frees the slot of a job whose handler has ended (once), and lets the loop fill it. */
  #freeSlot(held: RunningJob): void {
    if (this.running.delete(held.job.id)) this.wake('slot');
  }

  async #claim(limit: number): Promise<number> {
    const jobs = await this.#options.store.claimJobs({
      nodeId: this.#options.nodeId,
      nowMs: this.#options.clock.now(),
      leaseMs: this.#options.leaseMs,
      limit,
      tasks: this.#taskNames,
    });
    this.#claimedDry = jobs.length < limit;
    for (const job of jobs) {
      const held = new RunningJob(job);
      this.held.set(job.id, held);
      this.#buffer.push(held);
    }
    if (jobs.length > 0) this.#ensureHeartbeat();
    return jobs.length;
  }

  /** Moves held jobs into free slots and starts their handlers. Returns how many started. */
  #startBuffered(): number {
    let started = 0;
    while (this.running.size < this.#options.concurrency && this.#buffer.length > 0 && this.#state === 'running') {
      const held = this.#buffer.shift()!;
      if (held.controller.signal.aborted) {
        this.#dropHeld(held);
        continue;
      }
      this.running.set(held.job.id, held);
      started++;
      held.done = executeJob(this.#executor, held, () => this.#freeSlot(held))
        .catch((error: unknown) => this.#events.emit('error', { error: toError(error), during: `running job ${held.job.id}` }))
        .finally(() => {
          const backlogged = this.#outcomesBacklogged();
          this.held.delete(held.job.id);
          this.#freeSlot(held); // a handler that ended without an outcome to write (lease lost)
          if (backlogged) this.wake('slot'); // claims may resume
        });
    }
    return started;
  }

  /**
   * A held job whose lease renewal aborted it before it started: a lost lease lets it go (its new
   * owner runs it); an operator's cancel request ends it as cancelled.
   */
  #dropHeld(held: RunningJob): void {
    this.held.delete(held.job.id);
    const reason: unknown = held.controller.signal.reason;
    if (!(reason instanceof JobCancelledError)) return;
    void this.#completions
      .complete({
        jobId: held.job.id,
        fencingToken: held.job.fencingToken,
        nowMs: this.#options.clock.now(),
        completion: { status: 'cancelled', error: toJobError(reason) },
      })
      .then((job) => job && this.#events.emit('job.cancelled', { job }))
      .catch((error: unknown) => this.#events.emit('error', { error: toError(error), during: `cancelling job ${held.job.id}` }));
  }

  /** At shutdown: gives prefetched jobs back to the queue at once (their attempt does not count). */
  async #releaseBuffered(): Promise<void> {
    const buffered = this.#buffer.splice(0);
    await Promise.all(
      buffered.map(async (held) => {
        this.held.delete(held.job.id);
        if (held.controller.signal.aborted) return;
        try {
          const job = await this.#completions.complete({
            jobId: held.job.id,
            fencingToken: held.job.fencingToken,
            nowMs: this.#options.clock.now(),
            completion: { status: 'released' },
          });
          if (job) this.#events.emit('job.released', { job });
        } catch (error) {
          this.#events.emit('error', { error: toError(error), during: `releasing job ${held.job.id}` });
        }
      }),
    );
  }

  #errorBackoffMs(): number {
    return Math.min(maxErrorBackoffMs, this.#options.pollIntervalMs * 2 ** Math.min(this.#consecutiveErrors, 10));
  }

  async #sleepMs(): Promise<number> {
    const { pollIntervalMs, clock } = this.#options;
    let wakeAtMs: number | null;
    try {
      wakeAtMs = await this.#options.store.nextWakeAtMs();
    } catch (error) {
      this.#events.emit('error', { error: toError(error), during: 'reading the next wake-up' });
      return pollIntervalMs;
    }
    if (wakeAtMs === null) return pollIntervalMs;
    const delayMs = wakeAtMs - clock.now();
    // Due work that this pass did not take (all slots busy, or leased by another node): a freed
    // slot wakes us; otherwise look again after one poll interval rather than spin.
    if (delayMs <= 0) return pollIntervalMs;
    return Math.min(delayMs, pollIntervalMs);
  }

  /** Sleeps on the clock until `delayMs` passes ('timer') or `wake()` is called; records why it woke. */
  #sleep(delayMs: number, onTimer: WakeReason = 'timer'): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = (reason: WakeReason) => {
        timer.cancel();
        this.#wakeSleeper = null;
        this.#lastWakeReason = reason;
        resolve();
      };
      const timer = this.#options.clock.setTimer(() => finish(onTimer), delayMs);
      this.#wakeSleeper = finish;
    });
  }

  /** Heartbeats run only while this node holds leases: an idle node sets no timer but its poll. */
  #ensureHeartbeat(): void {
    if (this.#heartbeatTimer) return;
    this.#heartbeatTimer = this.#options.clock.setTimer(() => {
      void renewLeases(this.#keeper, this.held)
        .catch((error: unknown) => this.#events.emit('error', { error: toError(error), during: 'renewing leases' }))
        .finally(() => {
          this.#heartbeatTimer = null;
          if (this.#state !== 'stopped' && this.held.size > 0) this.#ensureHeartbeat();
        });
    }, this.#options.heartbeatMs);
  }

  async #reportNodeWhenDue(): Promise<void> {
    const { clock, store, nodeId, concurrency, runsSchedules, runsJobs } = this.#options;
    const nowMs = clock.now();
    if (nowMs < this.#nextNodeReportAtMs) return;
    this.#nextNodeReportAtMs = nowMs + nodeReportEveryMs;
    await store.upsertNode({
      id: nodeId,
      hostname: hostname(),
      pid: process.pid,
      roles: { schedules: runsSchedules, jobs: runsJobs },
      tasks: this.#executor.registry.names(),
      concurrency,
      running: this.running.size,
      startedAtMs: this.#startedAtMs,
      lastSeenAtMs: nowMs,
      version: sundialVersion,
    });
  }

  async #purgeHistoryWhenDue(): Promise<void> {
    const { clock, store, keepSucceededMs, keepFailedMs } = this.#options;
    const nowMs = clock.now();
    if (nowMs < this.#nextPurgeAtMs) return;
    this.#nextPurgeAtMs = nowMs + purgeEveryMs;
    if (keepSucceededMs !== null) await store.purgeJobs({ finishedBeforeMs: nowMs - keepSucceededMs, statuses: ['succeeded'] });
    if (keepFailedMs !== null) await store.purgeJobs({ finishedBeforeMs: nowMs - keepFailedMs, statuses: ['dead', 'cancelled'] });
  }
}
