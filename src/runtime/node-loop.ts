import { SchedulerStateError, ShutdownError, StoreUnavailableError } from '../errors.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import type { TimerHandle } from '../time/clock.ts';
import { toError, type SchedulerEventEmitter } from './events.ts';
import { CompletionBatcher } from './completion-batcher.ts';
import type { HeldJob } from './held-job.ts';
import { Heartbeat } from './heartbeat.ts';
import { JobSlots } from './job-slots.ts';
import { reapExpiredLeases, type LeaseKeeperContext } from './lease-keeper.ts';
import { NodeChores } from './node-chores.ts';
import { fireDueSchedules, type ScheduleFirerContext } from './schedule-firer.ts';
import type { ResolvedSchedulerOptions } from './scheduler-options.ts';
import { GatedClaims } from './gated-claims.ts';
import { loadParents } from '../flows/parent-job.ts';
import type { BreakerState } from '../store/gate-types.ts';

const scheduleBatchSize = 100;
const reapBatchSize = 100;
const maxErrorBackoffMs = 30_000;
/**
 * Under load, a freed slot only claims (one round trip); reaping expired leases and firing due
 * schedules still run at least this often. An idle node does the full round on every wake-up.
 */
const fullPassEveryMs = 20;
/** Most jobs one node reserves ahead (schedules' fires and delayed jobs waiting for their instant). */
const maxReserved = 10_000;

/** What a round did: took work, found none, or could not take any because every slot is busy. */
type PassOutcome = 'progressed' | 'idle' | 'saturated';

/** Why a sleeping loop woke: its timer, a freed slot, or new work (see `NodeLoop.wake`). */
type WakeReason = 'timer' | 'slot' | 'work';

/**
 * The background work of one node: fire due schedules (reserving their jobs ahead), take over
 * expired leases, claim jobs (writing finished ones' outcomes in the same round trip), renew
 * leases, report the node, purge history. The jobs it holds live in `JobSlots`: a reserved job
 * starts from a local timer at its instant and a freed slot starts the next waiting job, with no
 * store call and no loop round. The loop sleeps on the injected clock until the store's next due
 * instant (less the look-ahead), a poll interval, or a local wake-up (a new job, a freed slot, a
 * store notification).
 */
/** What the scheduler gives its loop besides options. */
export interface NodeLoopHooks {
  /** The events this node listens to across the cluster, for its node record. */
  clusterInterest?: () => string[];
}

export class NodeLoop {
  readonly #options: ResolvedSchedulerOptions;
  readonly #events: SchedulerEventEmitter;
  readonly #slots: JobSlots;
  readonly #heartbeat: Heartbeat;
  readonly #chores: NodeChores;
  readonly #firer: ScheduleFirerContext;
  readonly #keeper: LeaseKeeperContext;
  readonly #completions: CompletionBatcher;
  /** What this node claims: only jobs of the tasks it registers (routing; see ClaimJobsRequest.tasks). */
  readonly #taskNames: readonly string[];
  /** The claim of tasks with a breaker, a rate limit or a cluster cap; null when none has one. */
  readonly #gates: GatedClaims | null;
  #state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #loopDone: Promise<void> = Promise.resolve();
  #wakeSleeper: ((reason: WakeReason) => void) | null = null;
  #wakePending = false;
  #lastWakeReason: WakeReason = 'timer';
  #fullPassRequested = true;
  #lastFullPassAtMs = Number.NEGATIVE_INFINITY;
  #consecutiveErrors = 0;
  #lastLoopError: Error | null = null;
  /** The last claim returned fewer jobs than asked: the store had no more due. */
  #claimedDry = false;
  #unsubscribe: (() => void) | null = null;

