import type { JsonValue } from '../domain/json.ts';
import { InvalidArgumentError } from '../errors.ts';
import { parseDuration, type Duration } from '../time/duration.ts';

/**
 * A task's rate limit across all nodes, as written in `task(name, { rateLimit })`: at most
 * `limit` starts per `per`, counted in the store. Jobs over the limit wait (they are delayed,
 * never failed).
 *
 * The limit is a token bucket (GCRA): it holds at most `burst` tokens, one comes back every
 * `per / limit`, and each start takes one. Over any long stretch the rate is `limit` per `per`;
 * an idle bucket lets `burst` jobs start at once, so a window of length `per` sees at most
 * `limit + burst` starts. `burst: 1` spaces starts evenly (a window then sees at most `limit + 1`).
 */
export interface RateLimitOptions {
  /** Starts allowed per `per`. */
  limit: number;
  /** The period `limit` counts over. */
  per: Duration;
  /** Starts an idle bucket allows at once. @defaultValue limit (at least 1) */
  burst?: number;
  /**
   * A limit per key instead of per task: each distinct key (a cloud account, a tenant, a host)
   * gets its own bucket. Called with the job's stored payload; a job over its key's limit is
   * given back to the queue, to start when its key has a token again.
   */
  key?: (data: JsonValue) => string;
}

/**
 * `RateLimitOptions` checked and in milliseconds (`TaskDefinition.rateLimit`): a GCRA bucket of `burst`
 * tokens, refilled at one token per `intervalMs`.
 */
export interface RateLimitPolicy {
  /** Milliseconds per token (per / limit; may be fractional). */
  readonly intervalMs: number;
  readonly burst: number;
  readonly limit: number;
  readonly perMs: number;
  /** The key function of `RateLimitOptions.key` (a bucket per key), or null for one bucket per task. */
  readonly key: ((data: JsonValue) => string) | null;
}

export function resolveRateLimitPolicy(options: RateLimitOptions | undefined, taskName: string): RateLimitPolicy | null {
  if (options === undefined) return null;
  const where = `rateLimit of task "${taskName}"`;
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`Expected \`${where}\` to be an object, got ${String(options)}`);
  const { limit } = options;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new InvalidArgumentError(`Expected \`limit\` of the ${where} to be a positive integer, got ${String(limit)}`);
  }
  const perMs = parseDuration(options.per, `per of the ${where}`);
  const burst = options.burst ?? limit;
  if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1) {
    throw new InvalidArgumentError(`Expected \`burst\` of the ${where} to be a positive integer, got ${String(burst)}`);
  }
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new InvalidArgumentError(`Expected \`key\` of the ${where} to be a function of the payload, got ${typeof options.key}`);
  }
  return { intervalMs: perMs / limit, burst, limit, perMs, key: options.key ?? null };
}

/** The store key of a task's bucket, or of one key's bucket of the task. */
export function rateBucketKey(task: string, key?: string): string {
  return key === undefined ? `task:${task}` : `task:${task}:key:${key}`;
}
