import type { TimerHandle } from '../time/clock.ts';
import { toError, type SchedulerEventEmitter } from './events.ts';
import type { JobSlots } from './job-slots.ts';
import { renewLeases, type LeaseKeeperContext } from './lease-keeper.ts';

/**
 * Renews the leases of every job a node holds, every `heartbeatMs` while it holds any (an idle
 * node sets no timer), or at once when asked (`soon`: a schedule changed, a job was cancelled —
 * a reservation this node holds may be gone). One store call renews them all.
 */
export class Heartbeat {
  readonly #keeper: LeaseKeeperContext;
  readonly #slots: JobSlots;
  readonly #events: SchedulerEventEmitter;
  readonly #heartbeatMs: number;
  #timer: TimerHandle | null = null;
  #inFlight = false;
  #again = false;
  #stopped = false;

  constructor(keeper: LeaseKeeperContext, slots: JobSlots, events: SchedulerEventEmitter, heartbeatMs: number) {
    this.#keeper = keeper;
    this.#slots = slots;
    this.#events = events;
    this.#heartbeatMs = heartbeatMs;
  }

  /** Makes sure a renewal is scheduled while jobs are held. */
  ensure(): void {
    if (this.#timer || this.#inFlight || this.#stopped || this.#slots.held.size === 0) return;
    this.#schedule(this.#heartbeatMs);
  }

  /** Renews at the next turn (or right after the renewal under way). */
  soon(): void {
    if (this.#stopped || this.#slots.held.size === 0) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#timer?.cancel();
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#keeper.clock.setTimer(() => {
      this.#timer = null;
      this.#inFlight = true;
      void renewLeases(this.#keeper, [...this.#slots.held.values()])
        .then(({ dropped }) => this.#slots.letGo(dropped))
        .catch((error: unknown) => this.#events.emit('error', { error: toError(error), during: 'renewing leases' }))
        .finally(() => {
          this.#inFlight = false;
          if (this.#again) {
            this.#again = false;
            this.soon();
          } else this.ensure();
        });
    }, delayMs);
  }
}
