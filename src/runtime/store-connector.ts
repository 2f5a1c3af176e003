import { StoreUnavailableError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Clock, TimerHandle } from '../time/clock.ts';
import { toError } from './events.ts';

/** First wait after a failed open; doubled after each failure up to `maxRetryDelayMs`, ±20 % jitter. */
const firstRetryDelayMs = 250;
const maxRetryDelayMs = 30_000;

export interface StoreConnectorOptions {
  store: Store;
  clock: Clock;
  random: () => number;
  /** A failed attempt of the background retries, with the wait before the next one. */
  onAttemptFailed(error: Error, attempt: number, retryInMs: number): void;
  /** Runs after each successful open, before callers see the store open (logging its warnings). Must not throw. */
  afterOpen?(): Promise<void>;
  /** The store opened after `attempts` attempts. */
  onOpened(attempts: number): void;
}

export type ConnectorState = 'closed' | 'opening' | 'retrying' | 'open' | 'stopped';

/**
 * Opens the scheduler's store, once, and keeps trying when it cannot: a node started while its
 * database is down (a rolling restart, a compose file) connects as soon as the database answers.
 *
 * - `openOnce()`: one attempt, shared by concurrent callers. A failed attempt is not cached: the
 *   next call tries again.
 * - `retryUntilOpen()`: attempts in the background with exponential backoff until one succeeds.
 * - `ensureOpen()`, for the API calls made meanwhile: resolves at once when open, waits for an
 *   attempt under way, and fails fast with `StoreUnavailableError` while the retries wait (a
 *   caller gets an answer now rather than a request parked for up to 30 s).
 *
 * Only `StoreUnavailableError` is worth retrying: a store that refuses its data (a newer schema,
 * a foreign file) or a bad option fails the same way every time.
 */
export class StoreConnector {
  readonly #options: StoreConnectorOptions;
  #state: ConnectorState = 'closed';
  #attempt: Promise<void> | null = null;
  #attempts = 0;
  #retryTimer: TimerHandle | null = null;
  #retryAtMs = 0;
  #lastError: Error | null = null;
  #everTried = false;

  constructor(options: StoreConnectorOptions) {
    this.#options = options;
  }

  get state(): ConnectorState {
    return this.#state;
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** The error of the last failed attempt (null once open). */
  get lastError(): Error | null {
    return this.#lastError;
  }

  /** Whether any attempt was made (the store then needs closing at stop). */
  get everTried(): boolean {
    return this.#everTried;
  }

  /** One attempt (or the one under way). Rejects with its error; the next call tries again. */
  openOnce(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    if (this.#state === 'stopped') return Promise.reject(new StoreUnavailableError('The scheduler was stopped'));
    if (this.#attempt) return this.#attempt;
    this.#everTried = true;
    this.#attempts++;
    const previous = this.#state;
    this.#state = 'opening';
    this.#attempt = this.#options.store.open().then(
      async () => {
        await this.#options.afterOpen?.();
        this.#attempt = null;
        if (this.#state === 'stopped') return;
        this.#state = 'open';
        this.#lastError = null;
        this.#options.onOpened(this.#attempts);
      },
      (error: unknown) => {
        this.#attempt = null;
        this.#lastError = toError(error);
        if (this.#state !== 'stopped') this.#state = previous === 'retrying' ? 'retrying' : 'closed';
        throw error;
      },
    );
    return this.#attempt;
  }

  /** For API calls: open now, or fail fast while background retries wait for the store. */
  ensureOpen(): Promise<void> {
    if (this.#state === 'retrying' && !this.#attempt) {
      const waitMs = Math.max(0, this.#retryAtMs - this.#options.clock.now());
      const reason = this.#lastError?.message ?? 'not reachable';
      return Promise.reject(
        new StoreUnavailableError(`The ${this.#options.store.name} store is not reachable yet (next attempt in ${waitMs} ms): ${reason}`, {
          cause: this.#lastError ?? undefined,
        }),
      );
    }
    return this.openOnce();
  }

  /** Keeps attempting in the background, with backoff, until the store opens (or `stop()`). */
  retryUntilOpen(): void {
    if (this.#state === 'open' || this.#state === 'stopped' || this.#state === 'retrying') return;
    this.#state = 'retrying';
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    const failures = Math.max(1, this.#attempts);
    const base = Math.min(maxRetryDelayMs, firstRetryDelayMs * 2 ** Math.min(failures - 1, 16));
    const delayMs = Math.round(base * (0.8 + 0.4 * this.#options.random()));
    this.#options.onAttemptFailed(this.#lastError ?? new StoreUnavailableError('store not open'), this.#attempts, delayMs);
    this.#retryAtMs = this.#options.clock.now() + delayMs;
    this.#retryTimer = this.#options.clock.setTimer(() => {
      this.#retryTimer = null;
      if (this.#state !== 'retrying') return;
      this.openOnce().catch(() => {
        if (this.#state === 'retrying') this.#scheduleRetry();
      });
    }, delayMs);
  }

  /** Stops retrying; waits for an attempt under way. Afterwards every call fails. */
  async stop(): Promise<void> {
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
    const attempt = this.#attempt;
    this.#state = 'stopped';
    await attempt?.catch(() => {});
  }
}

/** Whether a failed open is worth another attempt later: the store was unreachable, not wrong. */
export function isRetryableOpenError(error: unknown): boolean {
  return error instanceof StoreUnavailableError;
}
