import { InvalidArgumentError } from '../errors.ts';
import { systemClock, type Clock } from '../time/clock.ts';

/**
 * Decides how long a key waits before it is retried (client-go's `workqueue.TypedRateLimiter`).
 * A work queue asks `when(key)` on every `addRateLimited(key)` and calls `forget(key)` once the
 * key succeeded (or failed for good), so that its next failure starts from the shortest delay.
 */
export interface RateLimiter {
  /** The delay, in milliseconds, before `key` may run again. Counts as one more retry of `key`. */
  when(key: string): number;
  /** Stops tracking `key`: its next `when` starts over. */
  forget(key: string): void;
  /** How many times `when(key)` was called since the last `forget(key)`. */
  retries(key: string): number;
}

/** The options of `itemExponentialRateLimiter`: the first delay and the cap, in milliseconds. */
export interface ItemExponentialRateLimiterOptions {
  /**
   * The first delay; each further retry of the same key doubles it.
   * @defaultValue 5
   */
  baseMs?: number;
  /**
   * The longest delay (client-go's default: 1000 s).
   * @defaultValue 1_000_000
   */
  maxMs?: number;
}

/**
 * Per-key exponential backoff: `baseMs * 2^retries`, capped at `maxMs` — 5, 10, 20, 40 … ms with
 * the defaults (client-go's `ItemExponentialFailureRateLimiter`). Keys are independent.
 *
 * @example
 * const limiter = itemExponentialRateLimiter({ baseMs: 100, maxMs: 60_000 });
 * limiter.when('a'); // 100
 * limiter.when('a'); // 200
 */
export function itemExponentialRateLimiter(options: ItemExponentialRateLimiterOptions = {}): RateLimiter {
  const baseMs = positive(options.baseMs ?? 5, 'baseMs');
  const maxMs = positive(options.maxMs ?? 1_000_000, 'maxMs');
  const failures = new Map<string, number>();
  return {
    when(key) {
      const exponent = failures.get(key) ?? 0;
      failures.set(key, exponent + 1);
      // 2 ** 1100 is Infinity and Infinity > maxMs, so a key that fails for ever stays at maxMs
      // (client-go guards its int64 nanoseconds against overflow for the same reason).
      return Math.min(baseMs * 2 ** exponent, maxMs);
    },
    forget(key) {
      failures.delete(key);
    },
    retries(key) {
      return failures.get(key) ?? 0;
    },
  };
}

/** The options of `bucketRateLimiter`: the sustained rate (tokens per second) and the burst. */
export interface BucketRateLimiterOptions {
  /**
   * Tokens added per second: the sustained rate of retries, over all keys.
   * @defaultValue 10
   */
  perSecond?: number;
  /**
   * Size of the bucket: how many retries may go at once after a quiet period.
   * @defaultValue 100
   */
  burst?: number;
  /**
   * Where the bucket reads the time.
   * @defaultValue the system clock
   */
  clock?: Clock;
}

/**
 * One token bucket for all keys: at most `burst` retries at once, then `perSecond` (client-go's
 * `BucketRateLimiter` over golang.org/x/time/rate). Like `rate.Limiter.Reserve().Delay()`, every
 * `when()` takes a token, possibly one that has not been added yet, and answers how long until
 * that token exists; the bucket can go negative, so reservations made in a burst are spread out
 * at `perSecond` instead of all landing on the same instant. It counts no per-key retries.
 *
 * @example
 * const limiter = bucketRateLimiter({ perSecond: 10, burst: 100 });
 */
export function bucketRateLimiter(options: BucketRateLimiterOptions = {}): RateLimiter {
  const perSecond = positive(options.perSecond ?? 10, 'perSecond');
  const burst = positive(options.burst ?? 100, 'burst');
  const clock = options.clock ?? systemClock;
  let tokens = burst;
  let lastMs = clock.now();
  return {
    when() {
      const nowMs = clock.now();
      // A clock that went backwards adds nothing (x/time/rate moves `last` back the same way).
      const elapsedMs = Math.max(0, nowMs - lastMs);
      tokens = Math.min(burst, tokens + (elapsedMs * perSecond) / 1000) - 1;
      lastMs = nowMs;
      if (tokens >= 0) return 0;
      // Floating point can leave 100.00000000001 where 100 is meant: do not round that up to 101.
      return Math.max(0, Math.ceil((-tokens * 1000) / perSecond - 1e-6));
    },
    forget() {},
    retries() {
      return 0;
    },
  };
}

/**
 * Asks every limiter and answers the longest delay (client-go's `MaxOfRateLimiter`). Every limiter
 * is asked on every `when()`, so a token bucket keeps counting even while a per-key backoff is the
 * longer wait. `retries` is the largest count, `forget` forgets in all.
 */
export function maxOfRateLimiters(...limiters: RateLimiter[]): RateLimiter {
  if (limiters.length === 0) throw new InvalidArgumentError('Expected `maxOfRateLimiters` to get at least one rate limiter, got none');
  return {
    when(key) {
      let delayMs = 0;
      for (const limiter of limiters) delayMs = Math.max(delayMs, limiter.when(key));
      return delayMs;
    },
    forget(key) {
      for (const limiter of limiters) limiter.forget(key);
    },
    retries(key) {
      let retries = 0;
      for (const limiter of limiters) retries = Math.max(retries, limiter.retries(key));
      return retries;
    },
  };
}

/**
 * client-go's `DefaultControllerRateLimiter`: per-key exponential backoff from 5 ms to 1000 s, and
 * at most 10 retries per second (bursts of 100) over all keys.
 */
export function defaultControllerRateLimiter(clock: Clock = systemClock): RateLimiter {
  return maxOfRateLimiters(itemExponentialRateLimiter({ baseMs: 5, maxMs: 1_000_000 }), bucketRateLimiter({ perSecond: 10, burst: 100, clock }));
}

function positive(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`Expected \`${what}\` to be a positive number, got ${String(value)}`);
  }
  return value;
}
