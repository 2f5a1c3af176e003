import type { StoreSignal } from '../store/store.ts';

/**
 * Push-like wake-ups for a store that has no notifications: SQLite's `PRAGMA data_version` changes
 * when another connection — another process — commits to the file, and reading it costs no disk
 * I/O (it comes from the WAL index in shared memory). Polling it every few tens of milliseconds
 * lets an idle node see another node's new job at once, while the scheduler's full poll (which
 * runs queries) stays at its slower interval.
 *
 * `data_version` says only that something was committed, not what, so every change is signalled
 * `'jobs'` (a spurious one costs the node one poll). Telling an event append apart by itself would
 * need every commit to write a marker; instead, only when the version moved, the watcher reads the
 * log's cursor (one row of `sqlite_sequence`, no scan) and adds `'events'` when that moved too.
 * This connection's own appends also move it, so they are signalled at another process's next
 * commit: one empty read for an event reader, never a missed append.
 */
export class ChangeWatcher {
  readonly #readVersion: () => number;
  readonly #readEventCursor: () => number;
  readonly #intervalMs: number;
  readonly #listeners = new Set<(signal: StoreSignal) => void>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastVersion = 0;
  #lastEventCursor = 0;

  constructor(readVersion: () => number, readEventCursor: () => number, intervalMs: number) {
    this.#readVersion = readVersion;
    this.#readEventCursor = readEventCursor;
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
    this.#lastEventCursor = this.#readEventCursor();
    this.#timer = setInterval(() => this.#check(), this.#intervalMs);
    this.#timer.unref(); // a watcher alone never keeps the process alive
  }

  #check(): void {
    let version: number;
    let eventCursor: number;
    try {
      version = this.#readVersion();
      if (version === this.#lastVersion) return;
      eventCursor = this.#readEventCursor();
    } catch {
      // The store was closed under us (or the file is busy): the scheduler's own poll reports errors.
      return;
    }
    this.#lastVersion = version;
    const signals: StoreSignal[] = ['jobs'];
    if (eventCursor !== this.#lastEventCursor) signals.push('events');
    this.#lastEventCursor = eventCursor;
    for (const signal of signals) {
      // A copy: a listener may unsubscribe while we iterate (and then hears no further signal).
      // oxlint-disable-next-line unicorn/no-useless-spread
      for (const listener of [...this.#listeners]) listener(signal);
    }
  }
}
