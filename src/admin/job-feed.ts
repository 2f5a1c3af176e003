import type { JobRecord, JobStatus, Store } from '../index.ts';

/**
 * A position in the store's job change feed: the last change seen, as (updatedAtMs, jobId). It is
 * the SSE event id (`${updatedAtMs}-${jobId}`), so a client that reconnects with Last-Event-ID
 * continues where it left off, whichever node made the changes in between.
 */
export interface FeedCursor {
  updatedAtMs: number;
  /** '' for "before any job changed at this instant". */
  jobId: string;
}

export function formatEventId(cursor: FeedCursor): string {
  return `${cursor.updatedAtMs}-${cursor.jobId}`;
}

/** Reads an event id; null when it is not one of ours. Job ids contain dashes: only the first one separates. */
export function parseEventId(id: string): FeedCursor | null {
  const match = /^(\d{1,16})-([\w-]{0,200})$/.exec(id);
  if (!match) return null;
  return { updatedAtMs: Number(match[1]), jobId: match[2]! };
}

/** The event a job's change is announced as, after the status it reached (names as in SchedulerEvents). */
export function jobEventName(status: JobStatus): string {
  switch (status) {
    case 'queued':
      return 'job.enqueued';
    case 'running':
      return 'job.started';
    default:
      return `job.${status}`;
  }
}

function isAfter(job: JobRecord, cursor: FeedCursor): boolean {
  return job.updatedAtMs > cursor.updatedAtMs || (job.updatedAtMs === cursor.updatedAtMs && job.id > cursor.jobId);
}

/**
 * The jobs changed after `cursor`, oldest change first, and the cursor after them.
 *
 * The store's own keyset (`afterId`) compares with the cursor job's *current* updatedAtMs, which
 * moves when that job changes again; so the feed is read from the cursor's instant (inclusive)
 * and the rows at or before the cursor are dropped here. `afterId` only pages within one read.
 */
export async function readJobChanges(
  store: Store,
  cursor: FeedCursor,
  options: { pageSize?: number; maxPages?: number } = {},
): Promise<{ jobs: JobRecord[]; cursor: FeedCursor }> {
  const pageSize = options.pageSize ?? 200;
  const maxPages = options.maxPages ?? 5;
  const jobs: JobRecord[] = [];
  let afterId: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const rows = await store.listJobs({ updatedAfterMs: cursor.updatedAtMs - 1, afterId, limit: pageSize });
    for (const job of rows) if (isAfter(job, cursor)) jobs.push(job);
    if (rows.length < pageSize) break;
    afterId = rows.at(-1)!.id;
  }
  const last = jobs.at(-1);
  return { jobs, cursor: last ? { updatedAtMs: last.updatedAtMs, jobId: last.id } : cursor };
}
