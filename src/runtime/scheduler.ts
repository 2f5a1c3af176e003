import { newId } from '../domain/ids.ts';
import type { JsonValue } from '../domain/json.ts';
import type { JobRecord, NewJob } from '../domain/job.ts';
import { assertJsonPayload, validatePayload } from '../domain/payload.ts';
import type { CoalescePolicy, ScheduleRecord } from '../domain/schedule.ts';
import type { TriggerSpec } from '../domain/trigger.ts';
import { defaultRetryPolicy } from '../domain/retry.ts';
import { InvalidArgumentError, ScheduleNotFoundError, SchedulerStateError, UnknownTaskError } from '../errors.ts';
import type { JobQuery, ScheduleQuery, Store, WriteOptions } from '../store/store.ts';
import type { AnyTaskDefinition, TaskDefinition } from '../tasks/task.ts';
import { TaskRegistry } from '../tasks/task-registry.ts';
import type { Clock } from '../time/clock.ts';
import { parseDuration, type Duration } from '../time/duration.ts';
import { firstFireAtMs, nextFireAfterMs } from '../triggers/next-fire.ts';
import { assertTriggerSpec } from '../domain/assert-trigger.ts';
import { sameTrigger } from '../domain/same-trigger.ts';
import { assertIdentifier, assertOptionalIdentifier } from '../domain/identifier.ts';
import { SchedulerEventEmitter, type SchedulerEventListener, type SchedulerEventName, type SchedulerEvents } from './events.ts';
import { markSchedulerStarted, markSchedulerStopped } from './live-schedulers.ts';
import { NodeLoop } from './node-loop.ts';
import { isRetryableOpenError, StoreConnector } from './store-connector.ts';
import { corruptRecordError } from './quarantine.ts';
import { resolveSchedulerOptions, type ResolvedSchedulerOptions, type SchedulerOptions } from './scheduler-options.ts';

/** A task by name, or its definition (which also types `data`). */
// oxlint-disable-next-line no-explicit-any -- any payload type fits a task reference
type TaskRef<Input> = string | TaskDefinition<Input, any, any>;

export interface ScheduleInput<Input = JsonValue> {
  /** Stable id: scheduling the same id again replaces the schedule, never duplicates it. */
  id: string;
  task: TaskRef<Input>;
  /** The payload each job gets. Plain JSON only (ids and settings, not objects). @defaultValue null */
  data?: Input;
  /** From `at()`, `every()` or `cron()`. */
  trigger: TriggerSpec;
  /** Priority of its jobs (higher runs first). @defaultValue the task's priority, else 0 */
  priority?: number;
  /** Most active jobs of this schedule at once, across all nodes; null for no limit. @defaultValue 1 */
  maxRunning?: number | null;
  /** A fire noticed later than this after its time is recorded as missed, not run. @defaultValue null (no limit) */
  misfireGrace?: Duration | null;
  /** Which overdue fires run after downtime. @defaultValue 'latest' */
  coalesce?: CoalescePolicy;
  /** Create it paused. @defaultValue false for a new schedule; an existing one keeps its state */
  paused?: boolean;
}

export interface EnqueueInput<Input = JsonValue> {
  task: TaskRef<Input>;
  data?: Input;
  /** Not before this instant. @defaultValue now */
  runAt?: Date | number;
  /** Not before this long from now (ignored when `runAt` is given). */
  delay?: Duration;
  /** Higher runs first. @defaultValue the task's priority, else 0 */
  priority?: number;
  /** While a job with this key is not finished, enqueueing the same key returns that job. */
  dedupeKey?: string;
}

/** What `Scheduler.health()` reports. */
export interface SchedulerHealth {
  /** idle: not started; connecting: started, waiting for the store; running; stopped (or stopping). */
  state: 'idle' | 'connecting' | 'running' | 'stopped';
  /** Working: the store is open, the loop runs and its last store call did not fail. */
  ready: boolean;
  /** The last store error while not ready (unreachable at open, or failing calls), else null. */
  storeError: string | null;
}

/**
 * The scheduler of one node. Many nodes may share one store: together they fire each schedule's
 * fire once and run each job once at a time.
 */
