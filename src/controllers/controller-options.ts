import type { Logger, LogLevel } from '../runtime/logger.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../time/clock.ts';
import type { Duration } from '../time/duration.ts';
import type { KeyError } from './key-errors.ts';
import type { RateLimiter } from './rate-limiters.ts';
import type { Percentiles } from './recent-window.ts';
import type { ReconcileResult } from './reconcile-result.ts';

/** What a reconcile gets besides its key. */
export interface ReconcileContext {
  key: string;
  /** Aborts when the controller stops (its reason is a `ShutdownError`). */
  signal: AbortSignal;
  /** How many rate-limited retries of this key preceded this attempt (0 on a first attempt). */
  retries: number;
  clock: Clock;
  /** The controller's logger, with `controller` and `key` added to every line's fields. */
  logger: Logger;
}

/**
 * The options of `controller(options)`: its name, its `reconcile`, and how many keys it works on at once
 * and how failures are retried.
 *
 * @example
 * controller({ name: 'invoices', list: () => db.invoiceIds(), reconcile: async (id) => { await syncInvoice(id); } })
 */
export interface ControllerOptions {
  /** Names the controller in status, events, logs and `Host.health()`. */
  name: string;
  /**
   * Brings what `key` names to its desired state. Called for one key by at most one worker at a
   * time; it should read the current state itself rather than trust what caused the call
   * (level-triggered, as in Kubernetes).
   */
  reconcile(key: string, ctx: ReconcileContext): ReconcileResult | Promise<ReconcileResult>;
  /**
   * Every key that should be reconciled. Called at start and every `resyncEvery`; each key it
   * returns is added to the queue. `signal` aborts when the controller stops.
   * @defaultValue none: keys come from `enqueue` only
   */
  list?(ctx: { signal: AbortSignal }): Iterable<string> | Promise<Iterable<string>>;
  /**
   * How often `list()` runs again after start (measured from the end of the previous listing).
   * @defaultValue never
   * @example '10m'
   */
  resyncEvery?: Duration;
  /**
   * How many keys are reconciled at once (never the same key twice at once).
   * @defaultValue 1
   */
  maxConcurrent?: number;
  /**
   * Decides the retry delays. A factory is called on every start, so a restarted controller
   * begins with fresh backoff; an instance is shared by every start.
   * @defaultValue a fresh `defaultControllerRateLimiter(clock)` on every start
   */
  rateLimiter?: RateLimiter | (() => RateLimiter);
  /** @defaultValue the system clock; tests pass a `VirtualClock` from `sundial-scheduler/testing`. */
  clock?: Clock;
  /**
   * A logger, or the level for a console logger.
   * @defaultValue 'warn'
   */
  logger?: Logger | LogLevel;
  /**
   * The store shared by the nodes: with it, `enqueue(key)` on a node where the controller does not
   * run reaches the node where it does (through the store's event log), and the running
   * controller publishes its status there every `publishStatusEvery` (the admin API shows it).
   * @defaultValue none: the controller is local to its process
   */
  store?: Store;
  /** Names this process in the events it appends. @defaultValue `hostname:pid:random` */
  nodeId?: string;
  /** @defaultValue '5s' */
  publishStatusEvery?: Duration;
}

/** What `Controller.status()` reports. */
export interface ControllerStatus {
  name: string;
  /** Started and not stopping. */
  running: boolean;
  /** Keys waiting for a worker (0 when stopped). */
  depth: number;
  /** Keys added to the queue (not counting keys already queued), since the controller was created. */
  adds: number;
  /** Keys put back with a delay (rate-limited retries and `requeueAfter`), since the controller was created. */
  retries: number;
  /** Reconciles running now. */
  inFlight: number;
  /** Reconciles that ended, fine or not, since the controller was created. */
  reconciles: number;
  /** Reconciles that threw. */
  errors: number;
  lastReconcileAtMs: number | null;
  /** From add to a worker's get, over the last 1000 keys handed out. */
  queueLatencyMs: Percentiles;
  /** From a worker's get to its done, over the last 1000 keys processed. */
  workDurationMs: Percentiles;
  /** Keys whose last reconcile failed, the most recent first (at most 100). */
  errorsByKey: KeyError[];
}

/** What a controller appends to the event log so that any node can nudge it: a key, maybe delayed. */
export interface ControllerEnqueued {
  controller: string;
  key: string;
  /** Add it after this long (`enqueueAfter`); absent: at once. */
  afterMs?: number;
}
