import type { JobRecord } from '../domain/job.ts';
import { jobStatuses } from '../domain/job.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { JobStats, JobStatsQuery } from '../store/store.ts';

/** More buckets than a dashboard can draw is a caller's mistake (a bucketMs in seconds, …). */
const maxBuckets = 10_000;

/** `Store.jobStats` over plain records: one pass counts statuses and final outcomes per bucket. */
export function computeJobStats(jobs: Iterable<{ record: JobRecord }>, query: JobStatsQuery): JobStats {
  const { firstBucketMs, lastBucketMs, bucketMs } = bucketRange(query);
  const byStatus = Object.fromEntries(jobStatuses.map((status) => [status, 0])) as JobStats['byStatus'];
  const finished: JobStats['finished'] = [];
  for (let start = firstBucketMs; start <= lastBucketMs; start += bucketMs) {
    finished.push({ bucketStartMs: start, succeeded: 0, dead: 0, cancelled: 0 });
  }
  for (const { record } of jobs) {
    byStatus[record.status] += 1;
    const { status, finishedAtMs } = record;
    if (finishedAtMs === null || (status !== 'succeeded' && status !== 'dead' && status !== 'cancelled')) continue;
    const bucket = finished[Math.floor((finishedAtMs - firstBucketMs) / bucketMs)];
    if (finishedAtMs >= firstBucketMs && bucket !== undefined) bucket[status] += 1;
  }
  return { byStatus, finished };
}

function bucketRange(query: JobStatsQuery): { firstBucketMs: number; lastBucketMs: number; bucketMs: number } {
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
