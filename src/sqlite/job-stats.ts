import { jobStatuses } from '../domain/job.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { JobStats, JobStatsQuery } from '../store/store.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

/** More buckets than a dashboard can draw is a caller's mistake (a bucketMs in seconds, …). */
const maxBuckets = 10_000;

/**
 * `Store.jobStats`, run inside one read: SQLite groups the rows (by status, and by bucket and
 * final status over the `jobs_finished` range), so only a few aggregate rows reach JavaScript,
 * which then fills in the zero counts and empty buckets.
 */
export function readJobStats(s: Statements, query: JobStatsQuery): JobStats {
  const range = bucketRange(query);
  // One read transaction, so the status counts and the buckets describe the same instant.
  s.beginRead.run();
  try {
    return aggregate(s, range);
  } finally {
    s.commit.run();
  }
}

function aggregate(s: Statements, range: BucketRange): JobStats {
  const { firstBucketMs, lastBucketMs, bucketMs } = range;
  const byStatus = Object.fromEntries(jobStatuses.map((status) => [status, 0])) as JobStats['byStatus'];
  for (const row of s.countByStatus.all() as Row[]) {
    const status = String(row.status);
    if (status in byStatus) byStatus[status as keyof JobStats['byStatus']] = Number(row.n);
  }
  const finished: JobStats['finished'] = [];
  const byStart = new Map<number, JobStats['finished'][number]>();
  for (let start = firstBucketMs; start <= lastBucketMs; start += bucketMs) {
    const bucket = { bucketStartMs: start, succeeded: 0, dead: 0, cancelled: 0 };
    finished.push(bucket);
    byStart.set(start, bucket);
  }
  if (finished.length === 0) return { byStatus, finished };
  const rows = s.finishedByBucket.all({ bucketMs, fromMs: firstBucketMs, toMs: lastBucketMs + bucketMs }) as Row[];
  for (const row of rows) {
    const bucket = byStart.get(Number(row.bucket_start_ms));
    const status = String(row.status);
    if (bucket && (status === 'succeeded' || status === 'dead' || status === 'cancelled')) bucket[status] = Number(row.n);
  }
  return { byStatus, finished };
}

interface BucketRange {
  firstBucketMs: number;
  lastBucketMs: number;
  bucketMs: number;
}

function bucketRange(query: JobStatsQuery): BucketRange {
  const { nowMs, sinceMs, bucketMs } = query;
  // SQLite's `/` is integer division only for integers: a fractional width would put rows between buckets.
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
