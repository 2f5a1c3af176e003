import { describe, expect, it } from 'vitest';
import { decideAfterFailure, defaultRetryPolicy, resolveRetryPolicy, retryDelayMs, shouldRetry } from '../../src/domain/retry.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

const noJitter = () => 0;

describe('resolveRetryPolicy', () => {
  it('defaults: 3 attempts, exponential from 1s up to 5m, jitter 0.2', () => {
    expect(resolveRetryPolicy(undefined, 'retry')).toEqual(defaultRetryPolicy);
    expect(defaultRetryPolicy).toEqual({ attempts: 3, backoff: { type: 'exponential', delayMs: 1000, maxMs: 300_000, jitter: 0.2 } });
    expect(resolveRetryPolicy({}, 'retry')).toEqual(defaultRetryPolicy);
  });

  it('reads durations and fills the rest', () => {
    expect(resolveRetryPolicy({ attempts: 5, backoff: { type: 'fixed', delay: '10s', jitter: 0 } }, 'retry')).toEqual({
      attempts: 5,
      backoff: { type: 'fixed', delayMs: 10_000, maxMs: 300_000, jitter: 0 },
    });
    expect(resolveRetryPolicy({ backoff: { delay: 0, max: '1h' } }, 'retry').backoff).toMatchObject({ delayMs: 0, maxMs: 3_600_000 });
  });

  it('raises the default max to a longer delay', () => {
    expect(resolveRetryPolicy({ backoff: { delay: '10m' } }, 'retry').backoff.maxMs).toBe(600_000);
  });

  it.each([
    [{ attempts: 0 }, 'Expected `retry.attempts` to be an integer >= 1, got 0'],
    [{ attempts: 1.5 }, 'Expected `retry.attempts` to be an integer >= 1, got 1.5'],
    [{ attempts: Number.NaN }, 'got NaN'],
    [{ backoff: { jitter: 1.5 } }, 'Expected `retry.backoff.jitter` to be a number from 0 to 1, got 1.5'],
    [{ backoff: { jitter: -0.1 } }, 'got -0.1'],
    [{ backoff: { jitter: Number.NaN } }, 'got NaN'],
    [{ backoff: { jitter: '0.5' as unknown as number } }, 'Expected `retry.backoff.jitter` to be a number from 0 to 1, got "0.5"'],
    [{ backoff: { type: 'linear' as 'fixed' } }, `Expected \`retry.backoff.type\` to be 'fixed' or 'exponential', got "linear"`],
    [{ backoff: { delay: '-1s' } }, 'Expected `retry.backoff.delay` to be a non-negative duration'],
    [{ backoff: { max: 0 } }, 'Expected `retry.backoff.max` to be a positive duration'],
    [{ backoff: { delay: '1m', max: '30s' } }, 'Expected `retry.backoff.max` (30000ms) to be at least `retry.backoff.delay` (60000ms)'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveRetryPolicy(options, 'retry')).toThrow(InvalidArgumentError);
    expect(() => resolveRetryPolicy(options, 'retry')).toThrow(message);
  });
});

describe('retryDelayMs', () => {
  const exponential = resolveRetryPolicy({ backoff: { delay: '1s', max: '10s', jitter: 0 } }, 'retry');

  it('exponential: delay * 2^(n-1), capped at max', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(exponential, n, noJitter))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(retryDelayMs(exponential, 5000, noJitter)).toBe(10_000);
  });

  it('fixed: always the delay', () => {
    const fixed = resolveRetryPolicy({ backoff: { type: 'fixed', delay: '3s', jitter: 0 } }, 'retry');
    expect([1, 2, 10].map((n) => retryDelayMs(fixed, n, noJitter))).toEqual([3000, 3000, 3000]);
  });

  it('fixed without `jitter`: exactly the delay, whatever the random source', () => {
    const fixed = resolveRetryPolicy({ backoff: { type: 'fixed', delay: '300ms' } }, 'retry');
    expect(fixed.backoff.jitter).toBe(0);
    expect([() => 0, () => 0.5, () => 0.999999].map((random) => retryDelayMs(fixed, 1, random))).toEqual([300, 300, 300]);
  });

  it('fixed with an explicit jitter 0.2: within [delay * 0.8, delay]', () => {
    const fixed = resolveRetryPolicy({ backoff: { type: 'fixed', delay: '300ms', jitter: 0.2 } }, 'retry');
    expect(retryDelayMs(fixed, 1, () => 0)).toBe(300);
    expect(retryDelayMs(fixed, 1, () => 0.5)).toBe(270);
    expect(retryDelayMs(fixed, 3, () => 0.999999)).toBe(240);
  });

  it('exponential without `jitter` keeps the default 0.2', () => {
    const exp = resolveRetryPolicy({ backoff: { type: 'exponential', delay: '1s' } }, 'retry');
    expect(exp.backoff.jitter).toBe(0.2);
    expect(retryDelayMs(exp, 1, () => 0.999999)).toBe(800);
  });

  it('jitter shortens by up to the jitter fraction, after the cap', () => {
    const jittered = resolveRetryPolicy({ backoff: { delay: '1s', max: '10s', jitter: 0.5 } }, 'retry');
    expect(retryDelayMs(jittered, 1, () => 0)).toBe(1000);
    expect(retryDelayMs(jittered, 1, () => 0.5)).toBe(750);
    expect(retryDelayMs(jittered, 10, () => 0.999999)).toBe(5000);
  });

  it('clamps a misbehaving random source', () => {
    const jittered = resolveRetryPolicy({ backoff: { delay: '1s', jitter: 1 } }, 'retry');
    expect(retryDelayMs(jittered, 1, () => 7)).toBe(0);
    expect(retryDelayMs(jittered, 1, () => -3)).toBe(1000);
  });
});

describe('shouldRetry and decideAfterFailure', () => {
  it('retries while attempts are left (job maxAttempts wins over the policy)', () => {
    expect(shouldRetry(defaultRetryPolicy, 1)).toBe(true);
    expect(shouldRetry(defaultRetryPolicy, 2)).toBe(true);
    expect(shouldRetry(defaultRetryPolicy, 3)).toBe(false);
    expect(shouldRetry(defaultRetryPolicy, 3, 4)).toBe(true);
    expect(shouldRetry(defaultRetryPolicy, 1, 1)).toBe(false);
  });

  it('decides retry (with its run time) or dead', () => {
    const policy = resolveRetryPolicy({ backoff: { delay: '1s', jitter: 0 } }, 'retry');
    const base = { policy, maxAttempts: 3, retryable: true, nowMs: 10_000, random: noJitter };
    expect(decideAfterFailure({ ...base, attempt: 2 })).toEqual({ kind: 'retry', runAtMs: 12_000, delayMs: 2000 });
    expect(decideAfterFailure({ ...base, attempt: 3 })).toEqual({ kind: 'dead' });
    expect(decideAfterFailure({ ...base, attempt: 1, retryable: false })).toEqual({ kind: 'dead' });
  });
});
