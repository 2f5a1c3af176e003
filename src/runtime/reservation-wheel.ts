import type { Clock, TimerHandle } from '../time/clock.ts';
import type { HeldJob } from './held-job.ts';

/**
 * The jobs this node reserved ahead, by the instant each comes due: one clock timer per distinct
 * instant (5,000 one-shots due at midnight are one timer), none per job. At its instant a group is
 * handed to `onDue` at once, in the order the jobs were added.
 */
export class ReservationWheel {
  readonly #clock: Clock;
  readonly #onDue: (jobs: HeldJob[]) => void;
  readonly #groups = new Map<number, { jobs: HeldJob[]; timer: TimerHandle }>();
  #size = 0;

  constructor(clock: Clock, onDue: (jobs: HeldJob[]) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  /** Jobs waiting for their instant. */
  get size(): number {
    return this.#size;
  }

  /** Jobs waiting for the instant `atMs`. */
  countAt(atMs: number): number {
    return this.#groups.get(atMs)?.jobs.length ?? 0;
  }

  /** Holds `job` until its runAtMs (a job due already is handed over at the next timer turn). */
  add(job: HeldJob): void {
    const atMs = job.claimed.runAtMs;
    let group = this.#groups.get(atMs);
    if (!group) {
      const jobs: HeldJob[] = [];
      group = { jobs, timer: this.#clock.setTimer(() => this.#fire(atMs), atMs - this.#clock.now()) };
      this.#groups.set(atMs, group);
    }
    group.jobs.push(job);
    this.#size++;
  }

  /** Takes a job out before its instant (its reservation was cancelled or given back). True when it was held. */
  remove(job: HeldJob): boolean {
    const group = this.#groups.get(job.claimed.runAtMs);
    const index = group ? group.jobs.indexOf(job) : -1;
    if (!group || index < 0) return false;
    group.jobs.splice(index, 1);
    this.#size--;
    if (group.jobs.length === 0) {
      group.timer.cancel();
      this.#groups.delete(job.claimed.runAtMs);
    }
    return true;
  }

  /** Every job still waiting for its instant, and stops every timer (shutdown). */
  drain(): HeldJob[] {
    const all: HeldJob[] = [];
    for (const group of this.#groups.values()) {
      group.timer.cancel();
      all.push(...group.jobs);
    }
    this.#groups.clear();
    this.#size = 0;
    return all;
  }

  #fire(atMs: number): void {
    const group = this.#groups.get(atMs);
    if (!group) return;
    this.#groups.delete(atMs);
    this.#size -= group.jobs.length;
    this.#onDue(group.jobs);
  }
}
