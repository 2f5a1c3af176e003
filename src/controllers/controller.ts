import { InvalidArgumentError, ShutdownError } from '../errors.ts';
import { defaultNodeId } from '../runtime/node-id.ts';
import { toError } from '../runtime/events.ts';
import { consoleLogger, type Logger } from '../runtime/logger.ts';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.ts';
import { parseDuration, type Duration } from '../time/duration.ts';
import type { ControllerOptions, ControllerStatus } from './controller-options.ts';
import { ControllerEventEmitter, type ControllerEventListener, type ControllerEventName } from './controller-events.ts';
import type { HostedService, ServiceHealth } from './hosted-service.ts';
import { KeyErrors } from './key-errors.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.ts';
import { planFor, isTerminal, type Plan } from './reconcile-result.ts';
import { RecentWindow } from './recent-window.ts';
import { WorkQueue } from './work-queue.ts';
import { ControllerLink } from './controller-link.ts';

/** One start-to-stop of a controller: each start gets a fresh queue. */
interface Run {
  readonly queue: WorkQueue;
  readonly abort: AbortController;
  started: Promise<void>;
  stopping: Promise<void> | null;
  running: boolean;
  workers: Promise<void>[];
  resyncTimer: TimerHandle | null;
  releaseStartSignal: () => void;
}

/**
 * A control loop (controller-runtime's controller over a client-go work queue): keys go into a
 * queue, `maxConcurrent` workers take them out and call `reconcile`, and the outcome decides
 * whether and when each key comes back. It is a `HostedService`: add it to a `Host`, or to a
 * leader-only group that starts it when elected and stops it when deposed, as often as needed.
 *
 * @example
 * const orders = controller({
 *   name: 'orders',
 *   list: () => db.orderIds(),
 *   resyncEvery: '10m',
 *   async reconcile(id, { signal }) {
 *     const order = await db.order(id, { signal });
 *     if (order.status === 'pending') return { requeueAfter: '30s' };
 *   },
 * });
 * orders.on('controller.failed', ({ key, error }) => metrics.failure(key, error));
 */
export class Controller implements HostedService {
  readonly name: string;
  readonly #reconcile: ControllerOptions['reconcile'];
  readonly #list: ControllerOptions['list'] | undefined;
  readonly #resyncEveryMs: number | null;
  readonly #maxConcurrent: number;
  readonly #rateLimiter: () => RateLimiter;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #events: ControllerEventEmitter;
  #run: Run | null = null;
  readonly #link: ControllerLink | null;
  #adds = 0;
  #retries = 0;
  #inFlight = 0;
  #reconciles = 0;
  #errors = 0;
  #lastReconcileAtMs: number | null = null;
  readonly #queueLatency = new RecentWindow();
  readonly #workDuration = new RecentWindow();
  readonly #keyErrors = new KeyErrors(100);

