import type { ClientBase, Notification } from 'pg';
import type { StoreSignal } from '../store/store.ts';
import { quoteIdent } from './identifiers.ts';

/** A connection dedicated to LISTEN, and how to give it back (destroying it when it broke). */
export interface ListenConnection {
  client: ClientBase;
  release(error?: Error): void;
}

export interface ListenerOptions {
  channel: string;
  connect(): Promise<ListenConnection>;
  /** Called for each notification, and once after each reconnect (changes may have been missed meanwhile). */
  onSignal(signal: StoreSignal): void;
  /** First reconnect delay; doubles up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * LISTENs on one channel over a dedicated connection, and keeps doing so: when the connection
 * dies (server restart, `pg_terminate_backend`, network) it reconnects with exponential backoff
 * and jitter, LISTENs again and signals once, so that nodes poll for what they may have missed.
 * Connection errors never escape: they only schedule the next attempt.
 */
export class PgListener {
  readonly #options: Required<ListenerOptions>;
  #connection: ListenConnection | null = null;
  #running = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #connecting: Promise<void> | null = null;

  constructor(options: ListenerOptions) {
    this.#options = { minBackoffMs: 100, maxBackoffMs: 5_000, ...options };
  }

  /** True while a LISTEN connection is up. */
  get connected(): boolean {
    return this.#connection !== null;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connecting = this.#connect(false);
  }

  /** Resolves once the first connection attempt settled (for tests and `open()`). */
  async ready(): Promise<void> {
    await this.#connecting;
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#connecting;
    const connection = this.#connection;
    this.#connection = null;
    if (!connection) return;
    connection.client.removeAllListeners('notification');
    try {
      await connection.client.query(`UNLISTEN ${quoteIdent(this.#options.channel)}`);
      connection.release();
    } catch (error) {
      // Closing anyway: destroy the connection rather than return a broken one to a pool.
      connection.release(error as Error);
    }
  }

  async #connect(isReconnect: boolean): Promise<void> {
    let connection: ListenConnection | null = null;
    try {
      connection = await this.#options.connect();
      const { client } = connection;
      client.on('notification', this.#onNotification);
      // Errors of an idle LISTEN connection arrive as events; without a handler they would crash the process.
      client.on('error', (error: Error) => this.#lost(client, error));
      client.on('end', () => this.#lost(client, new Error('LISTEN connection ended')));
      await client.query(`LISTEN ${quoteIdent(this.#options.channel)}`);
      if (!this.#running) {
        connection.release();
        return;
      }
      this.#connection = connection;
      this.#attempt = 0;
      if (isReconnect) this.#options.onSignal('jobs');
    } catch (error) {
      connection?.release(error as Error);
      this.#scheduleReconnect();
    }
  }

  readonly #onNotification = (message: Notification): void => {
    if (message.channel !== this.#options.channel) return;
    this.#options.onSignal(signalOf(message.payload));
  };

  #lost(client: ClientBase, error: Error): void {
    const connection = this.#connection;
    if (!connection || connection.client !== client) return;
    this.#connection = null;
    client.removeAllListeners('notification');
    connection.release(error);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (!this.#running || this.#timer) return;
    const { minBackoffMs, maxBackoffMs } = this.#options;
    const baseMs = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.#attempt, 16));
    this.#attempt++;
    const delayMs = Math.round(baseMs * (0.5 + Math.random() / 2));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#connecting = this.#connect(true);
    }, delayMs);
    // A pending reconnect alone must not keep the process alive.
    this.#timer.unref();
  }
}

/** A payload this version does not know (a newer node's) still means that something changed. */
function signalOf(payload: string | undefined): StoreSignal {
  return payload === 'schedules' || payload === 'events' ? payload : 'jobs';
}
