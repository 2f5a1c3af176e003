import type { HeldJob } from './held-job.ts';

/**
 * A first-in, first-out queue of held jobs with O(1) push and take (no `Array.shift`, which moves
 * every element: a burst of thousands of due jobs would pay for it quadratically).
 */
export class JobQueue {
  #items: Array<HeldJob | undefined> = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(job: HeldJob): void {
    this.#items.push(job);
  }

  /** The oldest job, without taking it. */
  peek(): HeldJob | undefined {
    return this.#items[this.#head];
  }

  take(): HeldJob | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const job = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return job;
  }

  /** Takes out the jobs `predicate` picks, keeping the others in order. */
  remove(predicate: (job: HeldJob) => boolean): HeldJob[] {
    const removed: HeldJob[] = [];
    const kept: HeldJob[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const job = this.#items[i]!;
      (predicate(job) ? removed : kept).push(job);
    }
    this.#items = kept;
    this.#head = 0;
    return removed;
  }

  /** Every job, oldest first (a copy). */
  toArray(): HeldJob[] {
    return this.#items.slice(this.#head) as HeldJob[];
  }
}
