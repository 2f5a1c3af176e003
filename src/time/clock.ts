/**
 * The only door to time. The runtime never calls `Date.now()` or `setTimeout` itself, so a
 * `VirtualClock` (sundial-scheduler/testing) can drive a whole scheduler without waiting.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now (0 or less: as soon as possible). */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  /**
   * Optional: milliseconds on a clock that never jumps (NTP steps, a wall clock set by hand),
   * for judging how long something lasted — a leader's lease. Absent: `now()` serves.
   */
  monotonicNow?(): number;
}

/** `clock.monotonicNow()` where the clock has one, else `clock.now()`. */
export function monotonicNow(clock: Clock): number {
  return clock.monotonicNow === undefined ? clock.now() : clock.monotonicNow();
}

/** A pending timer of `Clock.setTimer`. */
export interface TimerHandle {
  /** Cancels the timer if it has not fired yet; a no-op afterwards. */
  cancel(): void;
}

/** Wall-clock time and real timers. Timers are unref'd: a pending wake-up never keeps the process alive by itself. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Resolves after `delayMs` on `clock`, or rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