  constructor(options: ResolvedSchedulerOptions, registry: TaskRegistry, events: SchedulerEventEmitter, hooks: NodeLoopHooks = {}) {
    this.#options = options;
    this.#events = events;
    const { store, clock, nodeId } = options;
    this.#completions = new CompletionBatcher(store);
    // Routing: the tasks this node claims are those it registers whose queue it serves.
    const { queues } = options;
    this.#taskNames = registry.names().filter((name) => queues === null || queues.has(registry.get(name)!.queue));
    const gates = (this.#gates = GatedClaims.for({
      store,
      nodeId,
      leaseMs: options.leaseMs,
      registry,
      taskNames: this.#taskNames,
      completions: this.#completions,
      probeHoldMs: Math.max(options.leaseMs, 10_000),
      onBreakerChange: (change) => events.emit('breaker.changed', { ...change, forced: null }),
      onDeferred: (task, jobs, delayMs) => events.emit('rateLimit.deferred', { task, jobs, delayMs }),
      onError: (error, during) => events.emit('error', { error: toError(error), during }),
    }));
    this.#slots = new JobSlots({
      options,
      events,
      completions: this.#completions,
      executor: {
        completions: this.#completions,
        clock,
        nodeId,
        registry,
        events,
        services: options.services,
        logger: options.logger,
        random: options.random,
        onScheduleEnded: (scheduleId) => this.dropReservations(scheduleId),
        instrumentation: options.instrumentation,
        ...(gates?.breakers ? { onAttemptEnded: (task: string, succeeded: boolean, nowMs: number) => gates.attemptEnded(task, succeeded, nowMs) } : {}),
        loadParents: (ids) => loadParents(store, ids),
        maxPayloadBytes: options.maxPayloadBytes,
      },
      accepting: () => this.#state === 'running',
      onSlotFreed: () => this.wake('slot'),
    });
    this.#keeper = { store, clock, nodeId, events, leaseMs: options.leaseMs };
    this.#heartbeat = new Heartbeat(this.#keeper, this.#slots, events, options.heartbeatMs);
    this.#chores = new NodeChores(options, this.#slots, this.#taskNames, hooks.clusterInterest ?? (() => []));
    const reserves = options.runsJobs && this.#taskNames.length > 0;
    this.#firer = {
      store,
      clock,
      nodeId,
      registry,
      events,
      scheduleLeaseMs: Math.max(options.leaseMs, 5_000),
      batchSize: scheduleBatchSize,
      horizonMs: reserves ? options.lookAheadMs : 0,
      reserveLeaseMs: reserves ? options.leaseMs : null,
      reservable: () => this.#reservable(),
      perInstant: () => (this.#chores.otherWorkers > 0 ? this.#options.concurrency + this.#options.prefetch : null),
      reservedAt: (atMs) => this.#slots.reservedAt(atMs),
      // A gated task's fires are claimed through its gates, never reserved past them.
      ...(gates ? { reservesTask: (task: string) => !gates.isGated(task) } : {}),
    };
  }

  get isRunning(): boolean {
    return this.#state === 'running';
  }

  /** Every job this node holds a lease on. */
  get held(): ReadonlyMap<string, HeldJob> {
    return this.#slots.held;
  }

  /** Jobs whose handler runs now. */
  get running(): ReadonlyMap<string, HeldJob> {
    return this.#slots.running;
  }

  /** The circuit breakers of the tasks this node runs, as it last read them. */
  breakerStates(): Array<{ task: string; state: BreakerState }> {
    return this.#gates?.breakers?.states() ?? [];
  }

  /** Jobs reserved ahead, waiting for their instant. */
  get reservedCount(): number {
    return this.#slots.reservedCount;
  }

  /** The error of the loop's last pass when the store failed it (unreachable, lost connection), else null. */
  get storeError(): Error | null {
    return this.#lastLoopError instanceof StoreUnavailableError ? this.#lastLoopError : null;
  }

  start(): void {
    if (this.#state === 'running') return;
    if (this.#state !== 'idle') throw new SchedulerStateError('A stopped scheduler cannot start again; create a new one');
    this.#state = 'running';
    this.#chores.started(this.#options.clock.now());
    this.#unsubscribe =
      this.#options.store.subscribe?.((signal) => {
        // The event log is the cluster feed's business: an append is no work for the loop.
        if (signal === 'events') return;
        // A schedule changed elsewhere may have cancelled reservations this node holds: ask now.
        if (signal === 'schedules' && this.#slots.reservedCount > 0) this.renewSoon();
        this.wake();
      }) ?? null;
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

  /** Lets go of this node's reservations of a schedule that are not due yet (see `JobSlots.dropReservations`). */
  dropReservations(scheduleId: string): void {
    this.#slots.dropReservations(scheduleId);
  }

  /** Rewrites this node's record at the next turn (what it listens to changed), and wakes the loop for it. */
  reportSoon(): void {
    this.#chores.reportSoon();
    if (this.#state === 'running') this.wake();
  }

  /** Renews the held leases at the next turn (a schedule changed: its reservations may be gone). */
  renewSoon(): void {
    if (this.#state !== 'stopped') this.#heartbeat.soon();
  }

  /**
   * Stops claiming, gives back what has not started (reservations, jobs waiting for a slot), waits
   * up to `timeoutMs` for running handlers, then aborts the rest with `ShutdownError` so their jobs
   * go back to the queue for another node. Heartbeats go on until the last handler is done, so a
   * draining job never loses its lease.
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
    await this.#slots.releaseUnstarted();
    // Running handlers, and the outcomes of finished ones still being written.
    const held = [...this.#slots.held.values()];
    const drained = Promise.all(held.map((job) => job.done));
    if (held.length > 0) {
      let timer: TimerHandle | null = null;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = this.#options.clock.setTimer(() => resolve('deadline'), timeoutMs);
      });
      const outcome = await Promise.race([drained.then(() => 'drained' as const), deadline]);
      (timer as TimerHandle | null)?.cancel();
      if (outcome === 'deadline') {
        for (const job of this.#slots.running.values()) {
          job.abort(new ShutdownError(`Node ${this.#options.nodeId} is shutting down; job ${job.id} goes back to the queue`));
        }
        await drained;
      }
    }
    this.#heartbeat.stop();
    this.#unsubscribe?.();
    this.#state = 'stopped';
    try {
      await this.#gates?.breakers?.flush(this.#options.clock.now());
    } catch (error) {
      this.#events.emit('error', { error: toError(error), during: 'writing circuit-breaker counts' });
    }
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

  /** Reap expired leases, fire (and reserve) due schedules, claim jobs, and the periodic chores. */
  async #fullPass(): Promise<PassOutcome> {
    // The chores first: the node report tells this node whether other nodes run jobs, which
    // decides how much of a wave of fires it may reserve (see `#reservable`), and an idle node
    // sleeps until the wave's look-ahead opens.
    await this.#chores.runWhenDue();
    let progressed = false;
    if (this.#options.runsJobs) {
      const reaped = await reapExpiredLeases(this.#keeper, (jobId) => this.#slots.held.has(jobId), reapBatchSize);
      progressed = reaped > 0;
      if (reaped >= reapBatchSize) this.#fullPassRequested = true;
    }
    if (this.#options.runsSchedules && this.#state === 'running') {
      const { handled, idle, reserved } = await fireDueSchedules(this.#firer);
      this.#holdAll(reserved);
      // A schedule leased early but planned without look-ahead (an overlap policy) is no progress:
      // looking again at once would lease it again until it is due.
      progressed = handled > idle || progressed;
      // A full batch: more may be due right now, so the next round looks at everything again
      // rather than only claiming for the next 20 ms.
      if (handled >= scheduleBatchSize) this.#fullPassRequested = true;
    }
    let claimed: PassOutcome = 'idle';
    if (this.#options.runsJobs && this.#state === 'running') claimed = await this.#claimPass(true);
    await this.#slots.handBackStuck(this.#chores.otherWorkers);
    return progressed ? 'progressed' : claimed;
  }

  /**
   * Starts waiting jobs in free slots and claims more when the prefetch buffer runs low (with
   * `prefetch` 0: exactly the free slots); a full round also reserves delayed jobs due within the
   * look-ahead. The outcomes of finished jobs ride along with the claim (one round trip).
   */
  async #claimPass(full = false): Promise<PassOutcome> {
    if (!this.#options.runsJobs || this.#taskNames.length === 0) return 'idle';
    const { concurrency, prefetch, lookAheadMs } = this.#options;
    const slots = this.#slots;
    let started = slots.startWaiting();
    let claimed = 0;
    const capacity = concurrency + prefetch;
    const taken = slots.running.size + slots.waitingCount;
    // Refill at half the prefetch buffer, so that one claim serves several freed slots; after a
    // claim came back short (nothing more is due), only a full round claims again. Outcomes
    // being written do not take slots, but a store that writes them slower than handlers finish
    // stops the claims (backpressure) rather than piling up leases.
    if (slots.waitingCount <= Math.floor(prefetch / 2) && taken < capacity && !slots.outcomesBacklogged() && (full || !this.#claimedDry)) {
      claimed = await this.#claim(capacity - taken, full && lookAheadMs > 0 ? this.#claimableAhead() : 0, full);
      started += slots.startWaiting();
    }
    if (started > 0 || claimed > 0) return 'progressed';
    return slots.running.size >= concurrency ? 'saturated' : 'idle';
  }

  /**
   * How many more jobs this node may reserve ahead: up to `maxReserved` in all. Fires are bounded
   * per instant as well (`perInstant` in the firer): beside other nodes that run jobs, a node
   * reserves for one instant only what its slots can start then (concurrency + prefetch); the
   * rest of a wave is created queued, and the other nodes reserve it with their own look-ahead,
   * so the wave is shared rather than held by whichever node looked first (Quartz acquires no
   * more triggers than it has free threads, for the same reason). Delayed jobs, claimed ahead
   * across instants, are bounded by the same slots in all beside other nodes.
   */
  #reservable(): number {
    return Math.max(0, maxReserved - this.#slots.reservedCount);
  }

  /** How many delayed jobs a claim may reserve ahead (see `#reservable`). */
  #claimableAhead(): number {
    const { concurrency, prefetch } = this.#options;
    const budget = this.#chores.otherWorkers > 0 ? concurrency + prefetch : maxReserved;
    return Math.max(0, budget - this.#slots.reservedCount);
  }

  async #claim(limit: number, aheadLimit: number, full: boolean): Promise<number> {
    const { nodeId, clock, leaseMs, lookAheadMs, concurrency } = this.#options;
    let gated: Awaited<ReturnType<GatedClaims['claim']>> = [];
    if (this.#gates) {
      // Gated tasks take free slots only (no prefetch): a job held waiting would start past its gate.
      gated = await this.#gates.claim(() => clock.now(), concurrency - this.#slots.running.size - this.#slots.waitingCount, full);
      this.#holdAll(gated.map((claimed) => ({ claimed, fire: null })));
    }
    const tasks = this.#gates ? this.#gates.ungated : this.#taskNames;
    const jobs = await this.#completions.completeAndClaim({
      nodeId,
      nowMs: clock.now(),
      leaseMs,
      limit: tasks.length > 0 ? limit - gated.length : 0,
      tasks,
      ...(aheadLimit > 0 && tasks.length > 0 ? { aheadMs: lookAheadMs, aheadLimit } : {}),
    });
    this.#claimedDry = jobs.filter((job) => job.status === 'running').length < limit - gated.length;
    this.#holdAll(jobs.map((claimed) => ({ claimed, fire: null })));
    return jobs.length + gated.length;
  }

  #holdAll(jobs: Parameters<JobSlots['hold']>[0]): void {
    if (jobs.length === 0) return;
    this.#slots.hold(jobs);
    this.#heartbeat.ensure();
  }

  #errorBackoffMs(): number {
    return Math.min(maxErrorBackoffMs, this.#options.pollIntervalMs * 2 ** Math.min(this.#consecutiveErrors, 10));
  }

  async #sleepMs(): Promise<number> {
    const delayMs = await this.#storeSleepMs();
    // A gate's next step (a rate-limited task's next token, a breaker's end) may come sooner.
    const nowMs = this.#options.clock.now();
    const gateWakeAtMs = this.#gates?.wakeAtMs(nowMs) ?? null;
    return gateWakeAtMs === null ? delayMs : Math.max(1, Math.min(delayMs, gateWakeAtMs - nowMs));
  }

  async #storeSleepMs(): Promise<number> {
    const { pollIntervalMs, clock, lookAheadMs } = this.#options;
    let wakeAtMs: number | null;
    try {
      wakeAtMs = await this.#options.store.nextWakeAtMs();
    } catch (error) {
      this.#events.emit('error', { error: toError(error), during: 'reading the next wake-up' });
      return pollIntervalMs;
    }
    if (wakeAtMs === null) return pollIntervalMs;
    // Wake a look-ahead early (fires and delayed jobs are reserved before their instant), or at
    // the instant itself when that is already inside the look-ahead (a lease expiry, say).
    const nowMs = clock.now();
    const earlyMs = wakeAtMs - (this.#firer.horizonMs > 0 ? lookAheadMs : 0);
    const delayMs = (earlyMs > nowMs ? earlyMs : wakeAtMs) - nowMs;
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
}
