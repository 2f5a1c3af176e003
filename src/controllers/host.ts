import { InvalidArgumentError, ShutdownError, SundialError } from '../errors.ts';
import { toError } from '../runtime/events.ts';
import { consoleLogger, type LogLevel, type Logger } from '../runtime/logger.ts';
import { systemClock, type Clock } from '../time/clock.ts';
import { parseDuration, type Duration } from '../time/duration.ts';
import type { HostedService } from './hosted-service.ts';

/** Where a service is in its life, as `Host.health()` reports it. */
export type ServiceState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** The options of `new Host(options)`: the services it runs, the deadline of its stop and signal handling. */
export interface HostOptions {
  /**
   * Started in this order, stopped in the reverse order. More can be added with `add()`.
   * @defaultValue []
   */
  services?: HostedService[];
  /**
   * One deadline for the whole stop, shared by every service in turn: a service that has not
   * stopped by then is reported and left behind.
   * @defaultValue '30s'
   */
  shutdownTimeout?: Duration;
  /**
   * Stop on SIGTERM and SIGINT while started. The handlers are removed once stopped, so a second
   * signal after that gets Node's default behaviour. `process.exit` is never called: the process
   * ends when nothing else keeps it alive, with `process.exitCode` 1 when a service did not stop
   * cleanly.
   * @defaultValue true
   */
  handleSignals?: boolean;
  /**
   * Keep the process alive while started, as a listening server does (controllers run on
   * unref'd timers, so without it a process whose only work is controllers would exit at once).
   * @defaultValue the value of `handleSignals`: a host that owns the signals owns the process
   */
  keepAlive?: boolean;
  /**
   * A logger, or the level for a console logger.
   * @defaultValue 'warn'
   */
  logger?: Logger | LogLevel;
  /** @defaultValue the system clock; tests pass a `VirtualClock` from `sundial-scheduler/testing`. */
  clock?: Clock;
}

/** One service in `Host.health()`. */
export interface ServiceStatus {
  name: string;
  state: ServiceState;
  live: boolean;
  ready: boolean;
  detail?: string;
}

/** What `Host.health()` reports: `live` for a liveness probe, `ready` for a readiness probe. */
export interface HostHealth {
  /** No service failed or reports itself not live. */
  live: boolean;
  /** The host runs and every service is running and ready. */
  ready: boolean;
  services: ServiceStatus[];
}

/** What `Host.stop()` resolves with: the services it stopped, in the order it stopped them. */
export interface HostStopResult {
  stopped: string[];
  /** Services whose `stop()` had not resolved by the deadline (their stop may still finish later). */
  timedOut: string[];
  /** Services whose `stop()` threw. */
  failed: Array<{ name: string; error: Error }>;
}

/** A host was asked for something its lifecycle state does not allow (start after stop, add while stopping). */
export class HostStateError extends SundialError {
  override readonly code = 'HOST_STATE';
}

interface Entry {
  readonly service: HostedService;
  state: ServiceState;
  /** Aborted when the host stops this service or gives up starting it. */
  abort: AbortController | null;
  error: Error | null;
}

/**
 * Runs the services of a process: starts them in order, stops them in reverse order under one
 * deadline, and answers health probes (controller-runtime's manager and runnable groups, .NET's
 * generic host). A service that fails to start rolls back the ones started before it.
 *
 * Where it differs from controller-runtime's manager: runnables there start concurrently, each in
 * its goroutine, and stop all at once when the context is cancelled. Services of a Node process
 * depend on each other in order (the database before the controllers before the HTTP server), so
 * the host starts them one after another and stops them in reverse, each stop sharing what is
 * left of the one deadline that `StopAndWait` also applies to the whole group.
 *
 * @example
 * await using host = new Host({ services: [database, ordersController, httpServer] });
 * await host.start();
 * // SIGTERM: httpServer, ordersController, then database are stopped, within 30 s in all.
 */
