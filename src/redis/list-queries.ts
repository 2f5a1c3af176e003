import type { Cluster, Redis } from 'ioredis';
import { activeJobStatuses } from '../domain/job.ts';
import type { JobRecord, JobStatus } from '../domain/job.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import type { JobQuery, ScheduleQuery } from '../store/store.ts';
import { decodeJob, decodeSchedule } from './codecs.ts';
import type { KeyLayout } from './key-layout.ts';

const defaultLimit = 100;
const activeStatuses: ReadonlySet<JobStatus> = new Set(activeJobStatuses);
/** Ids read per round trip while filtering: big enough to page quickly, small enough not to stall Redis. */
const chunkSize = 200;

async function readHashes(client: Redis | Cluster, keys: readonly string[]): Promise<string[][]> {
  if (keys.length === 0) return [];
  const pipeline = client.pipeline();
  for (const key of keys) pipeline.call('HGETALL', key);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value as string[];
  });
}

/**
 * listSchedules: the `schedules` zset holds every id under score 0, so ZRANGEBYLEX gives id order,
 * idPrefix and afterId directly; task and paused are filtered after reading, chunk by chunk.
 */
export async function listSchedules(client: Redis | Cluster, keys: KeyLayout, query: ScheduleQuery): Promise<ScheduleRecord[]> {
  const limit = query.limit ?? defaultLimit;
  const out: ScheduleRecord[] = [];
  if (limit <= 0) return out;
  const prefix = query.idPrefix ?? '';
  let min = prefix === '' ? '-' : `[${prefix}`;
  if (query.afterId !== undefined && (prefix === '' || query.afterId >= prefix)) min = `(${query.afterId}`;
  // '\xff' sorts after every UTF-8 byte sequence that starts with the prefix.
  const max = prefix === '' ? '+' : `(${prefix}\xff`;
  for (;;) {
    const ids = (await client.call('ZRANGEBYLEX', keys.schedules, min, max, 'LIMIT', 0, chunkSize)) as string[];
    if (ids.length === 0) return out;
    const hashes = await readHashes(client, ids.map((id) => keys.schedule(id)));
    for (const [i, id] of ids.entries()) {
      const flat = hashes[i]!;
      if (flat.length === 0) continue; // removed meanwhile
      if (!id.startsWith(prefix)) continue;
      const schedule = decodeSchedule(id, flat);
      if (query.task !== undefined && schedule.task !== query.task) continue;
      if (query.paused !== undefined && schedule.paused !== query.paused) continue;
      out.push(schedule);
      if (out.length >= limit) return out;
    }
    if (ids.length < chunkSize) return out;
    min = `(${ids.at(-1)!}`;
  }
}

/**
 * listJobs: walks `jall` (createdAtMs, newest first) or, for the change feed, `jfeed`
 * (updatedAtMs, oldest change first), chunk by chunk, filtering the records it reads. A job's
 * children (parentId) and a schedule's active jobs are read from their own index instead.
 */
