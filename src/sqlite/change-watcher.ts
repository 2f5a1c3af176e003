import type { StoreSignal } from '../store/store.ts';

/**
 * Push-like wake-ups for a store that has no notifications: SQLite's `PRAGMA data_version` changes
 * when another connection — another process — commits to the file, and reading it costs no disk
 * I/O (it comes from the WAL index in shared memory). Polling it every few tens of milliseconds
 * lets an idle node see another node's new job at once, while the scheduler's full poll (which
 * runs queries) stays at its slower interval.
 */
export class ChangeWatcher {
  readonly #readVersion: () => number;
  readonly #intervalMs: number;
  readonly #listeners = new Set<(signal: StoreSignal) => void>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastVersion = 0;

  constructor(readVersion: () => number, intervalMs: number) {
    this.#readVersion = readVersion;
    this.#intervalMs = intervalMs;
  }

  subscribe(listener: (signal: StoreSignal) => void): () => void {
    this.#listeners.add(listener);
    if (this.#timer === null) this.#start();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #start(): void {
    this.#lastVersion = this.#readVersion();
    this.#timer = setInterval(() => this.#check(), this.#intervalMs);
    this.#timer.unref(); // a watcher alone never keeps the process alive
  }

  #check(): void {
    let version: number;
    try {
      version = this.#readVersion();
    } catch {
      // The store was closed under us (or the file is busy): the scheduler's own poll reports errors.
      return;
    }
    if (version === this.#lastVersion) return;
    this.#lastVersion = version;
    // A copy: a listener may unsubscribe while we iterate.
    // oxlint-disable-next-line unicorn/no-useless-spread
    for (const listener of [...this.#listeners]) listener('jobs');
  }
}
