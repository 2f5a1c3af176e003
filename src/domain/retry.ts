import { InvalidArgumentError } from '../errors.ts';
import { type Duration, parseDuration } from '../time/duration.ts';

/** How a task retries a failed job, as a user writes it. */
export interface RetryOptions {
  /**
   * Attempts in all, including the first (1 = never retry).
   * @defaultValue 3
   */
  attempts?: number | undefined;
  backoff?:
    | {
        /**
         * `fixed`: every retry waits `delay`. `exponential`: `delay * 2^(n-1)` after the n-th failed attempt.
         * @defaultValue 'exponential'
         */
        type?: 'fixed' | 'exponential' | undefined;
        /**
         * The wait before the first retry. 0 retries at once.
         * @defaultValue '1s'
         */
        delay?: Duration | undefined;
        /**
         * No wait is longer than this.
         * @defaultValue '5m', or `delay` when that is longer
         */
        max?: Duration | undefined;
        /**
         * Fraction (0..1) by which each wait is randomly shortened, so failed jobs do not all come
         * back at once: the wait is multiplied by `1 - jitter * random()`.
         * @defaultValue 0.2 for `exponential`; 0 for `fixed` (a fixed wait is exactly `delay` unless
         * `jitter` is given)
         */
        jitter?: number | undefined;
      }
    | undefined;
}

/** A resolved retry policy: every field present, durations in milliseconds. */
export interface RetryPolicy {
  attempts: number;
  backoff: { type: 'fixed' | 'exponential'; delayMs: number; maxMs: number; jitter: number };
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 1_000, maxMs: 300_000, jitter: 0.2 },
};

/**
 * Fills `options` with the defaults and checks them. `what` names the option in messages
 * (e.g. `'retry'` gives ``Expected `retry.attempts` to be …``).
 * @throws InvalidArgumentError for attempts that are not an integer >= 1, a jitter outside
 * [0, 1], an unknown backoff type, a negative delay or a non-positive max.
 */
export function resolveRetryPolicy(options: RetryOptions | undefined, what: string): RetryPolicy {
  const defaults = defaultRetryPolicy;
  const attempts = options?.attempts ?? defaults.attempts;
  if (!Number.isSafeInteger(attempts) || attempts < 1) {
    throw new InvalidArgumentError(`Expected \`${what}.attempts\` to be an integer >= 1, got ${describe(attempts)}`);
  }
  const backoff = options?.backoff;
  const type = backoff?.type ?? defaults.backoff.type;
  if (type !== 'fixed' && type !== 'exponential') {
    throw new InvalidArgumentError(`Expected \`${what}.backoff.type\` to be 'fixed' or 'exponential', got ${describe(type)}`);
  }
  const delayMs =
    backoff?.delay === undefined ? defaults.backoff.delayMs : parseDuration(backoff.delay, `${what}.backoff.delay`, { allowZero: true });
  const maxMs =
    backoff?.max === undefined ? Math.max(defaults.backoff.maxMs, delayMs) : parseDuration(backoff.max, `${what}.backoff.max`);
  if (maxMs < delayMs) {
    throw new InvalidArgumentError(
      `Expected \`${what}.backoff.max\` (${maxMs}ms) to be at least \`${what}.backoff.delay\` (${delayMs}ms)`,
    );
  }
  // Fixed means fixed: jitter applies to it only when asked for.
  const jitter = backoff?.jitter ?? (type === 'fixed' ? 0 : defaults.backoff.jitter);
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new InvalidArgumentError(`Expected \`${what}.backoff.jitter\` to be a number from 0 to 1, got ${describe(jitter)}`);
  }
  return { attempts, backoff: { type, delayMs, maxMs, jitter } };
}

/**
 * The wait, in whole milliseconds, before retrying after attempt `failedAttempt` (1 = the first
 * attempt failed). Exponential: `delayMs * 2^(failedAttempt - 1)`, capped at `maxMs`; fixed:
 * `delayMs`. Then shortened by jitter: multiplied by `1 - jitter * random()`.
 *
 * @param random A source of numbers in [0, 1) (`Math.random` in production; fixed in tests).
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number): number {
  const { type, delayMs, maxMs, jitter } = policy.backoff;
  const exponent = Math.max(0, failedAttempt - 1);
  // 2 ** exponent overflows to Infinity for huge attempt counts; the cap still applies.
  const baseMs = type === 'fixed' ? delayMs : Math.min(maxMs, delayMs * 2 ** exponent);
  const factor = 1 - jitter * Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(baseMs * factor));
}

/**
 * Whether a job whose attempt `failedAttempt` just failed gets another one: true while
 * `failedAttempt < maxAttempts` (the job's own `maxAttempts` when given — it may differ from the
 * policy, e.g. after an operator's retry — else the policy's `attempts`).
 */
export function shouldRetry(policy: RetryPolicy, failedAttempt: number, maxAttempts?: number): boolean {
  return failedAttempt < (maxAttempts ?? policy.attempts);
}

/** What happens to a job after a failed attempt. */
export type FailureDecision = { kind: 'retry'; runAtMs: number; delayMs: number } | { kind: 'dead' };

/**
 * Retry or dead, for a failed attempt: dead when the error is non-retryable or no attempt is left,
 * else a retry at `nowMs + retryDelayMs(...)`.
 *
 * @example
 * decideAfterFailure({ policy, attempt: job.attempt, maxAttempts: job.maxAttempts, retryable: !(err instanceof NonRetryableError), nowMs, random: Math.random })
 */
export function decideAfterFailure(input: {
  policy: RetryPolicy;
  /** The attempt that failed (the job's `attempt`). */
  attempt: number;
  /** The job's `maxAttempts`. */
  maxAttempts: number;
  retryable: boolean;
  nowMs: number;
  random: () => number;
}): FailureDecision {
  if (!input.retryable || !shouldRetry(input.policy, input.attempt, input.maxAttempts)) return { kind: 'dead' };
  const delayMs = retryDelayMs(input.policy, input.attempt, input.random);
  return { kind: 'retry', runAtMs: input.nowMs + delayMs, delayMs };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