export async function listJobs(client: Redis | Cluster, keys: KeyLayout, query: JobQuery): Promise<JobRecord[]> {
  const limit = query.limit ?? defaultLimit;
  const out: JobRecord[] = [];
  if (limit <= 0) return out;
  const feed = query.updatedAfterMs !== undefined;
  const statuses: ReadonlySet<JobStatus> | null =
    query.status === undefined ? null : new Set(typeof query.status === 'string' ? [query.status] : query.status);
  let cursor: JobRecord | null = null;
  // In the feed the cursor is the pair (updatedAfterMs, afterId): it does not read the cursor job,
  // so a reader keeps its place when that job changes again.
  if (query.afterId !== undefined && !feed) {
    const [flat] = await readHashes(client, [keys.job(query.afterId)]);
    // An unknown cursor has nothing after it.
    if (!flat || flat.length === 0) return out;
    cursor = decodeJob(query.afterId, flat);
  }
  const sortKey = (job: JobRecord) => job.createdAtMs;
  // Compares in list order: negative when a comes first.
  const compare = (a: JobRecord, b: JobRecord) =>
    feed
      ? a.updatedAtMs - b.updatedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      : b.createdAtMs - a.createdAtMs || (a.id > b.id ? -1 : a.id < b.id ? 1 : 0);

  // Where the walk starts: at the cursor's own score (inclusive; the filter drops what is not
  // after it), else at the query's exclusive bound.
  let bound: string;
  if (cursor !== null) bound = String(sortKey(cursor));
  else if (feed) bound = query.afterId !== undefined ? String(query.updatedAfterMs) : `(${query.updatedAfterMs}`;
  else bound = query.createdBeforeMs !== undefined ? `(${query.createdBeforeMs}` : '+inf';
  const end = feed ? '+inf' : query.createdAfterMs !== undefined ? `(${query.createdAfterMs}` : '-inf';
  const matches = (job: JobRecord): boolean =>
    !(cursor !== null && compare(cursor, job) >= 0) &&
    (statuses === null || statuses.has(job.status)) &&
    (query.task === undefined || job.task === query.task) &&
    (query.scheduleId === undefined || job.scheduleId === query.scheduleId) &&
    (query.createdAfterMs === undefined || job.createdAtMs > query.createdAfterMs) &&
    (query.createdBeforeMs === undefined || job.createdAtMs < query.createdBeforeMs) &&
    (!feed || afterFeedCursor(job, query.updatedAfterMs!, query.afterId)) &&
    (query.parentId === undefined || isChildOf(job, query.parentId));

  // A job's children, and a schedule's active jobs, have an index of their own: read it rather
  // than walk every job.
  let indexed: string[] | null = null;
  if (query.parentId !== undefined) indexed = (await client.call('SMEMBERS', keys.children(query.parentId))) as string[];
  else if (query.scheduleId !== undefined && statuses !== null && [...statuses].every((status) => activeStatuses.has(status))) {
    indexed = (await client.call('SMEMBERS', keys.activeJobs(query.scheduleId))) as string[];
  }
  if (indexed !== null) {
    for (let from = 0; from < indexed.length; from += chunkSize) {
      const chunk = indexed.slice(from, from + chunkSize);
      const hashes = await readHashes(client, chunk.map((id) => keys.job(id)));
      for (const [i, id] of chunk.entries()) {
        const flat = hashes[i]!;
        if (flat.length === 0) continue;
        const job = decodeJob(id, flat);
        if (matches(job)) out.push(job);
      }
    }
    return out.sort(compare).slice(0, limit);
  }

  let offset = 0;
  for (;;) {
    const ids = (await (feed
      ? client.call('ZRANGEBYSCORE', keys.jobsByUpdate, bound, end, 'LIMIT', offset, chunkSize)
      : client.call('ZREVRANGEBYSCORE', keys.jobsByCreation, bound, end, 'LIMIT', offset, chunkSize))) as string[];
    if (ids.length === 0) return out;
    offset += ids.length;
    const hashes = await readHashes(client, ids.map((id) => keys.job(id)));
    for (const [i, id] of ids.entries()) {
      const flat = hashes[i]!;
      if (flat.length === 0) continue;
      const job = decodeJob(id, flat);
      if (matches(job)) out.push(job);
    }
    if (out.length >= limit || ids.length < chunkSize) break;
  }
  // A record read later in the walk may have changed after its index entry was read: sort again.
  return out.sort(compare).slice(0, limit);
}

/** Whether a job comes after the feed cursor (updatedAfterMs, afterId): later, or as late with a greater id. */
function afterFeedCursor(job: JobRecord, updatedAfterMs: number, afterId: string | undefined): boolean {
  if (job.updatedAtMs > updatedAfterMs) return true;
  return afterId !== undefined && job.updatedAtMs === updatedAfterMs && job.id > afterId;
}

/**
 * Whether a job listed in a parent's `ch:` set is its child: its own parents decide, since an
 * edge may outlive its child (purged while its parents could not be read, its id then reused);
 * a child whose parents cannot be read is listed (flagged unreadable) rather than hidden.
 */
function isChildOf(job: JobRecord, parentId: string): boolean {
  return (job.parents?.includes(parentId) ?? false) || (job.unreadable?.some((entry) => entry.field === 'parents') ?? false);
}
