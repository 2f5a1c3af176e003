import type { Cluster, Redis } from 'ioredis';
import type { StoreSignal } from '../store/store.ts';

type Listener = (signal: StoreSignal) => void;

const signals: ReadonlySet<string> = new Set<StoreSignal>(['jobs', 'schedules', 'events']);
const isSignal = (value: string): value is StoreSignal => signals.has(value);

/**
 * Push wake-ups over Redis pub/sub. Subscribing needs a connection of its own (a subscribed
 * connection cannot run other commands), opened on the first listener and closed with the last.
 * Messages are '<jobs|schedules|events>:<instance id>'; this instance's own are dropped, since the node
 * that wrote already knows. Lost messages (a reconnect) only cost a poll interval.
 */
export class Subscriber {
  readonly #listeners = new Set<Listener>();
  readonly #open: () => Redis | Cluster;
  readonly #channel: string;
  readonly #instanceId: string;
  #connection: Redis | Cluster | null = null;

  constructor(options: { open: () => Redis | Cluster; channel: string; instanceId: string }) {
    this.#open = options.open;
    this.#channel = options.channel;
    this.#instanceId = options.instanceId;
  }

  add(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#connection === null) this.#start();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.close();
    };
  }

  close(): void {
    const connection = this.#connection;
    this.#connection = null;
    connection?.disconnect();
  }

  #start(): void {
    const connection = this.#open();
    this.#connection = connection;
    // Errors are retried by ioredis (it resubscribes after a reconnect); an unhandled 'error'
    // event would crash the process.
    connection.on('error', () => {});
    connection.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const separator = message.indexOf(':');
      const signal = message.slice(0, separator);
      if (message.slice(separator + 1) === this.#instanceId) return;
      // A signal this version does not know (a newer node's) is dropped: polling covers it.
      if (!isSignal(signal)) return;
      // A copy: a listener that unsubscribes while we iterate must not skip another one.
      for (const listener of Array.from(this.#listeners)) listener(signal);
    });
    connection.subscribe(this.#channel).catch(() => {
      // Not subscribed (Redis down): ioredis retries on reconnect; polling covers the gap.
    });
  }
}
