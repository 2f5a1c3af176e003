/** Percentiles of a window; null while it holds no sample. */
export interface Percentiles {
  p50: number | null;
  p99: number | null;
}

/**
 * The last `capacity` samples of a measurement (a ring buffer), for percentiles over recent
 * activity: what `status()` shows should describe the controller now, not its whole life.
 */
export class RecentWindow {
  readonly #samples: number[] = [];
  readonly #capacity: number;
  #next = 0;

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  add(sample: number): void {
    if (this.#samples.length < this.#capacity) this.#samples.push(sample);
    else this.#samples[this.#next] = sample;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** Nearest-rank p50 and p99 (each a value that was actually observed). */
  percentiles(): Percentiles {
    if (this.#samples.length === 0) return { p50: null, p99: null };
    const sorted = this.#samples.toSorted((a, b) => a - b);
    const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? null;
    return { p50: at(0.5), p99: at(0.99) };
  }
}
