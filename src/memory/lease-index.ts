import { BinaryHeap } from './binary-heap.ts';

interface LeaseEntry {
  readonly jobId: string;
  readonly stamp: number;
  readonly expiresAtMs: number;
  readonly seq: number;
}

/**
 * Running jobs by lease expiry, so `findExpiredLeases` and `nextWakeAtMs` cost O(k log n) instead
 * of a scan of every running job. Like `ClaimQueue`, entries go stale (a renewal, a completion)
 * instead of being removed, and are dropped when they surface.
 */
export class LeaseIndex {
  readonly #heap = new BinaryHeap<LeaseEntry>((a, b) => a.expiresAtMs < b.expiresAtMs || (a.expiresAtMs === b.expiresAtMs && a.seq < b.seq));
  readonly #isCurrent: (jobId: string, stamp: number) => boolean;
  #nextStamp = 1;

  constructor(isCurrent: (jobId: string, stamp: number) => boolean) {
    this.#isCurrent = isCurrent;
  }

  /** Records a lease; returns the stamp the job must carry for it to stay current. */
  add(jobId: string, expiresAtMs: number, seq: number): number {
    const entry: LeaseEntry = { jobId, stamp: this.#nextStamp++, expiresAtMs, seq };
    this.#heap.push(entry);
    return entry.stamp;
  }

  /** Ids of up to `limit` jobs whose current lease expired at `nowMs`, oldest expiry first. Reads only. */
  expired(nowMs: number, limit: number): string[] {
    const found: LeaseEntry[] = [];
    while (found.length < limit) {
      const top = this.#heap.peek();
      if (top === undefined) break;
      if (!this.#isCurrent(top.jobId, top.stamp)) {
        this.#heap.pop();
        continue;
      }
      if (top.expiresAtMs > nowMs) break;
      found.push(this.#heap.pop() as LeaseEntry);
    }
    for (const entry of found) this.#heap.push(entry);
    return found.map((entry) => entry.jobId);
  }

  earliestExpiryMs(): number | null {
    for (let top = this.#heap.peek(); top !== undefined; top = this.#heap.peek()) {
      if (this.#isCurrent(top.jobId, top.stamp)) return top.expiresAtMs;
      this.#heap.pop();
    }
    return null;
  }
}
