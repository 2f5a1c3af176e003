import { EventFeed } from '../cluster/event-feed.ts';
import type { Logger } from '../runtime/logger.ts';
import type { ClusterEventRecord, Store } from '../store/store.ts';
import type { Clock, TimerHandle } from '../time/clock.ts';
import type { ControllerEnqueued, ControllerStatus } from './controller-options.ts';

export interface ControllerLinkOptions {
  name: string;
  store: Store;
  nodeId: string;
  clock: Clock;
  logger: Logger;
  /** How often the running controller appends its status (`controller.status`) to the log. */
  statusEveryMs: number;
  status: () => ControllerStatus;
  /** A key another node (or this one, while not running) asked for. */
  onKey: (key: string, afterMs: number | undefined) => void;
}

/**
 * Ties a controller to the store's cluster event log, so that it can run on one node (the leader)
 * and be reached from all: `enqueue` on a node where it does not run appends `controller.enqueued`,
 * which the running controller reads (pushed, as any event) and queues; the running controller
 * appends its status every `statusEveryMs`, which the admin API of any node shows.
 *
 * Delivery is that of the event log: a key appended while no node runs the controller (between
 * two leaders) is not queued by the next one — its start lists every key again (`list()`), as a
 * client-go controller relies on its informer's initial list. Commands that must not be lost are
 * jobs (routed to the controller's nodes by queue), not keys.
 */
export class ControllerLink {
  readonly #options: ControllerLinkOptions;
  #feed: EventFeed | null = null;
  #unwatch: (() => void) | null = null;
  #statusTimer: TimerHandle | null = null;

  constructor(options: ControllerLinkOptions) {
    this.#options = options;
  }

  /** Appends a key for the node where the controller runs. */
  async forward(key: string, afterMs?: number): Promise<void> {
    const { store, nodeId, clock, name } = this.#options;
    const data: ControllerEnqueued = { controller: name, key, ...(afterMs === undefined ? {} : { afterMs }) };
    await store.appendEvents([{ type: 'controller.enqueued', nodeId, atMs: clock.now(), data: { ...data } }]);
  }

  /** Follows the log from now on (call it before listing the keys: nothing appended meanwhile is missed). */
  async start(): Promise<void> {
    const { store, clock, logger, name } = this.#options;
    const feed = new EventFeed({
      store,
      clock,
      logger,
      pollIntervalMs: 500,
      onLost: (lost) => logger.warn(`controller ${name}: keys appended after seq ${lost.afterSeq} were trimmed before they were read; the next resync lists them`),
    });
    this.#unwatch = feed.watch((record) => this.#onRecord(record));
    await feed.start();
    this.#feed = feed;
    this.#publishStatusLater();
  }

  async stop(): Promise<void> {
    this.#statusTimer?.cancel();
    this.#statusTimer = null;
    this.#unwatch?.();
    this.#unwatch = null;
    await this.#feed?.stop();
    this.#feed = null;
    await this.publishStatus();
  }

  async publishStatus(): Promise<void> {
    const { store, nodeId, clock, logger, name } = this.#options;
    try {
      const status = this.#options.status();
      await store.appendEvents([{ type: 'controller.status', nodeId, atMs: clock.now(), data: { ...status, nodeId } as never }]);
    } catch (error) {
      logger.warn(`controller ${name}: could not publish its status: ${(error as Error).message}`);
    }
  }

  #publishStatusLater(): void {
    this.#statusTimer = this.#options.clock.setTimer(() => {
      this.#statusTimer = null;
      void this.publishStatus().finally(() => {
        if (this.#feed !== null) this.#publishStatusLater();
      });
    }, this.#options.statusEveryMs);
  }

  #onRecord(record: ClusterEventRecord): void {
    if (record.type !== 'controller.enqueued') return;
    const data = record.data as Partial<ControllerEnqueued> | null;
    if (data?.controller !== this.#options.name || typeof data.key !== 'string') return;
    this.#options.onKey(data.key, typeof data.afterMs === 'number' ? data.afterMs : undefined);
  }
}
