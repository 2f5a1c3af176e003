import type { Clock, TimerHandle } from '../time/clock.ts';
import { parseDuration, type Duration } from '../time/duration.ts';

interface VirtualTimer {
  atMs: number;
  seq: number;
  callback: () => void;
}

/** How many event-loop turns `settle()` lets pass: enough for chains of store calls and handlers that do no real I/O. */
const settleTurns = 20;
/** How many times one `settle()` waits for tracked real I/O before it gives up (a loop that never rests). */
const maxIoWaits = 10_000;

/**
 * A clock that only moves when told to. Give it to a `Scheduler` (option `clock`) and drive time
 * with `advance('5m')`: every timer due on the way fires at its own instant, in order, and the
 * work it starts settles before the clock moves on. No test ever sleeps.
 *
 * @example
 * const clock = new VirtualClock(Date.UTC(2026, 0, 1));
 * const scheduler = new Scheduler({ store: new MemoryStore(), tasks, clock });
 * await scheduler.start();
 * await clock.advance('5m');
 *
 * A store that talks to a server (PostgreSQL, Redis) answers after real I/O, which no number of
 * event-loop turns waits for: hand it to the scheduler through `clock.trackStore(store)`, and the
 * clock waits for every call in flight before it moves on.
 */
export class VirtualClock implements Clock {
  #nowMs: number;
  #seq = 0;
  #timers: VirtualTimer[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.#nowMs = start instanceof Date ? start.getTime() : start;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer: VirtualTimer = { atMs: this.#nowMs + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return { cancel: () => this.#remove(timer) };
  }

  /**
   * Counts real work outside the clock (a store call to a server) as pending: `settle()`, and so
   * `advance()`, waits for it before the clock moves on. Returns the promise, unchanged.
   */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const done = () => void this.#inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /**
   * The store as the scheduler should see it under this clock: every call it makes is tracked
   * (see `track`), so `advance()` fires the next timer only once the store has answered the last
   * call. Needed for PostgreSQL and Redis; the in-process stores answer without real I/O.
   */
  trackStore<S extends object>(store: S): S {
    return new Proxy(store, {
      get: (target, property) => {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? this.track(result) : result;
        };
      },
    });
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `duration`, firing each timer due on the way at its own instant. */
  async advance(duration: Duration): Promise<void> {
    await this.advanceTo(this.#nowMs + parseDuration(duration, 'duration', { allowZero: true }));
  }

  /** Moves time forward to `target` (never backwards). */
  async advanceTo(target: Date | number): Promise<void> {
    const targetMs = target instanceof Date ? target.getTime() : target;
    await this.settle();
    for (;;) {
      const next = this.#earliest();
      if (!next || next.atMs > targetMs) break;
      this.#nowMs = Math.max(this.#nowMs, next.atMs);
      await this.settle();
    }
    this.#nowMs = Math.max(this.#nowMs, targetMs);
    await this.settle();
  }

  /**
   * Lets pending work finish without moving time: fires timers already due and gives promises
   * and immediates several turns of the event loop.
   */
  async settle(): Promise<void> {
    let ioWaits = 0;
    for (let turn = 0; turn < settleTurns; turn++) {
      this.#fireDue();
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Tracked real I/O under way: wait for it, then give what it resumes its turns again.
      if (this.#inFlight.size > 0 && ioWaits++ < maxIoWaits) {
        await Promise.allSettled(this.#inFlight);
        turn = -1;
      }
    }
  }

  #fireDue(): void {
    for (;;) {
      const next = this.#earliest();
      if (!next || next.atMs > this.#nowMs) return;
      this.#remove(next);
      next.callback();
    }
  }

  #earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.#timers) {
      if (!best || timer.atMs < best.atMs || (timer.atMs === best.atMs && timer.seq < best.seq)) best = timer;
    }
    return best;
  }

  #remove(timer: VirtualTimer): void {
    const index = this.#timers.indexOf(timer);
    if (index !== -1) this.#timers.splice(index, 1);
  }
}
