import { BinaryHeap } from './binary-heap.ts';

/** One claimable job as the queue saw it; stale once the job changed (see `ClaimQueue`). */
export interface QueueEntry {
  readonly jobId: string;
  /** Matches the job's current stamp while this entry is the job's live one. */
  readonly stamp: number;
  readonly priority: number;
  readonly runAtMs: number;
  /** Insertion sequence of the job: "creation order". */
  readonly seq: number;
}

export const byRunAt = (a: QueueEntry, b: QueueEntry): boolean => a.runAtMs < b.runAtMs || (a.runAtMs === b.runAtMs && a.seq < b.seq);

export const claimOrder = (a: QueueEntry, b: QueueEntry): boolean =>
  a.priority > b.priority || (a.priority === b.priority && byRunAt(a, b));

/**
 * The claimable (queued or failed) jobs, so a claim costs O(k log n) instead of a scan and sort of
 * every job. Not-yet-due entries wait in `delayed` (by runAtMs) and move to `ready` (claim order)
 * once due; `wake` keeps every entry by runAtMs for `nextWakeAtMs`.
 *
 * Entries are never removed eagerly: when a job is claimed, cancelled, purged or rescheduled, its
 * old entries just stop being current (`isCurrent`) and are dropped when they surface.
 */
export class ClaimQueue {
  readonly #delayed = new BinaryHeap<QueueEntry>(byRunAt);
  readonly #ready = new BinaryHeap<QueueEntry>(claimOrder);
  readonly #wake = new BinaryHeap<QueueEntry>(byRunAt);
  readonly #isCurrent: (entry: QueueEntry) => boolean;
  #nextStamp = 1;

  constructor(isCurrent: (entry: QueueEntry) => boolean) {
    this.#isCurrent = isCurrent;
  }

  /** Adds a claimable job; returns the stamp the job must carry for this entry to stay current. */
  add(jobId: string, priority: number, runAtMs: number, seq: number): number {
    const entry: QueueEntry = { jobId, stamp: this.#nextStamp++, priority, runAtMs, seq };
    this.#delayed.push(entry);
    this.#wake.push(entry);
    return entry.stamp;
  }

  /** Up to `limit` current entries due at `nowMs`, in claim order. They are consumed. */
  take(nowMs: number, limit: number): QueueEntry[] {
    const out: QueueEntry[] = [];
    if (limit <= 0) return out;
    for (let top = this.#delayed.peek(); top !== undefined && top.runAtMs <= nowMs; top = this.#delayed.peek()) {
      this.#delayed.pop();
      if (this.#isCurrent(top)) this.#ready.push(top);
    }
    // Callers may pass an earlier nowMs than before (virtual clocks): entries promoted then are not due now.
    const notDue: QueueEntry[] = [];
    while (out.length < limit && this.#ready.size > 0) {
      const entry = this.#ready.pop() as QueueEntry;
      if (!this.#isCurrent(entry)) continue;
      if (entry.runAtMs > nowMs) notDue.push(entry);
      else out.push(entry);
    }
    for (const entry of notDue) this.#delayed.push(entry);
    return out;
  }

  /**
   * Up to `limit` current entries not due at `nowMs` but due by `untilMs`, in runAtMs order (then
   * creation): the jobs a claim reserves ahead. They are consumed; `restoreDelayed` gives back those
   * the caller does not use.
   */
  takeAhead(nowMs: number, untilMs: number, limit: number): QueueEntry[] {
    const out: QueueEntry[] = [];
    while (out.length < limit) {
      const top = this.#delayed.peek();
      if (top === undefined || top.runAtMs > untilMs) break;
      this.#delayed.pop();
      if (!this.#isCurrent(top)) continue;
      // Due already (a nowMs earlier than the last take's): it belongs to the due claims.
      if (top.runAtMs <= nowMs) this.#ready.push(top);
      else out.push(top);
    }
    return out;
  }

  /** Gives back entries `takeAhead` returned but the caller did not use. */
  restoreDelayed(entries: readonly QueueEntry[]): void {
    for (const entry of entries) this.#delayed.push(entry);
  }

  /** Gives back entries `take` returned but the caller did not use (they stay due and current). */
  restore(entries: readonly QueueEntry[]): void {
    for (const entry of entries) this.#ready.push(entry);
  }

  /** The earliest runAtMs of a current entry, or null. */
  earliestRunAtMs(): number | null {
    for (let top = this.#wake.peek(); top !== undefined; top = this.#wake.peek()) {
      if (this.#isCurrent(top)) return top.runAtMs;
      this.#wake.pop();
    }
    return null;
  }
}