  constructor(options: ControllerOptions) {
    if (typeof options?.name !== 'string' || options.name.trim() === '') {
      throw new InvalidArgumentError(`Expected \`name\` to be a non-empty string, got ${JSON.stringify(options?.name)}`);
    }
    this.name = options.name;
    if (typeof options.reconcile !== 'function') throw new InvalidArgumentError(`Expected \`reconcile\` of controller ${this.name} to be a function`);
    if (options.list !== undefined && typeof options.list !== 'function') throw new InvalidArgumentError(`Expected \`list\` of controller ${this.name} to be a function`);
    if (options.resyncEvery !== undefined && options.list === undefined) {
      throw new InvalidArgumentError(`Expected \`list\` next to \`resyncEvery\` in controller ${this.name}: a resync lists the keys again`);
    }
    const maxConcurrent = options.maxConcurrent ?? 1;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new InvalidArgumentError(`Expected \`maxConcurrent\` to be a positive integer, got ${String(maxConcurrent)}`);
    }
    this.#reconcile = options.reconcile.bind(options);
    this.#list = options.list?.bind(options);
    this.#resyncEveryMs = options.resyncEvery === undefined ? null : parseDuration(options.resyncEvery, 'resyncEvery');
    this.#maxConcurrent = maxConcurrent;
    this.#clock = options.clock ?? systemClock;
    const rateLimiter = options.rateLimiter;
    this.#rateLimiter =
      rateLimiter === undefined ? () => defaultControllerRateLimiter(this.#clock) : typeof rateLimiter === 'function' ? rateLimiter : () => rateLimiter;
    const logger = options.logger ?? 'warn';
    this.#logger = typeof logger === 'string' ? consoleLogger(logger) : logger;
    this.#events = new ControllerEventEmitter((error, event) =>
      this.#logger.error(`controller ${this.name}: a listener of ${event} threw: ${toError(error).message}`),
    );
    this.#link =
      options.store === undefined
        ? null
        : new ControllerLink({
            name: this.name,
            store: options.store,
            nodeId: options.nodeId ?? defaultNodeId(),
            clock: this.#clock,
            logger: this.#logger,
            statusEveryMs: parseDuration(options.publishStatusEvery ?? '5s', 'publishStatusEvery'),
            status: () => this.status(),
            onKey: (key, afterMs) => {
              const run = this.#run;
              if (run === null || run.stopping !== null) return;
              if (afterMs === undefined) run.queue.add(key);
              else run.queue.addAfter(key, afterMs);
            },
          });
  }

  /**
   * Lists the keys (when `list` is set), then starts the workers; resolves once they run.
   * Idempotent while running; after `stop()` it starts again with a fresh queue (controller-runtime
   * refuses a second `Start`; leader-only services here start at every election). Stopping
   * (`stop()` or `signal`) before it resolves rejects it with a `ShutdownError`; a `list()` that
   * throws rejects it with that error.
   */
  async start(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const current = this.#run;
      if (current === null) break;
      if (current.stopping === null) return current.started;
      // Still stopping from the previous term: let it finish, then start afresh.
      await current.stopping;
    }
    const queue = new WorkQueue({
      clock: this.#clock,
      rateLimiter: this.#rateLimiter(),
      hooks: {
        onAdded: () => void this.#adds++,
        onRetried: () => void this.#retries++,
        onTaken: (_key, latencyMs) => this.#queueLatency.add(latencyMs),
        onDone: (_key, durationMs) => this.#workDuration.add(durationMs),
      },
    });
    const run: Run = {
      queue,
      abort: new AbortController(),
      started: Promise.resolve(),
      stopping: null,
      running: false,
      workers: [],
      resyncTimer: null,
      releaseStartSignal: () => {},
    };
    this.#run = run;
    run.started = this.#startRun(run, signal);
    return run.started;
  }

  async #startRun(run: Run, signal: AbortSignal | undefined): Promise<void> {
    if (signal) {
      const onAbort = () => void this.#stop(run);
      signal.addEventListener('abort', onAbort, { once: true });
      run.releaseStartSignal = () => signal.removeEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
    }
    if (this.#link !== null) {
      try {
        // Before the listing: a key appended while it runs is read after it, never lost between.
        await this.#link.start();
      } catch (error) {
        this.#logger.error(`controller ${this.name}: could not follow the store's event log: ${toError(error).message}`);
        await this.#stop(run);
        throw error;
      }
    }
    if (this.#list && !run.abort.signal.aborted) {
      try {
        await this.#resync(run);
      } catch (error) {
        this.#logger.error(`controller ${this.name}: list() failed at start: ${toError(error).message}`);
        await this.#stop(run);
        throw error;
      }
    }
    if (run.abort.signal.aborted) throw new ShutdownError(`Controller ${this.name} was stopped before it finished starting`);
    for (let i = 0; i < this.#maxConcurrent; i++) run.workers.push(this.#work(run));
    run.running = true;
    this.#armResync(run);
    this.#logger.info(`controller ${this.name} started`, { maxConcurrent: this.#maxConcurrent });
  }

  /**
   * Stops taking keys, aborts the `ctx.signal` of running reconciles and resolves once they have
   * returned. Keys still queued or waiting are dropped: the next start lists them again.
   * Idempotent.
   */
  stop(): Promise<void> {
    return this.#run === null ? Promise.resolve() : this.#stop(this.#run);
  }

  #stop(run: Run): Promise<void> {
    run.stopping ??= (async () => {
      run.running = false;
      run.resyncTimer?.cancel();
      run.resyncTimer = null;
      run.releaseStartSignal();
      run.abort.abort(new ShutdownError(`Controller ${this.name} is stopping`));
      run.queue.shutDown();
      // Workers never reject: #work catches everything a reconcile throws.
      await Promise.all(run.workers);
      await this.#link?.stop();
      if (this.#run === run) this.#run = null;
      this.#logger.info(`controller ${this.name} stopped`);
    })();
    return run.stopping;
  }

  /** Same as `stop()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Queues `key` for a reconcile. Where the controller runs, at once; elsewhere, with a `store`,
   * through the store to the node where it runs (resolved once appended); without a store, it is
   * ignored while the controller is not running (its next start lists every key again).
   */
  async enqueue(key: string): Promise<void> {
    assertKey(key);
    const run = this.#run;
    if (run !== null && run.stopping === null) run.queue.add(key);
    else await this.#link?.forward(key);
  }

  /** Queues `key` once `delay` has passed (an earlier pending instant for the key wins); reaches other nodes as `enqueue` does. */
  async enqueueAfter(key: string, delay: Duration): Promise<void> {
    assertKey(key);
    const delayMs = parseDuration(delay, 'delay', { allowZero: true });
    const run = this.#run;
    if (run !== null && run.stopping === null) run.queue.addAfter(key, delayMs);
    else await this.#link?.forward(key, delayMs);
  }

  /**
   * Listens to this controller's events (see `ControllerEvents`). A throwing listener never breaks the
   * controller: it is logged and the other listeners still run. Returns a function that removes the listener.
   */
  on<E extends ControllerEventName>(event: E, listener: ControllerEventListener<E>): () => void {
    return this.#events.on(event, listener);
  }

  /** A snapshot of this controller now: whether it runs, its queue depth, its counts and latencies. */
  status(): ControllerStatus {
    const run = this.#run;
    return {
      name: this.name,
      running: run?.running ?? false,
      depth: run?.queue.stats().depth ?? 0,
      adds: this.#adds,
      retries: this.#retries,
      inFlight: this.#inFlight,
      reconciles: this.#reconciles,
      errors: this.#errors,
      lastReconcileAtMs: this.#lastReconcileAtMs,
      queueLatencyMs: this.#queueLatency.percentiles(),
      workDurationMs: this.#workDuration.percentiles(),
      errorsByKey: this.#keyErrors.list(),
    };
  }

  /** Live while it exists; ready while running. */
  health(): ServiceHealth {
    const run = this.#run;
    if (run?.running) return { live: true, ready: true };
    return { live: true, ready: false, detail: run === null ? 'not started' : run.stopping ? 'stopping' : 'starting' };
  }

  async #resync(run: Run): Promise<void> {
    const keys = await (this.#list as NonNullable<ControllerOptions['list']>)({ signal: run.abort.signal });
    if (run.abort.signal.aborted) return;
    let count = 0;
    for (const key of keys) {
      run.queue.add(key);
      count++;
    }
    this.#events.emit('controller.resynced', { controller: this.name, keys: count });
  }

  /** The next resync, timed from the end of the previous one so that a slow `list()` never overlaps itself. */
  #armResync(run: Run): void {
    if (this.#resyncEveryMs === null || run.stopping) return;
    run.resyncTimer = this.#clock.setTimer(() => {
      run.resyncTimer = null;
      this.#resync(run)
        .catch((error: unknown) => this.#logger.error(`controller ${this.name}: list() failed during resync: ${toError(error).message}`))
        .finally(() => this.#armResync(run));
    }, this.#resyncEveryMs);
  }

  async #work(run: Run): Promise<void> {
    const { queue, abort } = run;
    for (;;) {
      const key = await queue.get();
      if (key === null) return;
      // controller-runtime's workers go on draining the queued keys with a cancelled context;
      // a stopped Sundial controller starts nothing new, since its next start lists every key again.
      if (abort.signal.aborted) {
        queue.done(key);
        return;
      }
      try {
        await this.#handle(run, key);
      } finally {
        queue.done(key);
      }
    }
  }

  /** controller-runtime's `reconcileHandler`: one reconcile, and the outcome's effect on the queue. */
  async #handle(run: Run, key: string): Promise<void> {
    const { queue, abort } = run;
    const retries = queue.retries(key);
    const startedAtMs = this.#clock.now();
    const logger = withFields(this.#logger, { controller: this.name, key });
    let plan: Plan | null = null;
    let failure: Error | null = null;
    this.#inFlight++;
    try {
      plan = planFor(await this.#reconcile(key, { key, signal: abort.signal, retries, clock: this.#clock, logger }));
    } catch (error) {
      failure = toError(error);
    } finally {
      this.#inFlight--;
    }
    const nowMs = this.#clock.now();
    if (failure !== null && abort.signal.aborted) {
      // Most likely the abort itself; the next start lists the key again, so this is no failure.
      logger.debug(`reconcile ended by stop: ${failure.message}`);
      return;
    }
    this.#reconciles++;
    this.#lastReconcileAtMs = nowMs;
    const durationMs = nowMs - startedAtMs;
    if (plan !== null) {
      this.#keyErrors.succeeded(key);
      let requeueAfterMs: number | undefined;
      if (plan.kind === 'after') {
        queue.forget(key);
        queue.addAfter(key, plan.delayMs);
        requeueAfterMs = plan.delayMs;
      } else if (plan.kind === 'rateLimited') {
        requeueAfterMs = queue.addRateLimited(key);
      } else {
        queue.forget(key);
      }
      this.#events.emit('controller.reconciled', { controller: this.name, key, durationMs, ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }) });
      return;
    }
    const error = failure ?? new Error('reconcile failed');
    this.#errors++;
    this.#keyErrors.failed(key, error, nowMs);
    let retryInMs: number | null = null;
    if (isTerminal(error)) queue.forget(key);
    else retryInMs = queue.addRateLimited(key);
    logger.error(`reconcile failed${retryInMs === null ? ' for good' : `, retrying in ${retryInMs} ms`}: ${error.message}`, { retries });
    this.#events.emit('controller.failed', { controller: this.name, key, error, retries, retryInMs });
  }
}

/**
 * Creates a {@link Controller}.
 *
 * @example
 * const ctl = controller({ name: 'invoices', reconcile: async (id) => { await syncInvoice(id); } });
 */
export function controller(options: ControllerOptions): Controller {
  return new Controller(options);
}

function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidArgumentError(`Expected a key to be a string, got ${typeof key}`);
}

function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (message, more) => logger.debug(message, { ...fields, ...more }),
    info: (message, more) => logger.info(message, { ...fields, ...more }),
    warn: (message, more) => logger.warn(message, { ...fields, ...more }),
    error: (message, more) => logger.error(message, { ...fields, ...more }),
  };
}
