import type { JobRecord } from '../domain/job.ts';
import { addFinished, emptyJobStats, jobStatsRange } from '../store/job-stats-buckets.ts';
import type { JobStats, JobStatsQuery } from '../store/store.ts';

/** `Store.jobStats` over plain records: one pass counts statuses and final outcomes per bucket. */
export function computeJobStats(jobs: Iterable<{ record: JobRecord }>, query: JobStatsQuery): JobStats {
  const range = jobStatsRange(query);
  const stats = emptyJobStats(range);
  for (const { record } of jobs) {
    stats.byStatus[record.status] += 1;
    if (record.finishedAtMs !== null) addFinished(stats, range, record.status, record.finishedAtMs);
  }
  return stats;
}
