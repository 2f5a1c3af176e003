import type { JsonValue } from '../domain/json.ts';
import type { Logger } from '../runtime/logger.ts';
import type { SchedulerEventEmitter } from '../runtime/events.ts';
import type { ClusterEventWrite, Store } from '../store/store.ts';
import type { Clock, TimerHandle } from '../time/clock.ts';
import { publishedSchedulerEvents, type PublishedSchedulerEvent } from './cluster-events.ts';

/** How often a node re-reads which events the live nodes listen to. */
export const interestRefreshMs = 1_000;
/** A node that reported within this window is alive (as the admin view and the node chores count them). */
const aliveWindowMs = 15_000;
/** Most events per append: one round trip, one statement. */
const batchSize = 500;
/** Events kept while the store cannot take them; beyond, the oldest are dropped (and counted). */
const maxBuffered = 10_000;
const retryAfterMs = 500;
/**
 * At most one append per this long: an idle node appends an event at once (a result wait pays
 * nothing), a busy one gathers a few turns of its loop into one append (one round trip, one
 * statement for many jobs, instead of one per completion batch).
 */
const minAppendIntervalMs = 10;

export interface EventPublisherOptions {
  store: Store;
  nodeId: string;
  clock: Clock;
  logger: Logger;
  events: SchedulerEventEmitter;
  /** The events this node's own cluster listeners want (known at once, before any report). */
  localInterest: () => ReadonlySet<string>;
}

/**
 * Carries this node's scheduler events to the store's event log — only the events some live node
 * listens to (`NodeRecord.clusterEvents`), so a cluster where nobody listens pays nothing: the
 * emitter builds no payload for an event without a listener, and none is appended. Events are
 * batched (one append per turn of the loop, at most `batchSize` each) and appended after the
 * store call that made them: a node that dies in between loses its last, unappended events
 * (the store's records stay the truth; `scheduler.result()` reads them).
 */
export class EventPublisher {
  readonly #options: EventPublisherOptions;
  readonly #unsubscribe = new Map<PublishedSchedulerEvent, () => void>();
  #buffer: ClusterEventWrite[] = [];
  #flushTimer: TimerHandle | null = null;
  #refreshTimer: TimerHandle | null = null;
  #flushing: Promise<void> | null = null;
  #running = false;
  #dropped = 0;
  #lastAppendAtMs = Number.NEGATIVE_INFINITY;

  constructor(options: EventPublisherOptions) {
    this.#options = options;
  }

  /** The event names published now. */
  get publishing(): readonly string[] {
    return [...this.#unsubscribe.keys()];
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.refreshInterest();
  }

  /** Stops listening and appends what is buffered (one last try). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#refreshTimer?.cancel();
    this.#refreshTimer = null;
    for (const off of this.#unsubscribe.values()) off();
    this.#unsubscribe.clear();
    this.#flushTimer?.cancel();
    this.#flushTimer = null;
    await this.#flushing;
    if (this.#buffer.length > 0) await this.#flush();
  }

  /** Reads the live nodes' interest and publishes exactly those events; then again in a while. */
  async refreshInterest(): Promise<void> {
    const { store, clock, logger } = this.#options;
    this.#refreshTimer?.cancel();
    const wanted = new Set(this.#options.localInterest());
    try {
      for (const node of await store.listNodes({ seenAfterMs: clock.now() - aliveWindowMs })) {
        for (const name of node.clusterEvents) wanted.add(name);
      }
    } catch (error) {
      logger.warn(`cluster events: could not read which events nodes listen to: ${(error as Error).message}`);
    }
    if (!this.#running) return;
    this.#follow(wanted);
    this.#refreshTimer = clock.setTimer(() => void this.refreshInterest(), interestRefreshMs);
  }

  #follow(wanted: ReadonlySet<string>): void {
    for (const name of publishedSchedulerEvents) {
      const on = this.#unsubscribe.has(name);
      if (wanted.has(name) && !on) {
        this.#unsubscribe.set(
          name,
          this.#options.events.on(name, (payload) => this.#add(name, payload as unknown as JsonValue)),
        );
      } else if (!wanted.has(name) && on) {
        this.#unsubscribe.get(name)!();
        this.#unsubscribe.delete(name);
      }
    }
  }

  #add(type: string, data: JsonValue): void {
    this.#buffer.push({ type, nodeId: this.#options.nodeId, atMs: this.#options.clock.now(), data });
    if (this.#buffer.length > maxBuffered) {
      const excess = this.#buffer.length - maxBuffered;
      this.#buffer.splice(0, excess);
      this.#dropped += excess;
    }
    this.#scheduleFlush(Math.max(0, this.#lastAppendAtMs + minAppendIntervalMs - this.#options.clock.now()));
  }

  #scheduleFlush(delayMs: number): void {
    if (this.#flushTimer !== null || this.#flushing !== null) return;
    const flush = () => {
      this.#flushTimer = null;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = null;
        if (this.#buffer.length > 0 && this.#running) this.#scheduleFlush(Math.max(0, this.#lastAppendAtMs + minAppendIntervalMs - this.#options.clock.now()));
      });
    };
    if (delayMs > 0) {
      this.#flushTimer = this.#options.clock.setTimer(flush, delayMs);
      return;
    }
    // At once, but after this turn: its other events join the batch. Not a 0 ms timer, which Node
    // clamps to 1 ms — a millisecond added to every result() wait on an idle node.
    const immediate = setImmediate(flush);
    this.#flushTimer = { cancel: () => clearImmediate(immediate) };
  }

  async #flush(): Promise<void> {
    const batch = this.#buffer.splice(0, batchSize);
    if (batch.length === 0) return;
    this.#lastAppendAtMs = this.#options.clock.now();
    try {
      await this.#options.store.appendEvents(batch);
      if (this.#dropped > 0) {
        this.#options.logger.warn(`cluster events: ${this.#dropped} events were dropped while the store could not take them`);
        this.#dropped = 0;
      }
    } catch (error) {
      // Back in front, in order: the next flush tries them again.
      this.#buffer.unshift(...batch);
      this.#options.logger.warn(`cluster events: append failed, retrying: ${(error as Error).message}`);
      if (this.#running) {
        this.#flushTimer?.cancel();
        this.#flushTimer = this.#options.clock.setTimer(() => {
          this.#flushTimer = null;
          this.#scheduleFlush(0);
        }, retryAfterMs);
      }
    }
  }
}
