import type { JobRecord, JobStatus } from '../domain/job.ts';
import type { JobQuery } from '../store/store.ts';

type Order = (a: JobRecord, b: JobRecord) => number;

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest first: createdAtMs descending, then id descending. */
const newestFirst: Order = (a, b) => b.createdAtMs - a.createdAtMs || compareIds(b.id, a.id);

/** The change feed: oldest change first, updatedAtMs ascending, then id ascending. */
const oldestChangeFirst: Order = (a, b) => a.updatedAtMs - b.updatedAtMs || compareIds(a.id, b.id);

/**
 * `Store.listJobs` over plain records: filter, sort (newest first, or oldest change first for the
 * change feed), keyset page. The bounds createdAfterMs, createdBeforeMs and updatedAfterMs are exclusive.
 */
export function listJobRecords(jobs: Iterable<{ record: JobRecord }>, query: JobQuery, defaultLimit: number): JobRecord[] {
  const stored = [...jobs];
  const order = query.updatedAfterMs === undefined ? newestFirst : oldestChangeFirst;
  const statuses: ReadonlySet<JobStatus> | null =
    query.status === undefined ? null : new Set(typeof query.status === 'string' ? [query.status] : query.status);
  const feedCursor =
    query.updatedAfterMs !== undefined && query.afterId !== undefined ? { updatedAtMs: query.updatedAfterMs, id: query.afterId } : null;
  let cursor: JobRecord | null = null;
  if (query.afterId !== undefined && feedCursor === null) {
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
    if (query.parentId !== undefined && !record.parents?.includes(query.parentId)) continue;
    if (query.createdAfterMs !== undefined && !(record.createdAtMs > query.createdAfterMs)) continue;
    if (query.createdBeforeMs !== undefined && !(record.createdAtMs < query.createdBeforeMs)) continue;
    if (feedCursor !== null) {
      // The feed's cursor is the (updatedAtMs, id) pair the reader last saw, compared as given.
      if (record.updatedAtMs < feedCursor.updatedAtMs || (record.updatedAtMs === feedCursor.updatedAtMs && record.id <= feedCursor.id)) continue;
    } else if (query.updatedAfterMs !== undefined && !(record.updatedAtMs > query.updatedAfterMs)) continue;
    if (cursor !== null && order(cursor, record) >= 0) continue;
    matches.push(record);
  }
  matches.sort(order);
  return matches.slice(0, query.limit ?? defaultLimit);
}
