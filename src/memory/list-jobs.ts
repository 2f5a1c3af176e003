import type { JobRecord, JobStatus } from '../domain/job.ts';
import type { JobQuery } from '../store/store.ts';

/** Newest first: createdAtMs descending, then id descending. */
function newestFirst(a: JobRecord, b: JobRecord): number {
  return b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * `Store.listJobs` over plain records: filter, sort newest first, keyset page. The bounds
 * createdAfterMs and createdBeforeMs are exclusive.
 */
export function listJobRecords(jobs: Iterable<{ record: JobRecord }>, query: JobQuery, defaultLimit: number): JobRecord[] {
  const stored = [...jobs];
  const statuses: ReadonlySet<JobStatus> | null =
    query.status === undefined ? null : new Set(typeof query.status === 'string' ? [query.status] : query.status);
  let cursor: JobRecord | null = null;
  if (query.afterId !== undefined) {
    for (const { record } of stored) {
      if (record.id === query.afterId) cursor = record;
    }
    // An unknown cursor has nothing after it (as a SQL keyset comparison with NULL would).
    if (cursor === null) return [];
  }
  const matches: JobRecord[] = [];
  for (const { record } of stored) {
    if (statuses !== null && !statuses.has(record.status)) continue;
    if (query.task !== undefined && record.task !== query.task) continue;
    if (query.scheduleId !== undefined && record.scheduleId !== query.scheduleId) continue;
    if (query.createdAfterMs !== undefined && !(record.createdAtMs > query.createdAfterMs)) continue;
    if (query.createdBeforeMs !== undefined && !(record.createdAtMs < query.createdBeforeMs)) continue;
    if (cursor !== null && newestFirst(cursor, record) >= 0) continue;
    matches.push(record);
  }
  matches.sort(newestFirst);
  return matches.slice(0, query.limit ?? defaultLimit);
}