export class Scheduler<Services = unknown> {
  readonly nodeId: string;
  readonly #options: ResolvedSchedulerOptions;
  readonly #registry: TaskRegistry;
  readonly #events = new SchedulerEventEmitter();
  readonly #loop: NodeLoop;
  readonly #connector: StoreConnector;
  /** The first start()'s work, shared by later calls; cleared when it fails for good. */
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  /** A ref'd handle while started: a running scheduler keeps its process alive, as a listening server does. */
  #keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(options: SchedulerOptions<Services>) {
    this.#options = resolveSchedulerOptions(options as SchedulerOptions<unknown>);
    this.nodeId = this.#options.nodeId;
    this.#registry = new TaskRegistry(this.#options.tasks);
    this.#loop = new NodeLoop(this.#options, this.#registry, this.#events);
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
  start(): Promise<void> {
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
      if (this.#connector.everTried) await this.#options.store.close();
    } finally {
      if (this.#keepAlive) clearInterval(this.#keepAlive);
      this.#keepAlive = null;
      markSchedulerStopped(this.nodeId);
    }
    this.#events.emit('scheduler.stopped', { nodeId: this.nodeId });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  on<E extends SchedulerEventName>(event: E, listener: SchedulerEventListener<E>): () => void {
    return this.#events.on(event, listener);
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
    const id = assertIdentifier(input?.id, 'schedule `id`');
    const trigger = assertTriggerSpec(input.trigger, `trigger of schedule "${id}"`);
    const definition = this.#taskFor(input.task);
    const taskName = typeof input.task === 'string' ? input.task : input.task.name;
    const data = await this.#checkPayload(definition, input.data, `data of schedule "${id}"`);
    const maxRunning = input.maxRunning === undefined ? 1 : input.maxRunning;
    if (maxRunning !== null && (!Number.isInteger(maxRunning) || maxRunning < 1)) {
      throw new InvalidArgumentError(`Expected \`maxRunning\` to be a positive integer or null, got ${String(maxRunning)}`);
    }
    const coalesce = input.coalesce ?? 'latest';
    if (!['latest', 'earliest', 'all'].includes(coalesce)) {
      throw new InvalidArgumentError(`Expected \`coalesce\` to be 'latest', 'earliest' or 'all', got ${JSON.stringify(coalesce)}`);
    }
    await this.#ready();
    const nowMs = this.clock.now();
    const existing = await this.store.getSchedule(id);
    // An unchanged trigger keeps the next fire, even a due one no node has taken yet: nodes that
    // schedule their schedules at every start must not move (or drop) fires.
    const unchanged = existing !== null && sameTrigger(existing.trigger, trigger);
    const nextFireAtMs = unchanged ? existing.nextFireAtMs : firstFireAtMs(trigger, nowMs);
    if (nextFireAtMs === null) throw new InvalidArgumentError(`The trigger of schedule "${id}" has no fire left (its endAt has passed)`);
    const schedule = await this.store.upsertSchedule({
      id,
      task: taskName,
      data,
      trigger,
      priority: checkPriority(input.priority ?? definition?.priority ?? 0),
      maxRunning,
      misfireGraceMs: input.misfireGrace == null ? null : parseDuration(input.misfireGrace, 'misfireGrace', { allowZero: true }),
      coalesce,
      // A quarantined schedule (paused because its record was unreadable) is repaired by its new
      // definition, and runs again unless the definition says paused.
      paused: input.paused ?? (existing?.unreadable ? false : existing?.paused) ?? false,
      nextFireAtMs,
      nowMs,
    }, options);
    this.#events.emit(existing ? 'schedule.updated' : 'schedule.created', { schedule });
    this.#loop.wake();
    return schedule;
  }

  /** Removes the schedule; its jobs stay. False when there was none. */
  async unschedule(id: string): Promise<boolean> {
    assertIdentifier(id, 'schedule id');
    await this.#ready();
    const removed = await this.store.removeSchedule(id);
    if (removed) this.#events.emit('schedule.removed', { scheduleId: id });
    return removed;
  }

  async pause(id: string): Promise<ScheduleRecord> {
    assertIdentifier(id, 'schedule id');
    await this.#ready();
    const schedule = await this.store.updateSchedule(id, { paused: true }, this.clock.now());
    if (!schedule) throw new ScheduleNotFoundError(`No schedule with id "${id}"`);
    this.#events.emit('schedule.paused', { schedule });
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

  /** Runs the schedule once now, as a job with origin 'manual'; its next fire stays as it was. */
  async trigger(id: string): Promise<JobRecord> {
    await this.#ready();
    const schedule = await this.getScheduleOrThrow(id);
    if (schedule.unreadable) throw corruptRecordError('schedule', id, schedule.unreadable);
    const nowMs = this.clock.now();
    const [result] = await this.store.enqueueJobs([
      this.#newJob(schedule.task, schedule.data, { origin: 'manual', scheduleId: id, priority: schedule.priority, runAtMs: nowMs }),
    ]);
    const job = result!.job;
    this.#events.emit('schedule.fired', { scheduleId: id, fireAtMs: null, job });
    this.#events.emit('job.enqueued', { job });
    this.#loop.wake();
    return job;
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
    for (const [index, input] of inputs.entries()) {
      const definition = this.#taskFor(input?.task);
      const taskName = typeof input.task === 'string' ? input.task : input.task.name;
      const data = await this.#checkPayload(definition, input.data, `data of job ${index} (${taskName})`);
      assertOptionalIdentifier(input.dedupeKey, '`dedupeKey`', 1000);
      jobs.push(
        this.#newJob(taskName, data, {
          origin: 'enqueue',
          scheduleId: null,
          priority: checkPriority(input.priority ?? definition?.priority ?? 0),
          runAtMs: runAtOf(input, nowMs),
          dedupeKey: input.dedupeKey ?? null,
        }),
      );
    }
    await this.#ready();
    const results = await this.store.enqueueJobs(jobs, options);
    // Inside a caller's transaction the jobs are not visible yet: the store's notification (sent
    // at commit) wakes the nodes, and `job.enqueued` would announce a job that may be rolled back.
    if (options.tx === undefined) {
      for (const { job, created } of results) if (created) this.#events.emit('job.enqueued', { job });
      this.#loop.wake();
    }
    return results.map(({ job }) => job);
  }

