import type { SQLInputValue } from 'node:sqlite';
import type { JobQuery, ScheduleQuery } from '../store/store.ts';

/** A listing statement and its positional parameters. The text depends only on which filters are set, so it is prepared once per shape. */
export interface ListQuery {
  text: string;
  params: SQLInputValue[];
}

const defaultLimit = 100;

export function buildScheduleListQuery(query: ScheduleQuery): ListQuery {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  if (query.task !== undefined) {
    where.push('task = ?');
    params.push(query.task);
  }
  if (query.paused !== undefined) {
    where.push('paused = ?');
    params.push(query.paused ? 1 : 0);
  }
  if (query.idPrefix !== undefined && query.idPrefix !== '') {
    // The range term lets the primary key index find the start; substr() makes it exact (LIKE would need escaping).
    where.push('id >= ? AND substr(id, 1, ?) = ?');
    params.push(query.idPrefix, query.idPrefix.length, query.idPrefix);
  }
  if (query.afterId !== undefined) {
    where.push('id > ?');
    params.push(query.afterId);
  }
  params.push(query.limit ?? defaultLimit);
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return { text: `SELECT * FROM schedules ${filter} ORDER BY id LIMIT ?`, params };
}

export function buildJobListQuery(query: JobQuery): ListQuery {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  if (query.status !== undefined) {
    const statuses = typeof query.status === 'string' ? [query.status] : query.status;
    where.push(`status IN (${statuses.map(() => '?').join(', ') || 'NULL'})`);
    params.push(...statuses);
  }
  if (query.task !== undefined) {
    where.push('task = ?');
    params.push(query.task);
  }
  if (query.scheduleId !== undefined) {
    where.push('schedule_id = ?');
    params.push(query.scheduleId);
  }
  const children = query.parentId !== undefined;
  if (query.parentId !== undefined) {
    where.push('job_edges.parent_id = ?');
    params.push(query.parentId);
  }
  if (query.createdAfterMs !== undefined) {
    where.push('created_at_ms > ?');
    params.push(query.createdAfterMs);
  }
  if (query.createdBeforeMs !== undefined) {
    where.push('created_at_ms < ?');
    params.push(query.createdBeforeMs);
  }
  const feed = query.updatedAfterMs !== undefined;
  if (query.updatedAfterMs !== undefined && query.afterId !== undefined) {
    // The feed's cursor is the (updatedAtMs, id) pair the reader last saw, compared as given.
    where.push('(updated_at_ms, id) > (?, ?)');
    params.push(query.updatedAfterMs, query.afterId);
  } else if (query.updatedAfterMs !== undefined) {
    where.push('updated_at_ms > ?');
    params.push(query.updatedAfterMs);
  } else if (query.afterId !== undefined) {
    // Keyset paging newest first: strictly older than the given job.
    where.push('(created_at_ms, id) < (SELECT created_at_ms, id FROM jobs WHERE id = ?)');
    params.push(query.afterId);
  }
  params.push(query.limit ?? defaultLimit);
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const order = feed ? 'updated_at_ms, id' : 'created_at_ms DESC, id DESC';
  // The feed reads from a recent instant forward: walk jobs_updated from there rather than let the
  // planner pick a status index and sort a status's whole history.
  // A flow's children are few: their parent's edges (one primary-key range) drive, each child read
  // by id. CROSS JOIN fixes that order; without it a status or task filter may win the planner
  // over to walking that status's whole history.
  const source = children ? 'job_edges CROSS JOIN jobs ON jobs.id = job_edges.child_id' : feed ? 'jobs INDEXED BY jobs_updated' : 'jobs';
  return { text: `SELECT jobs.* FROM ${source} ${filter} ORDER BY ${order} LIMIT ?`, params };
}
