import type { JsonValue } from '../domain/json.ts';
import type { SchedulerEventEmitter } from '../runtime/events.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../time/clock.ts';
import type { ClusterEventListener, ClusterEventName } from './cluster-events.ts';
import { EventFeed } from './event-feed.ts';
import { EventPublisher } from './event-publisher.ts';
import { ResultWaiter } from './result-waiter.ts';

export interface ClusterHubOptions {
  store: Store;
  nodeId: string;
  clock: Clock;
  logger: Logger;
  events: SchedulerEventEmitter;
  pollIntervalMs: number;
  /** Called when this node's interest changes (its node record should be rewritten soon). */
  onInterestChange: () => void;
}

/**
 * A scheduler's view of the cluster: it publishes this node's events that some node listens to,
 * delivers every node's events to this node's cluster listeners, and answers `result()` waits.
 */
export class ClusterHub {
  readonly #feed: EventFeed;
  readonly #publisher: EventPublisher;
  readonly #waiter: ResultWaiter;
  readonly #onInterestChange: () => void;
  #started = false;

  constructor(options: ClusterHubOptions) {
    const { store, clock, logger, events } = options;
    this.#onInterestChange = options.onInterestChange;
    this.#feed = new EventFeed({
      store,
      clock,
      logger,
      pollIntervalMs: options.pollIntervalMs,
      onLost: (lost) => {
        logger.warn(`cluster events: events after seq ${lost.afterSeq} through ${lost.trimmedThroughSeq} were trimmed before this node read them`);
        events.emit('cluster.eventsLost', lost);
        this.#waiter.recheckAll();
      },
    });
    this.#publisher = new EventPublisher({ store, nodeId: options.nodeId, clock, logger, events, localInterest: () => this.#feed.interest() });
    this.#waiter = new ResultWaiter(store, clock, this.#feed);
    this.#feed.onInterestChange(() => {
      // This node's own events follow at once; the other nodes read the node record.
      if (this.#started) void this.#publisher.refreshInterest();
      this.#onInterestChange();
    });
  }

  /** Event names this node listens to across the cluster (its node record's `clusterEvents`). */
  interest(): string[] {
    return [...this.#feed.interest()].sort();
  }

  /** The seq of the last event this node read from the log. */
  get cursor(): number {
    return this.#feed.cursor;
  }

  on<E extends ClusterEventName>(event: E, listener: ClusterEventListener<E>): () => void {
    return this.#feed.on(event, listener);
  }

  result(jobId: string, timeoutMs: number | null, signal: AbortSignal | undefined): Promise<JsonValue | null> {
    return this.#waiter.wait(jobId, timeoutMs, signal);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#feed.start();
    await this.#publisher.start();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#waiter.stop();
    await this.#publisher.stop();
    await this.#feed.stop();
  }
}
