import { addFinished, emptyJobStats, jobStatsRange, setStatusCount, type JobStatsRange } from '../store/job-stats-buckets.ts';
import type { JobStats, JobStatsQuery } from '../store/store.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

/**
 * `Store.jobStats`, run inside one read: SQLite groups the rows (by status, and by bucket and
 * final status over the `jobs_finished` range), so only a few aggregate rows reach JavaScript,
 * which then fills in the zero counts and empty buckets.
 */
export function readJobStats(s: Statements, query: JobStatsQuery): JobStats {
  const range = jobStatsRange(query);
  // One read transaction, so the status counts and the buckets describe the same instant.
  s.beginRead.run();
  try {
    return aggregate(s, range);
  } finally {
    s.commit.run();
  }
}

function aggregate(s: Statements, range: JobStatsRange): JobStats {
  const stats = emptyJobStats(range);
  for (const row of s.countByStatus.all() as Row[]) setStatusCount(stats, String(row.status), Number(row.n));
  const { firstBucketMs, lastBucketMs, bucketMs } = range;
  const rows = s.finishedByBucket.all({ bucketMs, fromMs: firstBucketMs, toMs: lastBucketMs + bucketMs }) as Row[];
  for (const row of rows) addFinished(stats, range, String(row.status), Number(row.bucket_start_ms), Number(row.n));
  return stats;
}
