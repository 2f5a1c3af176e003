import { diag } from '@opentelemetry/api';

/**
 * The queue depth (jobs per status) of one store, read at most once per `intervalMs` however
 * often metrics are collected (a reading is one `jobStats` store call), and never twice at once.
 * A failed read answers null — the gauge goes absent, rather than repeat a stale number — and is
 * tried again after the interval. Time here is the monotonic clock: it paces store reads, it
 * dates nothing.
 */
export class QueueDepthReader {
  readonly #read: () => Promise<Record<string, number>>;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #value: Record<string, number> | null = null;
  #readAtMs = Number.NEGATIVE_INFINITY;
  #reading: Promise<Record<string, number> | null> | null = null;

  constructor(read: () => Promise<Record<string, number>>, intervalMs: number, now: () => number = () => performance.now()) {
    this.#read = read;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** The counts, from the last reading when it is recent enough, else read now. */
  current(): Promise<Record<string, number> | null> {
    if (this.#now() - this.#readAtMs < this.#intervalMs) return Promise.resolve(this.#value);
    this.#reading ??= this.#read().then(
      (value) => this.#settle(value),
      (error: unknown) => {
        diag.warn(`sundial: reading the queue depth failed: ${error instanceof Error ? error.message : String(error)}`);
        return this.#settle(null);
      },
    );
    return this.#reading;
  }

  #settle(value: Record<string, number> | null): Record<string, number> | null {
    this.#value = value;
    this.#readAtMs = this.#now();
    this.#reading = null;
    return value;
  }
}
