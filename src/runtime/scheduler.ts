import type { JsonValue } from '../domain/json.ts';
import { snapshotOf, type JobRecord, type NewJob } from '../domain/job.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
import { InvalidArgumentError, ScheduleBusyError, ScheduleNotFoundError, SchedulerStateError } from '../errors.ts';
import type { JobQuery, ScheduleQuery, Store, WriteOptions } from '../store/store.ts';
import { TaskRegistry } from '../tasks/task-registry.ts';
import type { Clock } from '../time/clock.ts';
import { parseDuration, type Duration } from '../time/duration.ts';
import { firstFireAtMs, nextFireAfterMs } from '../triggers/next-fire.ts';
import { backfillFireTimes, checkBackfillRange, type BackfillRange, type BackfillResult } from './schedule-backfill.ts';
import { sameTrigger } from '../domain/same-trigger.ts';
import { assertIdentifier } from '../domain/identifier.ts';
import { assertPayloadSize } from '../domain/payload.ts';
import { SchedulerEventEmitter, type SchedulerEventListener, type SchedulerEventName, type SchedulerEvents } from './events.ts';
import { markSchedulerStarted, markSchedulerStopped } from './live-schedulers.ts';
import { NodeLoop } from './node-loop.ts';
import { isRetryableOpenError, StoreConnector } from './store-connector.ts';
import { corruptRecordError } from './quarantine.ts';
import { resolveSchedulerOptions, type ResolvedSchedulerOptions, type SchedulerOptions } from './scheduler-options.ts';
import { assertJobQuery, assertScheduleQuery, SchedulerInputs, type EnqueueInput, type FlowStep, type ScheduleInput } from './scheduler-inputs.ts';
import { ClusterHub } from '../cluster/cluster-hub.ts';
import { produce, withTraceContext } from './instrumentation.ts';
import { JobWriter } from './job-writer.ts';
import type { HostedService } from '../controllers/hosted-service.ts';
import { orderFlowSteps } from '../flows/flow.ts';
import { forceBreaker } from '../breaker/breakers.ts';
import type { BreakerForce, BreakerRecord } from '../store/gate-types.ts';
import { isClusterEventName, type ClusterEventListener, type ClusterEventName } from '../cluster/cluster-events.ts';

export type { EnqueueInput, ScheduleInput } from './scheduler-inputs.ts';
export type { BackfillRange, BackfillResult } from './schedule-backfill.ts';

/** Options of `Scheduler.trigger()`. */
export interface TriggerOptions {
  /**
   * `limit`: refuse (`ScheduleBusyError`) when the schedule already has `maxRunning` active jobs;
   * `allow`: start the job whatever runs.
   * @defaultValue 'limit'
   * @example
   * await scheduler.trigger('nightly-report', { overlap: 'allow' });
   */
  overlap?: 'limit' | 'allow';
}

/** What `Scheduler.health()` reports. */
export interface SchedulerHealth {
  /** idle: not started; connecting: started, waiting for the store; running; stopped (or stopping). */
  state: 'idle' | 'connecting' | 'running' | 'stopped';
  /** Working: the store is open, the loop runs and its last store call did not fail. */
  ready: boolean;
  /** The last store error while not ready (unreachable at open, or failing calls), else null. */
  storeError: string | null;
  /**
   * For liveness probes (and a `Host`): false only once stopped — a node waiting for its store is
   * alive (restarting it would not help), just not ready.
   */
  live: boolean;
}

/**
 * The scheduler of one node. Many nodes may share one store: together they fire each schedule's
 * fire once and run each job once at a time.
 */
