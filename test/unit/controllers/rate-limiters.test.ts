import { describe, expect, test } from 'vitest';
import {
  bucketRateLimiter,
  defaultControllerRateLimiter,
  itemExponentialRateLimiter,
  maxOfRateLimiters,
  type RateLimiter,
} from '../../../src/controllers/index.ts';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';

const delays = (limiter: RateLimiter, key: string, n: number) => Array.from({ length: n }, () => limiter.when(key));

describe('itemExponentialRateLimiter', () => {
  test('doubles from 5 ms per retry of a key, capped at maxMs', () => {
    const limiter = itemExponentialRateLimiter({ maxMs: 300 });
    expect(delays(limiter, 'a', 9)).toEqual([5, 10, 20, 40, 80, 160, 300, 300, 300]);
    expect(limiter.retries('a')).toBe(9);
  });

  test('the defaults are 5 ms to 1000 s, and a key failing for ever stays at the cap (no Infinity, no NaN)', () => {
    const limiter = itemExponentialRateLimiter();
    const all = delays(limiter, 'a', 2000);
    expect(all.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(all[17]).toBe(655_360);
    expect(all[18]).toBe(1_000_000);
    expect(all.at(-1)).toBe(1_000_000);
  });

  test('keys back off independently, and forget() starts a key over', () => {
    const limiter = itemExponentialRateLimiter();
    delays(limiter, 'a', 3);
    expect(limiter.when('b')).toBe(5);
    limiter.forget('a');
    expect(limiter.retries('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
    expect(limiter.retries('b')).toBe(1);
  });

  test('rejects a non-positive base', () => {
    expect(() => itemExponentialRateLimiter({ baseMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => itemExponentialRateLimiter({ maxMs: Number.NaN })).toThrow('Expected `maxMs` to be a positive number, got NaN');
  });
});

describe('bucketRateLimiter', () => {
  test('lets a burst of 100 through at once, then spreads the rest at 10 per second', () => {
    const clock = new VirtualClock();
    const limiter = bucketRateLimiter({ clock });
    expect(delays(limiter, 'k', 100).every((delay) => delay === 0)).toBe(true);
    // Reservations: each further call takes a token that will only exist 100 ms after the previous one.
    expect(delays(limiter, 'k', 5)).toEqual([100, 200, 300, 400, 500]);
  });

  test('refills at perSecond while time passes, never above the burst', async () => {
    const clock = new VirtualClock();
    const limiter = bucketRateLimiter({ clock, perSecond: 10, burst: 3 });
    expect(delays(limiter, 'k', 4)).toEqual([0, 0, 0, 100]);
    await clock.advance('1s'); // -1 + 10 tokens, capped at 3
    expect(delays(limiter, 'k', 4)).toEqual([0, 0, 0, 100]);
    await clock.advance(250); // -1 + 2.5 = 1.5 tokens
    expect(delays(limiter, 'k', 3)).toEqual([0, 50, 150]);
  });

  test('counts no per-key retries', () => {
    const limiter = bucketRateLimiter({ clock: new VirtualClock() });
    limiter.when('a');
    expect(limiter.retries('a')).toBe(0);
  });
});

describe('maxOfRateLimiters', () => {
  test('answers the longest delay, asks every limiter, and forgets in all', () => {
    const clock = new VirtualClock();
    const bucket = bucketRateLimiter({ clock, perSecond: 1, burst: 1 });
    const limiter = maxOfRateLimiters(itemExponentialRateLimiter({ baseMs: 100 }), bucket);
    expect(limiter.when('a')).toBe(100); // exponential: 100; bucket: 0
    expect(limiter.when('a')).toBe(1000); // exponential: 200; bucket: 1000
    expect(limiter.retries('a')).toBe(2);
    limiter.forget('a');
    expect(limiter.retries('a')).toBe(0);
    expect(() => maxOfRateLimiters()).toThrow(InvalidArgumentError);
  });

  test('defaultControllerRateLimiter: per-key backoff until the shared bucket (100, then 10/s) is the longer wait', () => {
    const limiter = defaultControllerRateLimiter(new VirtualClock());
    expect(delays(limiter, 'a', 3)).toEqual([5, 10, 20]);
    for (let i = 0; i < 97; i++) expect(limiter.when(`key-${i}`)).toBe(5);
    expect(limiter.when('late')).toBe(100);
  });
});