  async getSchedule(id: string): Promise<ScheduleRecord | null> {
    assertIdentifier(id, 'schedule id');
    await this.#ready();
    return this.store.getSchedule(id);
  }

  async listSchedules(query?: ScheduleQuery): Promise<ScheduleRecord[]> {
    assertScheduleQuery(query);
    await this.#ready();
    return this.store.listSchedules(query);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    assertIdentifier(id, 'job id');
    await this.#ready();
    return this.store.getJob(id);
  }

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
    if (job?.status === 'cancelled') this.#events.emit('job.cancelled', { job });
    return job;
  }

  /** Gives a dead or cancelled job one more attempt. */
  async retryJob(id: string): Promise<JobRecord | null> {
    assertIdentifier(id, 'job id');
    await this.#ready();
    const job = await this.store.retryJob({ jobId: id, nowMs: this.clock.now() });
    if (job) {
      this.#events.emit('job.enqueued', { job });
      this.#loop.wake();
    }
    return job;
  }

  /** The names of the tasks this node can run. */
  taskNames(): string[] {
    return this.#registry.names();
  }

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

  /** The task's definition; an unknown name is an error unless this node knows no task at all (a client). */
  #taskFor(ref: unknown): AnyTaskDefinition | undefined {
    if (typeof ref === 'object' && ref !== null && 'name' in ref) return ref as AnyTaskDefinition;
    if (typeof ref !== 'string' || ref === '') {
      throw new InvalidArgumentError(`Expected \`task\` to be a task name or a task() definition, got ${JSON.stringify(ref)}`);
    }
    assertIdentifier(ref, '`task`');
    const definition = this.#registry.get(ref);
    if (!definition && this.#registry.size > 0) {
      throw new UnknownTaskError(`No task named "${ref}" is registered (known: ${this.#registry.names().join(', ')})`);
    }
    return definition;
  }

  async #checkPayload(definition: AnyTaskDefinition | undefined, data: unknown, what: string): Promise<JsonValue> {
    const payload = data === undefined ? null : data;
    assertJsonPayload(payload, what);
    // The input is stored, not the schema's output: the schema runs again before every attempt.
    if (definition?.schema) await validatePayload(definition.schema, payload, what);
    return payload;
  }

  #newJob(
    task: string,
    data: JsonValue,
    fields: Pick<NewJob, 'origin' | 'scheduleId' | 'priority' | 'runAtMs'> & { dedupeKey?: string | null },
  ): NewJob {
    const nowMs = this.clock.now();
    return {
      id: newId(nowMs),
      task,
      data,
      fireAtMs: null,
      maxAttempts: this.#registry.get(task)?.retry.attempts ?? defaultRetryPolicy.attempts,
      createdAtMs: nowMs,
      dedupeKey: null,
      ...fields,
    };
  }
}

function checkPriority(priority: number): number {
  if (!Number.isInteger(priority)) throw new InvalidArgumentError(`Expected \`priority\` to be an integer, got ${String(priority)}`);
  return priority;
}

function runAtOf(input: EnqueueInput<unknown>, nowMs: number): number {
  if (input.runAt !== undefined) {
    const ms = input.runAt instanceof Date ? input.runAt.getTime() : input.runAt;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new InvalidArgumentError(`Expected \`runAt\` to be a valid Date or epoch milliseconds, got ${String(input.runAt)}`);
    }
    return ms;
  }
  return input.delay === undefined ? nowMs : nowMs + parseDuration(input.delay, 'delay', { allowZero: true });
}

/** The text filters of a schedule listing, checked like the ids they are compared with. */
function assertScheduleQuery(query: ScheduleQuery | undefined): void {
  if (!query) return;
  assertOptionalIdentifier(query.task, 'the `task` filter');
  assertOptionalIdentifier(query.idPrefix, 'the `idPrefix` filter');
  assertOptionalIdentifier(query.afterId, 'the `afterId` cursor');
}

/** The text filters of a job listing, checked like the ids they are compared with. */
function assertJobQuery(query: JobQuery | undefined): void {
  if (!query) return;
  assertOptionalIdentifier(query.task, 'the `task` filter');
  assertOptionalIdentifier(query.scheduleId, 'the `scheduleId` filter');
  assertOptionalIdentifier(query.afterId, 'the `afterId` cursor');
}
