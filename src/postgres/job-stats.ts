import { addFinished, emptyJobStats, type JobStatsRange, setStatusCount } from '../store/job-stats-buckets.ts';
import type { JobStats } from '../store/store.ts';

/** The `JobStats` of the two grouped queries: counts per status, and final outcomes per bucket (empty buckets included). */
export function assembleJobStats(
  counts: ReadonlyArray<Record<string, unknown>>,
  buckets: ReadonlyArray<Record<string, unknown>>,
  range: JobStatsRange,
): JobStats {
  const stats = emptyJobStats(range);
  for (const row of counts) setStatusCount(stats, String(row.status), Number(row.n));
  for (const row of buckets) addFinished(stats, range, String(row.status), Number(row.bucket_start_ms), Number(row.n));
  return stats;
}
