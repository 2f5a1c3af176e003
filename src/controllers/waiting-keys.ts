interface Entry {
  key: string;
  readyAtMs: number;
}

/**
 * The keys a delaying work queue holds back until their instant (client-go's
 * `waitForPriorityQueue` plus its `waitingEntryByData` map). A key waits at most once: adding it
 * again keeps the earlier instant. A min-heap ordered by instant, with lazy deletion: moving a key
 * earlier pushes a new entry, and the stale one is skipped when it surfaces.
 */
export class WaitingKeys {
  readonly #readyAtMs = new Map<string, number>();
  readonly #heap: Entry[] = [];

  /** How many keys wait. */
  get size(): number {
    return this.#readyAtMs.size;
  }

  /** Makes `key` wait until `readyAtMs`, unless it already waits for an earlier instant. Returns whether the earliest instant changed. */
  add(key: string, readyAtMs: number): boolean {
    const current = this.#readyAtMs.get(key);
    if (current !== undefined && current <= readyAtMs) return false;
    const before = this.nextAtMs();
    this.#readyAtMs.set(key, readyAtMs);
    this.#push({ key, readyAtMs });
    return before === null || readyAtMs < before;
  }

  /** The earliest instant a key waits for, or null when none waits. */
  nextAtMs(): number | null {
    this.#dropStale();
    return this.#heap[0]?.readyAtMs ?? null;
  }

  /** Removes and returns every key whose instant is at or before `nowMs`, earliest first. */
  takeReady(nowMs: number): string[] {
    const ready: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.readyAtMs > nowMs) return ready;
      this.#pop();
      this.#readyAtMs.delete(top.key);
      ready.push(top.key);
    }
  }

  clear(): void {
    this.#readyAtMs.clear();
    this.#heap.length = 0;
  }

  /** Pops heap entries that a later, earlier-instant `add` superseded. */
  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || this.#readyAtMs.get(top.key) === top.readyAtMs) return;
      this.#pop();
    }
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < heap.length && before(heap[left] as Entry, heap[first] as Entry)) first = left;
      if (right < heap.length && before(heap[right] as Entry, heap[first] as Entry)) first = right;
      if (first === i) return;
      this.#swap(i, first);
      i = first;
    }
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    const tmp = heap[a] as Entry;
    heap[a] = heap[b] as Entry;
    heap[b] = tmp;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.readyAtMs < b.readyAtMs;
}
