import { InvalidArgumentError } from '../errors.ts';
import type { JobStatsQuery } from '../store/store.ts';

/** More buckets than a dashboard can draw is a caller's mistake (a bucketMs in seconds, …). */
const maxBuckets = 10_000;

/** The first and last bucket of a `jobStats` query (buckets start at multiples of `bucketMs`), validated. */
export function bucketRange(query: JobStatsQuery): { firstBucketMs: number; lastBucketMs: number; bucketMs: number } {
  const { nowMs, sinceMs, bucketMs } = query;
  if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0) {
    throw new InvalidArgumentError(`Expected \`bucketMs\` to be a positive integer, got ${String(bucketMs)}`);
  }
  if (!Number.isSafeInteger(sinceMs) || !Number.isSafeInteger(nowMs)) {
    throw new InvalidArgumentError(`Expected \`sinceMs\` and \`nowMs\` to be integer epoch milliseconds, got ${sinceMs} and ${nowMs}`);
  }
  const firstBucketMs = Math.floor(sinceMs / bucketMs) * bucketMs;
  const lastBucketMs = Math.floor(nowMs / bucketMs) * bucketMs;
  if ((lastBucketMs - firstBucketMs) / bucketMs + 1 > maxBuckets) {
    throw new InvalidArgumentError(`jobStats would return more than ${maxBuckets} buckets; use a wider \`bucketMs\` or a later \`sinceMs\``);
  }
  return { firstBucketMs, lastBucketMs, bucketMs };
}
