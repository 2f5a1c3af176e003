import { jobStatuses, type JobStatus } from '../domain/job.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { JobStats, JobStatsQuery } from './store.ts';

/** More buckets than a dashboard can draw is a caller's mistake (a bucketMs in seconds, …). */
const maxBuckets = 10_000;

/** The buckets a `jobStats` query covers: from the bucket holding sinceMs to the one holding nowMs. */
export interface JobStatsRange {
  firstBucketMs: number;
  lastBucketMs: number;
  bucketMs: number;
}

/**
 * Validates a `jobStats` query and returns its buckets (starting at multiples of `bucketMs`).
 * Every store uses it, so every store refuses the same queries the same way.
 */
export function jobStatsRange(query: JobStatsQuery): JobStatsRange {
  const { nowMs, sinceMs, bucketMs } = query;
  // Integer widths only: SQL stores divide integers, and a fractional width would put rows between buckets.
  if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0) {
    throw new InvalidArgumentError(`Expected \`bucketMs\` to be a positive integer, got ${String(bucketMs)}`);
  }
  if (!Number.isSafeInteger(sinceMs) || !Number.isSafeInteger(nowMs) || sinceMs < 0) {
    throw new InvalidArgumentError(`Expected \`sinceMs\` and \`nowMs\` to be non-negative integer epoch milliseconds, got ${sinceMs} and ${nowMs}`);
  }
  const firstBucketMs = Math.floor(sinceMs / bucketMs) * bucketMs;
  const lastBucketMs = Math.floor(nowMs / bucketMs) * bucketMs;
  if ((lastBucketMs - firstBucketMs) / bucketMs + 1 > maxBuckets) {
    throw new InvalidArgumentError(`jobStats would return more than ${maxBuckets} buckets; use a wider \`bucketMs\` or a later \`sinceMs\``);
  }
  return { firstBucketMs, lastBucketMs, bucketMs };
}

/** Stats with every status at 0 and every bucket of the range present and empty. */
export function emptyJobStats(range: JobStatsRange): JobStats {
  const byStatus = Object.fromEntries(jobStatuses.map((status) => [status, 0])) as JobStats['byStatus'];
  const finished: JobStats['finished'] = [];
  for (let start = range.firstBucketMs; start <= range.lastBucketMs; start += range.bucketMs) {
    finished.push({ bucketStartMs: start, succeeded: 0, dead: 0, cancelled: 0 });
  }
  return { byStatus, finished };
}

/** Sets the count of `status` (a string from a store row; unknown statuses are ignored). */
export function setStatusCount(stats: JobStats, status: string, count: number): void {
  if ((jobStatuses as readonly string[]).includes(status)) stats.byStatus[status as JobStatus] = count;
}

/** Adds `count` final outcomes of `status` to the bucket holding `atMs` (outside the range: ignored). */
export function addFinished(stats: JobStats, range: JobStatsRange, status: string, atMs: number, count = 1): void {
  if (status !== 'succeeded' && status !== 'dead' && status !== 'cancelled') return;
  if (atMs < range.firstBucketMs) return;
  const bucket = stats.finished[Math.floor((atMs - range.firstBucketMs) / range.bucketMs)];
  if (bucket) bucket[status] += count;
}
