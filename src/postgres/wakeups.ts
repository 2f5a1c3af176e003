import type { StoreSignal } from '../store/store.ts';
import { PgListener, type ListenConnection } from './listener.ts';

type Listener = (signal: StoreSignal) => void;

/**
 * `PostgresStore.subscribe`: the callers' listeners, and the one LISTEN connection they share,
 * up while the store is open and someone listens. Subscriptions outlive a close, so a store
 * opened again listens again.
 */
export class Wakeups {
  readonly #listeners = new Set<Listener>();
  readonly #channel: string;
  readonly #connect: () => Promise<ListenConnection>;
  #open = false;
  #listener: PgListener | null = null;
  /** A listener being stopped by the last unsubscribe; pause() waits for it. */
  #stopping: Promise<void> = Promise.resolve();

  constructor(channel: string, connect: () => Promise<ListenConnection>) {
    this.#channel = channel;
    this.#connect = connect;
  }

  /** The store is open: listen, if anyone subscribed meanwhile. */
  resume(): void {
    this.#open = true;
    if (this.#listeners.size > 0) this.#start();
  }

  /** The store closes: the LISTEN connection goes (the subscriptions stay). */
  async pause(): Promise<void> {
    this.#open = false;
    const listener = this.#listener;
    this.#listener = null;
    await Promise.all([listener?.stop(), this.#stopping]);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#open) this.#start();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0 || !this.#listener) return;
      const stopping = this.#listener;
      this.#listener = null;
      this.#stopping = stopping.stop();
    };
  }

  /** Resolves once the LISTEN connection is up (or its first attempt failed). */
  async listening(): Promise<boolean> {
    await this.#listener?.ready();
    return this.#listener?.connected ?? false;
  }

  #start(): void {
    if (this.#listener) return;
    this.#listener = new PgListener({
      channel: this.#channel,
      connect: this.#connect,
      onSignal: (signal) => {
        for (const listener of this.#listeners) listener(signal);
      },
    });
    this.#listener.start();
  }
}
