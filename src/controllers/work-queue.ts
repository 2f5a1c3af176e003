import { systemClock, type Clock, type TimerHandle } from '../time/clock.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.ts';
import { WaitingKeys } from './waiting-keys.ts';

/** Callbacks a work queue makes as keys move through it; a controller turns them into status and events. */
export interface WorkQueueHooks {
  /** `key` became dirty (it was neither queued nor already marked). */
  onAdded?(key: string): void;
  /** A worker got `key`, `queueLatencyMs` after it was added. */
  onTaken?(key: string, queueLatencyMs: number): void;
  /** A worker finished `key`, `workDurationMs` after it got it. */
  onDone?(key: string, workDurationMs: number): void;
  /** `key` was put back with a delay (`addAfter`, `addRateLimited`). */
  onRetried?(key: string, delayMs: number): void;
}

/** The options of `new WorkQueue(options)`: its clock, its rate limiter and its hooks. All optional. */
export interface WorkQueueOptions {
  /**
   * Drives delayed adds and the latency measurements.
   * @defaultValue the system clock
   */
  clock?: Clock;
  /**
   * Decides the delay of `addRateLimited`.
   * @defaultValue `defaultControllerRateLimiter(clock)`
   */
  rateLimiter?: RateLimiter;
  /**
   * Called as keys move through the queue (a controller records latencies and counts with them).
   * @defaultValue none
   */
  hooks?: WorkQueueHooks;
}

/** A snapshot of a queue's metrics (client-go's workqueue metrics, read on demand). */
export interface WorkQueueStats {
  /** Keys waiting for a worker: queued, or marked dirty while being processed (client-go's `depth` gauge). */
  depth: number;
  /** Keys held back by `addAfter` / `addRateLimited` until their instant. */
  waiting: number;
  /** Keys being processed (got, not yet done). */
  processing: number;
  /** Keys that became dirty, counted since the queue was created. */
  adds: number;
  /** Delayed adds (`addAfter`, `addRateLimited`), counted since the queue was created. */
  retries: number;
  /** Sum of how long every key in processing has been processed so far. */
  unfinishedWorkMs: number;
  /** How long the longest-running key in processing has been processed so far (0 when none). */
  longestRunningMs: number;
  shuttingDown: boolean;
}

