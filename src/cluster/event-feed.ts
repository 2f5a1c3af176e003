import type { Logger } from '../runtime/logger.ts';
import type { ClusterEventRecord, Store } from '../store/store.ts';
import type { Clock, TimerHandle } from '../time/clock.ts';
import type { ClusterEventListener, ClusterEventMeta, ClusterEventName } from './cluster-events.ts';

/** Most events read per round trip. */
const pageSize = 500;

export interface EventFeedOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** How often to read when the store pushes no wake-ups (and as a safety net when it does). */
  pollIntervalMs: number;
  /** Told when events were trimmed from the log before this node could read them. */
  onLost: (lost: { afterSeq: number; trimmedThroughSeq: number }) => void;
}

type AnyListener = (payload: unknown, meta: ClusterEventMeta) => void;

/**
 * Reads the store's event log from a cursor and hands each event to this node's cluster
 * listeners, in log order. The cursor is taken when the feed starts (only events appended after
 * are delivered; and when the node listened to nothing for a while, from when it started to
 * listen again — it does not read while it wants nothing) and lives as long as the feed: a store outage or a lost connection only delays
 * the reading, which resumes where it stopped — nothing in the log is skipped, nothing delivered
 * twice. What the log no longer holds (trimmed before it was read) is reported through `onLost`.
 */
export class EventFeed {
  readonly #options: EventFeedOptions;
  readonly #listeners = new Map<string, Set<AnyListener>>();
  /** Names wanted beyond the listeners' (result waits): kept for the process's lifetime. */
  readonly #sticky = new Set<string>();
  readonly #watchers = new Set<(record: ClusterEventRecord) => void>();
  #cursor = 0;
  #running = false;
  #reading: Promise<void> | null = null;
  #readAgain = false;
  #timer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;
  #onInterestChange: () => void = () => {};
  /**
   * When the node goes from wanting nothing to wanting something, the log's head read at once:
   * reading resumes there (what was appended while nobody here listened is not this node's to
   * deliver, and a listener added hours after the start must not get hours of events).
   */
  #skipToHead: Promise<number> | null = null;

  constructor(options: EventFeedOptions) {
    this.#options = options;
  }

  /** The seq of the last event read. */
  get cursor(): number {
    return this.#cursor;
  }

  /** The names this node wants published (reported in its node record). */
  interest(): ReadonlySet<string> {
    const names = new Set(this.#sticky);
    for (const [name, set] of this.#listeners) if (set.size > 0) names.add(name);
    return names;
  }

  /** Called when `interest()` changes, so the node can report it at once. */
  onInterestChange(callback: () => void): void {
    this.#onInterestChange = callback;
  }

  on<E extends ClusterEventName>(event: E, listener: ClusterEventListener<E>): () => void {
    this.#noteFirstWant();
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    const before = set.size;
    set.add(listener as AnyListener);
    if (before === 0) this.#onInterestChange();
    return () => {
      if (set.delete(listener as AnyListener) && set.size === 0) this.#onInterestChange();
    };
  }

  /** Keeps `names` published for this node from now on (a result wait). */
  want(names: readonly string[]): void {
    this.#noteFirstWant();
    let changed = false;
    for (const name of names) {
      if (!this.#sticky.has(name)) {
        this.#sticky.add(name);
        changed = true;
      }
    }
    if (changed) this.#onInterestChange();
  }

  /** Sees every event read, whatever its name (result waits). */
  watch(watcher: (record: ClusterEventRecord) => void): () => void {
    this.#noteFirstWant();
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#cursor = await this.#options.store.eventCursor();
    this.#running = true;
    this.#unsubscribe =
      this.#options.store.subscribe?.((signal) => {
        // A node that listens to nothing does not read (its own appends signal it too).
        if (signal === 'events' && this.#wanted()) void this.readNow();
      }) ?? null;
    this.#schedulePoll();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.#reading;
  }

  /** Reads now (a wake-up): at most one read runs at a time, and one more follows if asked meanwhile. */
  readNow(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    if (this.#reading !== null) {
      this.#readAgain = true;
      return this.#reading;
    }
    this.#reading = this.#readAll().finally(() => {
      this.#reading = null;
      if (this.#readAgain && this.#running) {
        this.#readAgain = false;
        void this.readNow();
      }
    });
    return this.#reading;
  }

  #schedulePoll(): void {
    if (!this.#running) return;
    this.#timer = this.#options.clock.setTimer(() => {
      this.#timer = null;
      // Nobody to deliver to: skip the round trip.
      void (this.#wanted() ? this.readNow() : Promise.resolve()).finally(() => this.#schedulePoll());
    }, this.#options.pollIntervalMs);
  }

  #noteFirstWant(): void {
    if (!this.#running || this.#wanted() || this.#skipToHead !== null) return;
    const head = this.#options.store.eventCursor();
    // A failed read leaves the cursor where it was: a few old events rather than a gap.
    this.#skipToHead = head.catch(() => 0);
  }

  #wanted(): boolean {
    return this.#watchers.size > 0 || this.interest().size > 0;
  }

  async #readAll(): Promise<void> {
    const { store, logger, onLost } = this.#options;
    try {
      if (this.#skipToHead !== null) {
        this.#cursor = Math.max(this.#cursor, await this.#skipToHead);
        this.#skipToHead = null;
      }
      for (;;) {
        const { events, trimmedThroughSeq } = await store.readEvents({ afterSeq: this.#cursor, limit: pageSize });
        // The event trimmedThroughSeq was deleted, and it is past what this feed read: lost.
        if (trimmedThroughSeq > this.#cursor) {
          onLost({ afterSeq: this.#cursor, trimmedThroughSeq });
          this.#cursor = Math.max(this.#cursor, trimmedThroughSeq);
        }
        for (const record of events) {
          this.#cursor = record.seq;
          this.#deliver(record);
        }
        if (events.length < pageSize || !this.#running) return;
      }
    } catch (error) {
      // The cursor stays: the next read (wake-up or poll) resumes from the last event delivered.
      logger.warn(`cluster events: read failed, will resume from seq ${this.#cursor}: ${(error as Error).message}`);
    }
  }

  #deliver(record: ClusterEventRecord): void {
    if (record.unreadable === true) {
      this.#options.logger.warn(`cluster events: event ${record.seq} (${record.type}) could not be decoded; skipped`);
      return;
    }
    for (const watcher of this.#watchers) this.#call(() => watcher(record), record);
    const set = this.#listeners.get(record.type);
    if (set === undefined || set.size === 0) return;
    const meta: ClusterEventMeta = { seq: record.seq, nodeId: record.nodeId, atMs: record.atMs };
    // A copy: a listener that subscribes another must not see it called for this event.
    // oxlint-disable-next-line unicorn/no-useless-spread
    for (const listener of [...set]) this.#call(() => listener(record.data, meta), record);
  }

  #call(fn: () => void, record: ClusterEventRecord): void {
    try {
      fn();
    } catch (error) {
      this.#options.logger.error(`cluster events: a listener of ${record.type} threw: ${(error as Error).message}`);
    }
  }
}
