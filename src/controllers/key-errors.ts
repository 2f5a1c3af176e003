/** The last failure of one key, as `Controller.status()` lists it. */
export interface KeyError {
  key: string;
  /** Failures in a row: since the key last reconciled fine, or since it entered this list. */
  count: number;
  lastError: { name: string; message: string };
  lastAtMs: number;
}

/**
 * The keys that failed and have not reconciled fine since, with their last error. Bounded: past
 * `limit` keys, the key whose last failure is the oldest makes room, so a controller failing on
 * every key cannot grow it without end.
 */
export class KeyErrors {
  /** In order of last failure, oldest first (a failing key is moved to the end). */
  readonly #byKey = new Map<string, KeyError>();
  readonly #limit: number;

  constructor(limit = 100) {
    this.#limit = limit;
  }

  failed(key: string, error: Error, atMs: number): void {
    const count = (this.#byKey.get(key)?.count ?? 0) + 1;
    this.#byKey.delete(key);
    this.#byKey.set(key, { key, count, lastError: { name: error.name, message: error.message }, lastAtMs: atMs });
    if (this.#byKey.size > this.#limit) {
      const oldest = this.#byKey.keys().next();
      if (!oldest.done) this.#byKey.delete(oldest.value);
    }
  }

  succeeded(key: string): void {
    this.#byKey.delete(key);
  }

  /** Copies, the most recent failure first. */
  list(): KeyError[] {
    return [...this.#byKey.values()].reverse().map((entry) => ({ ...entry, lastError: { ...entry.lastError } }));
  }
}