/**
 * A queue of keys to reconcile, with client-go's workqueue semantics (queue, delaying queue and
 * rate-limiting queue in one):
 * - a key is queued at most once: adding a queued key does nothing;
 * - a key is handed to one worker at a time: adding it while it is processed marks it dirty, and
 *   `done(key)` queues it again;
 * - `addAfter` holds a key back until its instant (the earlier instant wins), `addRateLimited`
 *   asks the rate limiter for that delay.
 *
 * Every `get()` must be followed by `done(key)`.
 *
 * @example
 * const queue = new WorkQueue({ clock });
 * queue.add('orders/42');
 * const key = await queue.get();
 * if (key !== null) try { await reconcile(key); queue.forget(key); } finally { queue.done(key); }
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #rateLimiter: RateLimiter;
  readonly #hooks: WorkQueueHooks;
  /** The order keys are handed out in. Every key here is dirty and not processing, so a Set keeps each once. */
  readonly #queue = new Set<string>();
  /** Every key that needs processing: queued, or being processed and added again meanwhile. */
  readonly #dirty = new Set<string>();
  /** Keys a worker holds, with when it got them. */
  readonly #processing = new Map<string, number>();
  /** When each dirty key was first added (for the queue latency). */
  readonly #addedAtMs = new Map<string, number>();
  readonly #waiting = new WaitingKeys();
  #waitingTimer: TimerHandle | null = null;
  /** Pending `get()` calls (Go's `cond.Wait`). */
  readonly #getters: Array<() => void> = [];
  /** Pending `shutDownWithDrain()` calls. */
  readonly #drainers: Array<() => void> = [];
  #shuttingDown = false;
  #adds = 0;
  #retries = 0;

  constructor(options: WorkQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter(this.#clock);
    this.#hooks = options.hooks ?? {};
  }

  /** Keys ready for a worker (client-go's `Len()`). For information only: never gate `add` or `get` on it. */
  get length(): number {
    return this.#queue.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Marks `key` as needing processing. Ignored once the queue is shutting down. */
  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#adds++;
    if (!this.#addedAtMs.has(key)) this.#addedAtMs.set(key, this.#clock.now());
    this.#hooks.onAdded?.(key);
    // Being processed: `done(key)` queues it, so that no two workers ever hold the same key.
    if (this.#processing.has(key)) return;
    this.#queue.add(key);
    this.#wakeGetter();
  }

  /** Adds `key` once `delayMs` have passed (at once when 0 or less). A key already waiting keeps the earlier of both instants. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    this.#retries++;
    this.#hooks.onRetried?.(key, Math.max(0, delayMs));
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    if (this.#waiting.add(key, this.#clock.now() + delayMs)) this.#armWaitingTimer();
  }

  /** Adds `key` after the delay its rate limiter decides, and returns that delay in milliseconds. */
  addRateLimited(key: string): number {
    const delayMs = this.#rateLimiter.when(key);
    this.addAfter(key, delayMs);
    return delayMs;
  }

  /** Ends the rate limiter's tracking of `key` (it succeeded, or failed for good). `done(key)` is still needed. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  /** How many rate-limited retries `key` had since it was last forgotten. */
  retries(key: string): number {
    return this.#rateLimiter.retries(key);
  }

  /**
   * Waits for a key and hands it to the caller, who must call `done(key)` after processing it.
   * Resolves with null once the queue is shutting down and no key is queued: as in client-go, keys
   * queued before the shutdown are still handed out.
   */
  async get(): Promise<string | null> {
    for (;;) {
      const key = this.#take();
      if (key !== null) return key;
      if (this.#shuttingDown) return null;
      await new Promise<void>((resolve) => this.#getters.push(resolve));
    }
  }

  /**
   * Ends the processing of `key`; queues it again when it was added meanwhile. A key not being
   * processed is ignored (client-go would queue it again if dirty: a stray `done` of a queued key
   * must not hand it to a second worker).
   */
  done(key: string): void {
    const startedAtMs = this.#processing.get(key);
    if (startedAtMs === undefined) return;
    this.#processing.delete(key);
    this.#hooks.onDone?.(key, this.#clock.now() - startedAtMs);
    if (this.#dirty.has(key)) {
      this.#queue.add(key);
      this.#wakeGetter();
    }
    if (this.#processing.size === 0) this.#wakeDrainers();
  }

  /** Ignores further adds, drops the delayed keys, and lets `get()` return null once the queue is empty. Idempotent. */
  shutDown(): void {
    this.#close();
    // A plain shutdown also ends the wait of an earlier shutDownWithDrain, as in client-go.
    this.#wakeDrainers();
  }

  /**
   * Like `shutDown()`, then resolves once no key is being processed (or `shutDown()` is called).
   * Keys still queued are handed out to the workers that keep calling `get()`.
   */
  async shutDownWithDrain(): Promise<void> {
    this.#close();
    if (this.#processing.size === 0) return;
    await new Promise<void>((resolve) => this.#drainers.push(resolve));
  }

  /**
   * The metrics now. client-go pushes them to Prometheus gauges and refreshes the unfinished-work
   * ones on a 500 ms ticker; here they are computed when asked, so no timer runs for them.
   */
  stats(): WorkQueueStats {
    const nowMs = this.#clock.now();
    let unfinishedWorkMs = 0;
    let longestRunningMs = 0;
    for (const startedAtMs of this.#processing.values()) {
      const ageMs = nowMs - startedAtMs;
      unfinishedWorkMs += ageMs;
      longestRunningMs = Math.max(longestRunningMs, ageMs);
    }
    return {
      depth: this.#dirty.size,
      waiting: this.#waiting.size,
      processing: this.#processing.size,
      adds: this.#adds,
      retries: this.#retries,
      unfinishedWorkMs,
      longestRunningMs,
      shuttingDown: this.#shuttingDown,
    };
  }

  #take(): string | null {
    const next = this.#queue.values().next();
    if (next.done) return null;
    const key = next.value;
    this.#queue.delete(key);
    this.#dirty.delete(key);
    const nowMs = this.#clock.now();
    this.#processing.set(key, nowMs);
    const addedAtMs = this.#addedAtMs.get(key);
    this.#addedAtMs.delete(key);
    this.#hooks.onTaken?.(key, addedAtMs === undefined ? 0 : nowMs - addedAtMs);
    return key;
  }

  /** Go's `cond.Signal`: one waiting `get()` retries; if another caller took the key first, it waits again. */
  #wakeGetter(): void {
    this.#getters.shift()?.();
  }

  #wakeDrainers(): void {
    for (const wake of this.#drainers.splice(0)) wake();
  }

  #close(): void {
    this.#shuttingDown = true;
    this.#waitingTimer?.cancel();
    this.#waitingTimer = null;
    this.#waiting.clear();
    // Go's `cond.Broadcast`: every waiting get() looks again, and returns null when nothing is queued.
    for (const wake of this.#getters.splice(0)) wake();
  }

  /**
   * One timer, for the earliest waiting key. client-go's waiting loop also wakes every 10 s as
   * "insurance against weird things happening"; timers of a `Clock` fire at their instant (a
   * virtual clock exactly so), so Sundial relies on the one timer alone.
   */
  #armWaitingTimer(): void {
    this.#waitingTimer?.cancel();
    this.#waitingTimer = null;
    const nextAtMs = this.#waiting.nextAtMs();
    if (nextAtMs === null || this.#shuttingDown) return;
    this.#waitingTimer = this.#clock.setTimer(() => {
      this.#waitingTimer = null;
      for (const key of this.#waiting.takeReady(this.#clock.now())) this.add(key);
      this.#armWaitingTimer();
    }, nextAtMs - this.#clock.now());
  }
}