export class Host {
  readonly #entries: Entry[] = [];
  readonly #shutdownTimeoutMs: number;
  readonly #handleSignals: boolean;
  readonly #keepAliveWanted: boolean;
  readonly #logger: Logger;
  readonly #clock: Clock;
  #state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle';
  #starting: Promise<void> | null = null;
  #stopping: Promise<HostStopResult> | null = null;
  /** Service starts not yet settled: a stop waits for them (under its deadline) before stopping anything. */
  readonly #startsInFlight = new Set<Promise<void>>();
  #onSignal: ((signal: NodeJS.Signals) => void) | null = null;
  #keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(options: HostOptions = {}) {
    this.#shutdownTimeoutMs = parseDuration(options.shutdownTimeout ?? '30s', 'shutdownTimeout', { allowZero: true });
    this.#handleSignals = options.handleSignals ?? true;
    this.#keepAliveWanted = options.keepAlive ?? this.#handleSignals;
    const logger = options.logger ?? 'warn';
    this.#logger = typeof logger === 'string' ? consoleLogger(logger) : logger;
    this.#clock = options.clock ?? systemClock;
    for (const service of options.services ?? []) this.#register(service);
  }

  /**
   * Adds a service. Before the host runs, it joins the start sequence (after those already
   * there) and the returned promise resolves at once; while the host runs, it is started at once
   * and the promise settles with its start (controller-runtime's runnable groups do the same).
   * @throws InvalidArgumentError for a duplicate or missing name; HostStateError once stopping.
   */
  add(service: HostedService): Promise<void> {
    if (this.#stopping) throw new HostStateError(`Cannot add service ${service?.name} to a host that is stopping or stopped`);
    const entry = this.#register(service);
    return this.#state === 'running' ? this.#startEntry(entry) : Promise.resolve();
  }

  /**
   * Starts the services in order, each once the previous one's `start()` resolved. When one
   * throws, the services started before it are stopped in reverse order and its error is
   * rethrown. Idempotent. A stop during start rejects it with a `HostStateError`.
   */
  start(): Promise<void> {
    if (this.#stopping) return Promise.reject(new HostStateError('Cannot start a host that is stopping or stopped; create a new one'));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    this.#hold();
    // By index: a service added during the start joins the end of the sequence.
    for (let i = 0; i < this.#entries.length && !this.#stopping; i++) {
      const entry = this.#entries[i] as Entry;
      if (entry.state !== 'idle') continue;
      try {
        await this.#startEntry(entry);
      } catch (error) {
        if (this.#stopping) break;
        this.#logger.error(`host: service ${entry.service.name} failed to start; stopping the services started before it`);
        await this.stop();
        throw error;
      }
    }
    if (this.#stopping) throw new HostStateError('The host was stopped before it finished starting');
    this.#state = 'running';
    this.#logger.info('host started', { services: this.#entries.map((entry) => entry.service.name) });
  }

  /**
   * Stops the running services in reverse order under one deadline (`shutdownTimeout`): each gets
   * what the ones before it left. A service that misses the deadline is reported in `timedOut`,
   * and the host moves on to the next. Idempotent: every call gets the same result.
   */
  stop(): Promise<HostStopResult> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<HostStopResult> {
    this.#state = 'stopping';
    const deadlineMs = this.#clock.now() + this.#shutdownTimeoutMs;
    const result: HostStopResult = { stopped: [], timedOut: [], failed: [] };
    try {
      // Services still starting are told to give up, and waited for, under the same deadline.
      for (const entry of this.#entries) if (entry.state === 'starting') entry.abort?.abort(new ShutdownError('The host is stopping'));
      if (this.#startsInFlight.size > 0) await raceDeadline(this.#clock, Promise.allSettled(this.#startsInFlight), deadlineMs);
      for (const entry of this.#entries.toReversed()) {
        if (entry.state === 'running' || entry.state === 'starting') await this.#stopEntry(entry, deadlineMs, result);
      }
    } finally {
      this.#state = 'stopped';
      this.#release();
    }
    this.#logger.info('host stopped', { ...result, failed: result.failed.map(({ name }) => name) });
    return result;
  }

  /** Same as `stop()`, for `await using host = new Host(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Live when every service is live; ready when the host runs and every service is running and ready
   * (for liveness and readiness probes), with each service's status.
   */
  health(): HostHealth {
    const services = this.#entries.map((entry) => serviceStatus(entry));
    return {
      live: services.every((service) => service.live),
      ready: this.#state === 'running' && services.every((service) => service.state === 'running' && service.ready),
      services,
    };
  }

  #register(service: HostedService): Entry {
    if (typeof service?.name !== 'string' || service.name === '') throw new InvalidArgumentError('Expected a service to have a non-empty `name`');
    if (this.#entries.some((entry) => entry.service.name === service.name)) {
      throw new InvalidArgumentError(`Expected service names to be unique in a host, got "${service.name}" twice`);
    }
    const entry: Entry = { service, state: 'idle', abort: null, error: null };
    this.#entries.push(entry);
    return entry;
  }

  #startEntry(entry: Entry): Promise<void> {
    entry.state = 'starting';
    entry.error = null;
    const abort = new AbortController();
    entry.abort = abort;
    const starting = (async () => {
      try {
        await entry.service.start(abort.signal);
      } catch (error) {
        entry.state = 'failed';
        entry.error = toError(error);
        this.#logger.error(`host: service ${entry.service.name} failed to start: ${entry.error.message}`);
        throw error;
      }
      entry.state = 'running';
    })();
    this.#startsInFlight.add(starting);
    const settled = () => void this.#startsInFlight.delete(starting);
    starting.then(settled, settled);
    return starting;
  }

  async #stopEntry(entry: Entry, deadlineMs: number, result: HostStopResult): Promise<void> {
    const { name } = entry.service;
    entry.state = 'stopping';
    entry.abort?.abort(new ShutdownError('The host is stopping'));
    // Settles with null or the error, never rejects; it also records a late outcome after a timeout.
    const settled = callStop(entry.service).then(
      () => {
        entry.state = 'stopped';
        return null;
      },
      (error: unknown) => {
        entry.state = 'failed';
        entry.error = toError(error);
        return entry.error;
      },
    );
    const outcome = await raceDeadline(this.#clock, settled, deadlineMs);
    if (outcome.timedOut) {
      result.timedOut.push(name);
      this.#logger.error(`host: service ${name} did not stop within the shutdown timeout (${this.#shutdownTimeoutMs} ms); moving on`);
    } else if (outcome.value === null) {
      result.stopped.push(name);
    } else {
      result.failed.push({ name, error: outcome.value });
      this.#logger.error(`host: service ${name} failed to stop: ${outcome.value.message}`);
    }
  }

  /** Takes the process signals and keeps the process alive, as configured, while started. */
  #hold(): void {
    if (this.#handleSignals && this.#onSignal === null) {
      this.#onSignal = (signal) => {
        this.#logger.info(`host: received ${signal}, stopping`);
        void this.stop().then((result) => {
          if ((result.timedOut.length > 0 || result.failed.length > 0) && !process.exitCode) process.exitCode = 1;
        });
      };
      process.on('SIGTERM', this.#onSignal);
      process.on('SIGINT', this.#onSignal);
    }
    // A ref'd handle and not a Clock timer: it measures no time, it only holds the event loop open
    // (Scheduler does the same while started).
    if (this.#keepAliveWanted) this.#keepAlive ??= setInterval(() => {}, 2 ** 30);
  }

  #release(): void {
    if (this.#onSignal !== null) {
      process.off('SIGTERM', this.#onSignal);
      process.off('SIGINT', this.#onSignal);
      this.#onSignal = null;
    }
    if (this.#keepAlive !== null) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
  }
}

function serviceStatus(entry: Entry): ServiceStatus {
  const { name } = entry.service;
  const { state } = entry;
  if (state === 'failed') return { name, state, live: false, ready: false, detail: entry.error?.message ?? 'failed' };
  if (state !== 'running' || entry.service.health === undefined) return { name, state, live: true, ready: state === 'running' };
  try {
    const health = entry.service.health();
    return { name, state, live: health.live, ready: health.ready, ...(health.detail === undefined ? {} : { detail: health.detail }) };
  } catch (error) {
    return { name, state, live: false, ready: false, detail: `health() threw: ${toError(error).message}` };
  }
}

/** A `stop()` that throws synchronously becomes a rejected promise like any other failure. */
function callStop(service: HostedService): Promise<void> {
  try {
    return Promise.resolve(service.stop());
  } catch (error) {
    return Promise.reject(toError(error));
  }
}

/** Waits for `work` (which must not reject) until `deadlineMs` on `clock`, whichever comes first. */
function raceDeadline<T>(clock: Clock, work: Promise<T>, deadlineMs: number): Promise<{ timedOut: true } | { timedOut: false; value: T }> {
  return new Promise((resolve) => {
    const timer = clock.setTimer(() => resolve({ timedOut: true }), deadlineMs - clock.now());
    void work.then((value) => {
      timer.cancel();
      resolve({ timedOut: false, value });
    });
  });
}