export class Scheduler<Services = unknown> implements HostedService {
  readonly nodeId: string;
  /** Its name as a hosted service (`Host.health()`): `scheduler`. */
  readonly name = 'scheduler';
  readonly #options: ResolvedSchedulerOptions;
  readonly #registry: TaskRegistry;
  readonly #inputs: SchedulerInputs;
  readonly #events = new SchedulerEventEmitter();
  readonly #loop: NodeLoop;
  readonly #connector: StoreConnector;
  readonly #cluster: ClusterHub;
  readonly #jobs: JobWriter;
  /** The first start()'s work, shared by later calls; cleared when it fails for good. */
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  #clusterStarted: Promise<void> | null = null;
  /** A ref'd handle while started: a running scheduler keeps its process alive, as a listening server does. */
  #keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(options: SchedulerOptions<Services>) {
    this.#options = resolveSchedulerOptions(options as SchedulerOptions<unknown>);
    this.nodeId = this.#options.nodeId;
    this.#registry = new TaskRegistry(this.#options.tasks);
    this.#inputs = new SchedulerInputs(this.#registry, this.#options.maxPayloadBytes);
    this.#cluster = new ClusterHub({
      store: this.#options.store,
      nodeId: this.nodeId,
      clock: this.#options.clock,
      logger: this.#options.logger,
      events: this.#events,
      pollIntervalMs: this.#options.pollIntervalMs,
      onInterestChange: () => this.#loop.reportSoon(),
    });
    this.#loop = new NodeLoop(this.#options, this.#registry, this.#events, { clusterInterest: () => this.#cluster.interest() });
    this.#jobs = new JobWriter({
      store: this.#options.store,
      inputs: this.#inputs,
      events: this.#events,
      instrumentation: this.#options.instrumentation,
      wake: () => this.#loop.wake(),
    });
    this.#connector = new StoreConnector({
      store: this.#options.store,
      clock: this.#options.clock,
      random: this.#options.random,
      onAttemptFailed: (error, attempt, retryInMs) => {
        this.#options.logger.warn(`store ${this.store.name} not reachable (attempt ${attempt}), retrying in ${retryInMs} ms: ${error.message}`);
        this.#events.emit('store.openFailed', { error, attempt, retryInMs });
      },
      afterOpen: () => this.#logStoreWarnings(),
      onOpened: (attempts) => {
        if (attempts > 1) this.#options.logger.info(`store ${this.store.name} opened after ${attempts} attempts`);
        this.#events.emit('store.opened', { attempts });
        if (this.#starting !== null && !this.#stopping) this.#startLoop();
      },
    });
    this.#options.instrumentation?.attach?.({
      nodeId: this.nodeId,
      storeName: this.#options.store.name,
      on: (event, listener) => this.#events.on(event, listener),
      runningCount: () => this.#loop.running.size,
      breakerStates: () => this.#loop.breakerStates(),
      countByStatus: async () => (await this.#options.store.jobStats({ nowMs: this.clock.now(), sinceMs: this.clock.now(), bucketMs: 60_000 })).byStatus,
    });
    this.#events.on('error', ({ error, during }) => this.#options.logger.error(`${during}: ${error.message}`));
    this.#events.on('record.quarantined', ({ kind, id, error }) => this.#options.logger.error(error.message, { kind, id }));
  }

  get store(): Store {
    return this.#options.store;
  }

  get clock(): Clock {
    return this.#options.clock;
  }

  /**
   * Opens the store and starts firing schedules and running jobs. Idempotent.
   *
   * When the store cannot be reached (`StoreUnavailableError`: a database still starting in a
   * rolling restart), `start()` still resolves: the node keeps trying in the background with
   * backoff (`store.openFailed` events, warnings in the log) and starts working as soon as the
   * store opens (`store.opened`, then `scheduler.started`). Meanwhile `health().ready` is false
   * and API calls fail fast with `StoreUnavailableError`. Any other error (a store written by a
   * newer Sundial, a foreign file) rejects: retrying would not help.
   */
  start(signal?: AbortSignal): Promise<void> {
    // As a hosted service: the host aborts this when it gives up starting (then calls stop()).
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.#assertNotStopped();
    this.#starting ??= this.#start().catch((error: unknown) => {
      this.#starting = null;
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    try {
      await this.#connector.openOnce();
    } catch (error) {
      if (!isRetryableOpenError(error) || this.#stopping) throw error;
      this.#connector.retryUntilOpen(); // its success starts the loop (see onOpened)
      // Alive while it waits for the store, as a started node is.
      this.#keepAlive ??= setInterval(() => {}, 2 ** 30);
      markSchedulerStarted(this.nodeId);
      return;
    }
    this.#startLoop();
  }

  /** Starts the loop once the store is open (at once, or when a background retry succeeds). */
  #startLoop(): void {
    if (this.#loop.isRunning || this.#stopping) return;
    this.#loop.start();
    markSchedulerStarted(this.nodeId);
    this.#keepAlive ??= setInterval(() => {}, 2 ** 30);
    this.#clusterStarted = this.#cluster.start().catch((error: unknown) => {
      this.#events.emit('error', { error: error as Error, during: 'starting the cluster event feed' });
    });
    this.#events.emit('scheduler.started', { nodeId: this.nodeId });
  }

  /**
   * Whether this node is doing its work: `ready` once the store is open and the loop runs, false
   * while it waits for the store (at start, or while the loop's store calls fail). For readiness
   * probes.
   */
  health(): SchedulerHealth {
    const state: SchedulerHealth['state'] = this.#stopping
      ? 'stopped'
      : this.#starting === null
        ? 'idle'
        : !this.#connector.isOpen
          ? 'connecting'
          : 'running';
    const loopError = this.#loop.storeError;
    const storeError = this.#connector.lastError ?? loopError;
    return {
      state,
      ready: state === 'running' && this.#loop.isRunning && loopError === null,
      storeError: storeError === null ? null : storeError.message,
      live: state !== 'stopped',
    };
  }

  /** Resolves once the store is open (at once when it is). */
  async whenOpen(): Promise<void> {
    if (this.#connector.isOpen) return;
    await this.waitFor('store.opened');
  }

  /**
   * Graceful shutdown: stops claiming, waits for running handlers up to `timeout` (default: the
   * `shutdownTimeout` option), aborts the rest and gives their jobs back, then closes the store.
   */
  stop(options: { timeout?: Duration } = {}): Promise<void> {
    // A second call (SIGINT after SIGTERM) waits for the same drain instead of returning early.
    this.#stopping ??= this.#stop(
      options.timeout === undefined ? this.#options.shutdownTimeoutMs : parseDuration(options.timeout, 'timeout', { allowZero: true }),
    );
    return this.#stopping;
  }

  async #stop(timeoutMs: number): Promise<void> {
    try {
      await this.#connector.stop();
      await this.#loop.stop(timeoutMs);
      await this.#clusterStarted;
      await this.#cluster.stop();
      if (this.#connector.everTried) await this.#options.store.close();
    } finally {
      if (this.#keepAlive) clearInterval(this.#keepAlive);
      this.#keepAlive = null;
      markSchedulerStopped(this.nodeId);
    }
    this.#events.emit('scheduler.stopped', { nodeId: this.nodeId });
  }

  /** Same as `stop()` with the default timeout, for `await using scheduler = …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Listens to this node's events; with `{ scope: 'cluster' }`, to the events of every node
   * sharing the store (this one included), read from the store's event log in log order, with
   * `meta` saying which node emitted each and its `seq`.
   *
   * Cluster delivery: every event appended to the log after this node started listening (its
   * scheduler started with a cluster listener, or it added its first one) is
   * delivered once, in order; a store outage only delays it (the reading resumes from its
   * cursor). Not delivered: events of a node that died before it appended them (it appends
   * after each store call, batched per turn), events emitted before the other nodes learned
   * that this one listens (within about a second of the first `on`: nodes append only the
   * events someone listens to), and events trimmed from the log before they were read
   * (announced by `cluster.eventsLost`). To act on a job's end, `result()` never misses one.
   */
  on<E extends SchedulerEventName>(event: E, listener: SchedulerEventListener<E>, options?: { scope?: 'local' }): () => void;
  on<E extends ClusterEventName>(event: E, listener: ClusterEventListener<E>, options: { scope: 'cluster' }): () => void;
  on(event: string, listener: (payload: never, meta: never) => void, options: { scope?: 'local' | 'cluster' } = {}): () => void {
    if (options.scope === 'cluster') {
      if (!isClusterEventName(event)) throw new InvalidArgumentError(`Event "${event}" is not delivered across the cluster (it stays inside its process)`);
      return this.#cluster.on(event, listener as ClusterEventListener<ClusterEventName>);
    }
    return this.#events.on(event as SchedulerEventName, listener as SchedulerEventListener<SchedulerEventName>);
  }

  /**
   * Resolves with the job's result once it succeeds, on whichever node runs it; rejects with
   * `JobFailedError` when it ends dead or cancelled, `ResultTimeoutError` after `timeout`,
   * `JobNotFoundError` when there is no such job, or the signal's reason. The job record decides:
   * an already finished job answers at once.
   */
  async result<T extends JsonValue | null = JsonValue | null>(jobId: string, options: { timeout?: Duration; signal?: AbortSignal } = {}): Promise<T> {
    assertIdentifier(jobId, 'job id');
    const timeoutMs = options.timeout === undefined ? null : parseDuration(options.timeout, 'timeout');
    await this.#ready();
    return (await this.#cluster.result(jobId, timeoutMs, options.signal)) as T;
  }

  /** The seq of the last cluster event this node read (0 before any). */
  get clusterCursor(): number {
    return this.#cluster.cursor;
  }

  /** Resolves with the next `event` whose payload passes `predicate`. */
  waitFor<E extends SchedulerEventName>(event: E, predicate: (payload: SchedulerEvents[E]) => boolean = () => true): Promise<SchedulerEvents[E]> {
    return new Promise((resolve) => {
      const off = this.#events.on(event, (payload) => {
        if (!predicate(payload)) return;
        off();
        resolve(payload);
      });
    });
  }

  /**
   * Creates the schedule, or replaces the one with this id (keeping its next fire when the trigger
   * is unchanged). With `{ tx }` (stores with transactional writes, e.g. a `pg` client inside
   * BEGIN) the write joins the caller's transaction.
   */
  async schedule<Input = JsonValue>(input: ScheduleInput<Input>, options: WriteOptions = {}): Promise<ScheduleRecord> {
    const checked = await this.#inputs.schedule(input as ScheduleInput<unknown>);
    await this.#ready();
    const nowMs = this.clock.now();
    const existing = await this.store.getSchedule(checked.id);
    // An unchanged trigger keeps the next fire, even a due one no node has taken yet: nodes that
    // schedule their schedules at every start must not move (or drop) fires. The store decides it
    // again in the write itself (keepNextFire): another node may fire the schedule meanwhile, and
    // writing back the fire read here would rewind it.
    const unchanged = existing !== null && existing.unreadable === undefined && sameTrigger(existing.trigger, checked.trigger);
    const nextFireAtMs = unchanged ? existing.nextFireAtMs : firstFireAtMs(checked.trigger, nowMs);
    if (nextFireAtMs === null && !unchanged) {
      throw new InvalidArgumentError(`The trigger of schedule "${checked.id}" has no fire left (its endAt has passed)`);
    }
    const produced = () => ({ kind: 'schedule', task: checked.task, count: 1, scheduleId: checked.id }) as const;
    const schedule = await produce(this.#options.instrumentation, produced, (traceContext) => this.store.upsertSchedule(
      withTraceContext({
        ...checked,
        // Left out, the stored flag stands (an operator's pause, made even while this call runs). A
        // quarantined schedule (paused because its record was unreadable) is repaired by its new
        // definition and runs again, unless the definition says paused.
        paused: checked.paused ?? (existing?.unreadable ? false : null),
        nextFireAtMs,
        keepNextFire: true,
        nowMs,
      }, traceContext),
      options,
    ));
    this.#events.emit(existing ? 'schedule.updated' : 'schedule.created', { schedule });
    this.#loop.wake();
    // A changed definition deleted the reservations of the old one: the nodes holding them let go.
    if (existing) this.#loop.renewSoon();
    return schedule;
  }

  /**
   * Creates or replaces many schedules in one store call (where the store has `upsertSchedules`;
   * else one call each): an application that creates thousands of one-shots pays one round trip.
   * Each is written as `schedule()` writes it, but without reading it first: an unchanged trigger
   * keeps its next fire (the store compares them), a schedule left without `paused` keeps its
   * flag, and a trigger with no fire left is refused.
   */
  async scheduleMany<Input = JsonValue>(inputs: ReadonlyArray<ScheduleInput<Input>>, options: WriteOptions = {}): Promise<ScheduleRecord[]> {
    const nowMs = this.clock.now();
    const writes: ScheduleWrite[] = [];
    const ids = new Set<string>();
    for (const input of inputs) {
      const checked = await this.#inputs.schedule(input as ScheduleInput<unknown>);
      if (ids.has(checked.id)) throw new InvalidArgumentError(`Schedule "${checked.id}" is given twice`);
      ids.add(checked.id);
      const nextFireAtMs = firstFireAtMs(checked.trigger, nowMs);
      if (nextFireAtMs === null) throw new InvalidArgumentError(`The trigger of schedule "${checked.id}" has no fire left (its endAt has passed)`);
      writes.push({ ...checked, paused: checked.paused ?? null, nextFireAtMs, keepNextFire: true, nowMs });
    }
    if (writes.length === 0) return [];
    await this.#ready();
    const store = this.store;
    const produced = () => ({ kind: 'schedule', task: writes[0]!.task, count: writes.length, scheduleId: writes.length === 1 ? writes[0]!.id : null }) as const;
    const schedules = await produce(this.#options.instrumentation, produced, async (traceContext) => {
      const traced = traceContext === null ? writes : writes.map((write) => withTraceContext(write, traceContext));
      return store.upsertSchedules
        ? store.upsertSchedules(traced, options)
        : traced.reduce<Promise<ScheduleRecord[]>>(async (done, write) => [...(await done), await store.upsertSchedule(write, options)], Promise.resolve([]));
    });
    for (const schedule of schedules) {
      const created = schedule.createdAtMs === nowMs && schedule.updatedAtMs === nowMs && schedule.firedCount === 0;
      this.#events.emit(created ? 'schedule.created' : 'schedule.updated', { schedule });
    }
    this.#loop.wake();
    this.#loop.renewSoon();
    return schedules;
  }

  /** Removes the schedule; its jobs stay. False when there was none. */
  async unschedule(id: string): Promise<boolean> {
    assertIdentifier(id, 'schedule id');
    await this.#ready();
    const removed = await this.store.removeSchedule(id, this.clock.now());
    if (removed) this.#events.emit('schedule.removed', { scheduleId: id });
    // Its reservations not due yet were deleted with it: this node lets go of its own at once,
    // and renews now to learn of any other change.
    this.#loop.dropReservations(id);
    this.#loop.renewSoon();
    return removed;
  }

  /**
   * Pauses a schedule: it stops firing (on every node) until `resume`. This node's reservations of its
   * fires not due yet are let go. Returns the updated record; throws `ScheduleNotFoundError` when it does
   * not exist.
   */
  async pause(id: string): Promise<ScheduleRecord> {
    assertIdentifier(id, 'schedule id');
    await this.#ready();
    const schedule = await this.store.updateSchedule(id, { paused: true }, this.clock.now());
    if (!schedule) throw new ScheduleNotFoundError(`No schedule with id "${id}"`);
    this.#events.emit('schedule.paused', { schedule });
    this.#loop.dropReservations(id);
    this.#loop.renewSoon();
    return schedule;
  }

  /** Resumes from now: the fires that fell in the pause are not run. */
  async resume(id: string): Promise<ScheduleRecord> {
    await this.#ready();
    const current = await this.getScheduleOrThrow(id);
    const nowMs = this.clock.now();
    const nextFireAtMs =
      current.trigger.type === 'date' || current.nextFireAtMs === null || current.nextFireAtMs >= nowMs
        ? current.nextFireAtMs
        : nextFireAfterMs(current.trigger, current.nextFireAtMs, nowMs - 1);
    const schedule = await this.store.updateSchedule(id, { paused: false, nextFireAtMs }, nowMs);
    if (!schedule) throw new ScheduleNotFoundError(`No schedule with id "${id}"`);
    this.#events.emit('schedule.resumed', { schedule });
    this.#loop.wake();
    return schedule;
  }

  /**
   * Runs the schedule once now, as a job with origin 'manual'; its next fire stays as it was.
   *
   * It respects the schedule's `maxRunning` as its fires do: when the schedule already has
   * `maxRunning` active jobs (queued, running, failed awaiting retry, or reserved and due), no job
   * is created and it throws `ScheduleBusyError` (with the count). `{ overlap: 'allow' }` starts
   * one anyway (what `trigger` did before 0.2).
   *
   * The count is read through the store (`listJobs`), then the job is created in a second call:
   * not one atomic step. A fire planned by another node between the two (or another `trigger`)
   * may still start beside it, so `maxRunning` can be exceeded by the jobs created in that window
   * (a round trip or two). Fires reserved ahead and not due yet do not count: their node judges
   * `maxRunning` again when each comes due, and skips it then if this job still runs.
   *
   * @example
   * try {
   *   await scheduler.trigger('nightly-report');
   * } catch (error) {
   *   if (error instanceof ScheduleBusyError) console.log(`still ${error.activeJobs} running`);
   *   else throw error;
   * }
   */
  async trigger(id: string, options: TriggerOptions = {}): Promise<JobRecord> {
    const overlap = options.overlap ?? 'limit';
    if (overlap !== 'limit' && overlap !== 'allow') {
      throw new InvalidArgumentError(`Expected \`overlap\` to be 'limit' or 'allow', got ${JSON.stringify(overlap)}`);
    }
    await this.#ready();
    const schedule = await this.getScheduleOrThrow(id);
    if (schedule.unreadable) throw corruptRecordError('schedule', id, schedule.unreadable);
    if (overlap === 'limit' && schedule.maxRunning !== null) {
      const active = await this.#jobs.activeJobsOf(id, schedule.maxRunning, this.clock.now());
      if (active >= schedule.maxRunning) throw new ScheduleBusyError(id, active, schedule.maxRunning);
    }
    return this.#jobs.manualFire(schedule, this.clock.now());
  }

  /**
   * Creates the fires the schedule's trigger had in the past range `[from, to]` (both included;
   * `to` not after now; at most 10,000 fires, else `InvalidArgumentError` and nothing is created):
   * one job each, with origin 'schedule', its `fireAtMs`, and the schedule's task, data and
   * priority, due at once (they run oldest first, as any node claims them).
   *
   * Each fire exists once: the store creates a schedule's job for a fire time only when none
   * exists (see `Store.enqueueJobs`), so a fire that already ran live, or was backfilled before, is
   * counted in `existing` and left as it was — a backfill can be retried or overlap another.
   * (Jobs removed by `purgeJobs` no longer exist: backfilling their range creates them again.)
   *
   * It is no fire of the live schedule: its `nextFireAtMs`, `lastFireAtMs` and counters
   * (`firedCount`, `skippedCount`, `missedCount`) are not touched, and neither `maxRunning`,
   * the misfire grace nor coalescing applies. A paused schedule can be backfilled.
   *
   * @example
   * // The nightly report missed last week: create its seven fires.
   * const { created, existing } = await scheduler.backfill('nightly-report', { from: Date.now() - 7 * 86_400_000, to: Date.now() });
   */
  async backfill(id: string, range: BackfillRange): Promise<BackfillResult> {
    assertIdentifier(id, 'schedule id');
    await this.#ready();
    const { fromMs, toMs } = checkBackfillRange(range, this.clock.now());
    const schedule = await this.getScheduleOrThrow(id);
    if (schedule.unreadable) throw corruptRecordError('schedule', id, schedule.unreadable);
    // Its data was checked when it was scheduled, perhaps under a larger limit than this node's.
    assertPayloadSize(schedule.data, `data of schedule "${id}"`, this.#options.maxPayloadBytes);
    return this.#jobs.backfill(schedule, backfillFireTimes(schedule, fromMs, toMs), this.clock.now());
  }

  /**
   * Creates an on-demand job (or returns the unfinished one with the same `dedupeKey`). With
   * `{ tx }` the job is written in the caller's transaction: it exists only if that commits.
   */
  async enqueue<Input = JsonValue>(input: EnqueueInput<Input>, options: WriteOptions = {}): Promise<JobRecord> {
    const [job] = await this.enqueueMany([input], options);
    return job!;
  }

  /** Creates many on-demand jobs in one store call. */
  async enqueueMany<Input = JsonValue>(inputs: ReadonlyArray<EnqueueInput<Input>>, options: WriteOptions = {}): Promise<JobRecord[]> {
    const nowMs = this.clock.now();
    const jobs: NewJob[] = [];
    for (const [index, input] of inputs.entries()) jobs.push(await this.#inputs.job(input as EnqueueInput<unknown>, index, nowMs));
    return this.#writeJobs(jobs, options);
  }

  /**
   * Creates a flow — jobs that wait for one another — in one atomic store step: a step's `after`
   * names keys of other steps (or ids of stored jobs); a step runs once all of them have finished,
   * and reads their results in `context.parents`. Returns the created jobs by key.
   *
   * @example
   * const { report } = await scheduler.flow([
   *   { key: 'ec2', task: 'collect', data: { service: 'ec2' } },
   *   { key: 'rds', task: 'collect', data: { service: 'rds' } },
   *   { key: 'report', task: 'report', after: ['ec2', 'rds'] },
   * ]);
   */
  async flow(steps: ReadonlyArray<FlowStep>, options: WriteOptions = {}): Promise<Record<string, JobRecord>> {
    const nowMs = this.clock.now();
    const ordered = orderFlowSteps(steps);
    const ids = new Map<string, string>();
    const jobs: NewJob[] = [];
    for (const [index, step] of ordered.entries()) {
      const after = step.after?.map((parent) => ids.get(parent) ?? parent);
      const job = await this.#inputs.job({ ...step, ...(after ? { after } : {}) }, index, nowMs);
      ids.set(step.key, job.id);
      jobs.push(job);
    }
    const records = await this.#writeJobs(jobs, options);
    return Object.fromEntries(ordered.map((step, index) => [step.key, records[index]!]));
  }

  async #writeJobs(jobs: NewJob[], options: WriteOptions): Promise<JobRecord[]> {
    await this.#ready();
    return this.#jobs.enqueue(jobs, options);
  }

  /** The schedule with this id, read from the store, or null when none exists. */
  async getSchedule(id: string): Promise<ScheduleRecord | null> {
    assertIdentifier(id, 'schedule id');
    await this.#ready();
    return this.store.getSchedule(id);
  }

  /** Schedules ordered by id, filtered and paged by `query` (see `ScheduleQuery`; at most 100 by default). */
  async listSchedules(query?: ScheduleQuery): Promise<ScheduleRecord[]> {
    assertScheduleQuery(query);
    await this.#ready();
    return this.store.listSchedules(query);
  }

  /** The job with this id (with its attempt history), or null when none exists (or it was purged). */
  async getJob(id: string): Promise<JobRecord | null> {
    assertIdentifier(id, 'job id');
    await this.#ready();
    return this.store.getJob(id);
  }

  /**
   * Jobs newest first, filtered and paged by `query` — or the change feed with `updatedAfterMs`
   * (see `JobQuery`; at most 100 by default).
   */
  async listJobs(query?: JobQuery): Promise<JobRecord[]> {
    assertJobQuery(query);
    await this.#ready();
    return this.store.listJobs(query);
  }

  /** Cancels a queued job at once, or asks the node running it to abort it. Null when there is no such job. */
  async cancelJob(id: string, reason = 'cancelled by request'): Promise<JobRecord | null> {
    assertIdentifier(id, 'job id');
    await this.#ready();
    const job = await this.store.cancelJob({ jobId: id, nowMs: this.clock.now(), reason });
    if (job?.status === 'cancelled') this.#events.emit('job.cancelled', { job: snapshotOf(job) });
    // A reserved job's node learns of it at its next renewal: make that now.
    this.#loop.renewSoon();
    return job;
  }

  /** Gives a dead or cancelled job one more attempt. */
  async retryJob(id: string): Promise<JobRecord | null> {
    assertIdentifier(id, 'job id');
    await this.#ready();
    const job = await this.store.retryJob({ jobId: id, nowMs: this.clock.now() });
    if (job) {
      this.#events.emit('job.enqueued', { job: snapshotOf(job) });
      this.#loop.wake();
    }
    return job;
  }

  /**
   * Every task's circuit breaker as the store holds it, with the calls counted in its window when
   * this node runs the task (else all the calls the store still keeps).
   */
  async breakers(): Promise<BreakerRecord[]> {
    await this.#ready();
    return this.store.readBreakers({ sinceMs: 0 });
  }

  /**
   * An operator's override of a task's breaker, on every node: `open` stops its jobs from
   * starting until released, `closed` keeps them starting whatever fails, null hands it back to
   * the automatic rules (closed, with a fresh window).
   */
  async forceBreaker(task: string, force: BreakerForce): Promise<BreakerRecord> {
    assertIdentifier(task, 'task');
    if (force !== 'open' && force !== 'closed' && force !== null) {
      throw new InvalidArgumentError(`Expected the breaker force to be 'open', 'closed' or null, got ${JSON.stringify(force)}`);
    }
    await this.#ready();
    const nowMs = this.clock.now();
    const before = (await this.store.readBreakers({ tasks: [task], sinceMs: nowMs }))[0];
    const after = await forceBreaker(this.store, task, force, nowMs);
    this.#events.emit('breaker.changed', { task, from: before?.state ?? 'closed', to: after.state, reason: 'operator', forced: force });
    this.#loop.wake();
    return after;
  }

  /** The names of the tasks this node can run. */
  taskNames(): string[] {
    return this.#registry.names();
  }

  /** Like `getSchedule`, but throws `ScheduleNotFoundError` when the schedule does not exist. */
  async getScheduleOrThrow(id: string): Promise<ScheduleRecord> {
    const schedule = await this.getSchedule(id);
    if (!schedule) throw new ScheduleNotFoundError(`No schedule with id "${id}"`);
    return schedule;
  }

  /** The store, open: at once, after the attempt under way, or a fast `StoreUnavailableError`. */
  #ready(): Promise<void> {
    this.#assertNotStopped();
    return this.#connector.ensureOpen();
  }

  /** Once per scheduler, after the store opens: what its server cannot promise (`Store.durabilityWarnings`). */
  async #logStoreWarnings(): Promise<void> {
    const { store, logger } = this.#options;
    if (!store.durabilityWarnings) return;
    try {
      for (const warning of await store.durabilityWarnings()) logger.warn(`Store ${store.name}: ${warning.message}`, { code: warning.code });
    } catch (error) {
      logger.warn(`Store ${store.name}: could not check its durability settings: ${error instanceof Error ? error.message : String(error)}`, {
        code: 'durability-unchecked',
      });
    }
  }

  #assertNotStopped(): void {
    if (this.#stopping) throw new SchedulerStateError('The scheduler was stopped; create a new one');
  }
}
