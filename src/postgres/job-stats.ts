import { jobStatuses, type JobStatus } from '../domain/job.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { JobStats, JobStatsQuery } from '../store/store.ts';

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

/** The `JobStats` of the two grouped queries: counts per status, and final outcomes per bucket (empty buckets included). */
export function assembleJobStats(
  counts: ReadonlyArray<Record<string, unknown>>,
  buckets: ReadonlyArray<Record<string, unknown>>,
  range: { firstBucketMs: number; lastBucketMs: number; bucketMs: number },
): JobStats {
  const { firstBucketMs, lastBucketMs, bucketMs } = range;
  const byStatus = Object.fromEntries(jobStatuses.map((status) => [status, 0])) as JobStats['byStatus'];
  for (const row of counts) byStatus[row.status as JobStatus] = Number(row.n);
  const finished: JobStats['finished'] = [];
  for (let start = firstBucketMs; start <= lastBucketMs; start += bucketMs) finished.push({ bucketStartMs: start, succeeded: 0, dead: 0, cancelled: 0 });
  for (const row of buckets) {
    const bucket = finished[(Number(row.bucket_start_ms) - firstBucketMs) / bucketMs];
    if (bucket) bucket[row.status as 'succeeded' | 'dead' | 'cancelled'] += Number(row.n);
  }
  return { byStatus, finished };
}
